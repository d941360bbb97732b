"""Services dbmanage migrates, declared once and found by entry point.

A service is a migration chain plus what surrounds it: the program that
operators type, the oslo.config project its default config files belong to,
its head models and its populate step. Services register under the
``dbmanage.services`` entry point group, so adding one touches neither the
core nor the CLI.
"""
from __future__ import annotations

import dataclasses
import importlib
import importlib.util
from importlib import metadata
import pathlib

from dbmanage import errors

GROUP = 'dbmanage.services'


@dataclasses.dataclass(frozen=True)
class Service:
    name: str                  # registry key, notification ``service`` field
    program: str               # console program, e.g. mistral-db-manage
    project: str               # oslo.config project: /etc/<project>/<project>.conf
    package: str               # package holding versions/, models.py, populate.py
    sequential_ids: bool = False   # new revision ids continue 001, 002, ...
    #: The oslo.config projects whose default config files serve the
    #: service, in order: the first with a file in oslo.config's default
    #: places is read. Empty: ``project`` alone.
    config_projects: tuple = ()

    @property
    def config_search(self):
        return self.config_projects or (self.project,)

    @property
    def folder(self):
        spec = importlib.util.find_spec(self.package)
        return pathlib.Path(spec.origin).parent

    @property
    def versions_dir(self):
        return self.folder / 'versions'

    @property
    def embedded_url(self) -> str:
        from dbmanage import dialects
        return dialects.embedded_url(self.name)

    @property
    def default_topic(self) -> str:
        return '%s_db_manage' % self.name

    @property
    def lock_name(self) -> str:
        return 'dbmanage.%s' % self.name

    def metadata(self):
        return importlib.import_module(self.package + '.models').metadata

    @property
    def populate_steps(self):
        """The names of the populate module's functions (``populate``,
        ``populate_actions``), read from its text: importing it would load
        SQLAlchemy, which the console programs need only to migrate."""
        import ast
        spec = importlib.util.find_spec(self.package + '.populate')
        if spec is None or not spec.origin:
            return ()
        tree = ast.parse(pathlib.Path(spec.origin).read_text(encoding='utf-8'))
        return tuple(node.name for node in tree.body
                     if isinstance(node, ast.FunctionDef) and not node.name.startswith('_'))

    def populate_step(self, name):
        """A function of the service's populate module (``populate``,
        ``populate_actions``) that writes standard rows on an SQLAlchemy
        connection and returns what it wrote; None if the service has none."""
        module = importlib.import_module(self.package + '.populate')
        return getattr(module, name, None)


def get(name):
    """The registered service called ``name``; UsageError if none is."""
    found = metadata.entry_points(group=GROUP, name=name)
    if not found:
        known = sorted(ep.name for ep in metadata.entry_points(group=GROUP))
        raise errors.UsageError('unknown service %r (known: %s)'
                                % (name, ', '.join(known) or 'none'))
    return next(iter(found)).load()
