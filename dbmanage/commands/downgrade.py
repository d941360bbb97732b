"""``downgrade``: refused; a failed upgrade is undone by restoring a backup."""
from __future__ import annotations

import typing

from dbmanage import errors
from dbmanage.commands import spec

if typing.TYPE_CHECKING:
    from dbmanage.commands.context import Context
    from dbmanage.result import Result


def downgrade(ctx: Context, result: Result, **ignored) -> None:
    """Refused: a failed upgrade is undone by restoring a backup."""
    raise errors.UsageError('downgrade is not supported: restore the database '
                            'from the backup taken before the upgrade')


COMMAND = spec.Command('downgrade', '(not supported)', downgrade,
                       args=spec.revision_args(relative=True))
