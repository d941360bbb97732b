"""``populate_actions``: register the service's shipped actions (Mistral's
``populate_actions``: the actions part of ``populate``)."""
from __future__ import annotations

import typing

from dbmanage.commands import populate
from dbmanage.commands import spec

if typing.TYPE_CHECKING:
    from dbmanage.commands.context import Context
    from dbmanage.result import Result


def populate_actions(ctx: Context, result: Result) -> None:
    """Register the shipped actions; a second run changes nothing."""
    populate.write_rows(ctx, result, 'populate_actions')


COMMAND = spec.Command(
    'populate_actions', 'register the shipped actions (the actions part of populate)',
    populate_actions, writes=True, version='1.3', render=populate.render,
    available=lambda service: 'populate_actions' in service.populate_steps)
