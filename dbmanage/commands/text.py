"""How results read as text: the phrases several commands share.

Each command's own ``render`` (in its module) turns a successful Result into
the lines the console programs print, Alembic-like where Alembic has an
equivalent command; ``--json`` prints the Result itself instead.
"""
from __future__ import annotations

from dbmanage.locks import holders


def label(rev, heads) -> str:
    return '%s (head)' % rev if rev in heads else rev


def revisions(revs, heads) -> str:
    return ', '.join(label(r, heads) for r in revs) or '<base>'


def verbose_entry(entry) -> str:
    return ('Rev: %s%s\nParent: %s\nPath: %s\n\n    %s\n'
            % (entry['revision'], ' (head)' if entry['is_head'] else '',
               entry['down_revision'] or '<base>', entry['path'],
               entry['description']))


def holder(lock) -> dict | None:
    """Who holds a migration lock, in one phrase."""
    return holders.describe(lock)
