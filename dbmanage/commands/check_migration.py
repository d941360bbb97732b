"""``check_migration``: is the chain one linear history?"""
from dbmanage import errors
from dbmanage.commands import reading
from dbmanage.commands import spec


def check_migration(ctx, result):
    """Succeed only for one linear history; name the branch points otherwise."""
    reading.load_chain(ctx, result)
    if len(result.heads) != 1:
        raise errors.CheckFailed(
            'the chain has %d heads (%s); branch points: %s'
            % (len(result.heads), ', '.join(result.heads),
               ', '.join(result.branches) or 'none'))


def render(result, verbose):
    return 'OK: one linear history, head %s' % ', '.join(result.heads)


COMMAND = spec.Command('check_migration', 'fail unless the chain is one linear history',
                       check_migration, render=render)
