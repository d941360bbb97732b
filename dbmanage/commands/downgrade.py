"""``downgrade``: refused; a failed upgrade is undone by restoring a backup."""
from dbmanage import errors
from dbmanage.commands import spec


def downgrade(ctx, result, **ignored):
    """Refused: a failed upgrade is undone by restoring a backup."""
    raise errors.UsageError('downgrade is not supported: restore the database '
                            'from the backup taken before the upgrade')


COMMAND = spec.Command('downgrade', '(not supported)', downgrade,
                       args=spec.revision_args(relative=True))
