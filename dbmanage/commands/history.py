"""``history``: the chain, newest first."""
from __future__ import annotations

import typing

from dbmanage import chain
from dbmanage import errors
from dbmanage.commands import reading
from dbmanage.commands import spec
from dbmanage.commands import text

if typing.TYPE_CHECKING:
    from dbmanage.commands.context import Context
    from dbmanage.result import Result


def _get(ctx, found, rev):
    try:
        return found.get(rev)
    except chain.AlembicNeeded:
        from dbmanage.chain import scripts
        return scripts.get_revision(chain.script(ctx.service), rev)


def _between(ctx, found, upper, lower):
    try:
        return found.between(upper, lower)
    except chain.AlembicNeeded:
        script = chain.script(ctx.service)
        revs = script.iterate_revisions(upper, lower, inclusive=True) \
            if lower != 'base' else script.iterate_revisions(upper, lower)
        return [found.by_id[r.revision] for r in revs]


def history(ctx: Context, result: Result, rev_range: str | None = None,
            verbose: bool = False) -> None:
    """The chain, newest first, optionally limited to ``A:B``."""
    found = reading.load_chain(ctx, result)
    lower, upper = 'base', 'heads'
    if rev_range:
        if ':' not in rev_range:
            raise errors.UsageError('history range must look like A:B, A: or :B')
        lower, upper = (part or default for part, default in
                        zip(rev_range.split(':', 1), ('base', 'heads')))
        for rev in (lower, upper):
            if rev not in ('base', 'heads', 'head'):
                _get(ctx, found, rev)
    result.revision_before = result.revision_after = reading.peek_current(ctx)
    result.history = [reading.entry(r, result.revision_after)
                      for r in _between(ctx, found, upper, lower)]


def _line(entry):
    line = '%s -> %s' % (entry['down_revision'] or '<base>', entry['revision'])
    line += ''.join(mark for flag, mark in (('is_head', ' (head)'),
                                             ('is_branch_point', ' (branchpoint)'),
                                             ('is_current', ' (current)')) if entry[flag])
    return '%s, %s' % (line, entry['description'])


def render(result: Result, verbose: bool) -> str:
    return '\n'.join((text.verbose_entry if verbose else _line)(e) for e in result.history)


COMMAND = spec.Command(
    'history', 'list the chain', history, render=render,
    args=(spec.Arg('rev_range', flags=('-r', '--rev-range'), pattern=spec.REVISION_RANGE,
                   help='A:B, A: or :B'),
          spec.Arg('verbose', bool, False, flags=('--verbose',))))
