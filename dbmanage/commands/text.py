"""How results read as text: the phrases several commands share.

Each command's own ``render`` (in its module) turns a successful Result into
the lines the console programs print, Alembic-like where Alembic has an
equivalent command; ``--json`` prints the Result itself instead.
"""
from dbmanage.locks import holders


def label(rev, heads):
    return '%s (head)' % rev if rev in heads else rev


def revisions(revs, heads):
    return ', '.join(label(r, heads) for r in revs) or '<base>'


def verbose_entry(entry):
    return ('Rev: %s%s\nParent: %s\nPath: %s\n\n    %s\n'
            % (entry['revision'], ' (head)' if entry['is_head'] else '',
               entry['down_revision'] or '<base>', entry['path'],
               entry['description']))


def holder(lock):
    """Who holds a migration lock, in one phrase."""
    return holders.describe(lock)
