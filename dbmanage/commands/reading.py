"""What the read-only commands share.

They answer from the chain's files read as text (``chain``) and, for the
database, one query through the driver (``Database.heads``), so they load
neither SQLAlchemy nor Alembic. A chain only Alembic can read, a question
only its revision map answers, or a URL for another driver takes the
Alembic path, with the same results.
"""
from __future__ import annotations

import typing

import logging
import os

from dbmanage import chain

if typing.TYPE_CHECKING:
    from dbmanage.commands.context import Context
    from dbmanage.result import Result

LOG = logging.getLogger(__name__)


def load_chain(ctx: Context, result: Result):
    """The chain read as text, its heads and branches in ``result``."""
    found = chain.load(ctx.service)
    result.heads, result.branches = list(found.heads), list(found.branches)
    return found


def entry(rev, current: list[str] = ()) -> dict:
    """One revision as ``history`` and ``current --verbose`` list it."""
    return {
        'revision': rev.revision,
        'down_revision': rev.down_revision,
        'description': rev.description,
        'is_head': rev.is_head,
        'is_branch_point': rev.is_branch_point,
        'is_current': rev.revision in current,
        'path': os.path.basename(rev.path),
    }


def peek_current(ctx: Context) -> list[str]:
    """The database's revision for marking history, or () if it cannot be had
    (an embedded database not made yet is not made by looking)."""
    db = ctx.database
    if db.embedded and not os.path.exists(db.name or ''):
        return ()
    try:
        return db.heads()
    except Exception as exc:
        LOG.debug('history without the current revision: %s', exc)
        return ()
