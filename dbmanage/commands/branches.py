"""``branches``: the branch points of the chain."""
from dbmanage.commands import reading
from dbmanage.commands import spec


def branches(ctx, result):
    """The branch points of the chain (none for a linear history)."""
    reading.load_chain(ctx, result)


def render(result, verbose):
    return '\n'.join('%s (branchpoint)' % b for b in result.branches)


COMMAND = spec.Command('branches', 'branch points of the chain', branches, render=render)
