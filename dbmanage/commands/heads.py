"""``heads``: the head revision(s) of the chain."""
from dbmanage.commands import reading
from dbmanage.commands import spec
from dbmanage.commands import text


def heads(ctx, result):
    """The head revision(s) of the chain."""
    reading.load_chain(ctx, result)


def render(result, verbose):
    return '\n'.join(text.label(h, result.heads) for h in result.heads)


COMMAND = spec.Command('heads', 'head revision(s) of the chain', heads, render=render)
