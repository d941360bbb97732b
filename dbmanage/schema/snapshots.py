"""The schema and seed rows of every revision of a chain, per dialect, as data files.

One file per service and dialect, ``<chain package>/schema/<dialect>.json``
(for the shipped chains ``alembic_migrations/<service>/schema/``), written by
``tools/schema_snapshots.py`` from databases the chain migrated one revision
at a time. To stay small the file holds each distinct table definition once,
under ``"tables"`` as ``<table>@<n>`` (the n-th shape the table takes along
the chain), and per revision, in chain order, only what changed:

    {"format": 1, "service": "lbaas", "dialect": "mysql",
     "tables": {"algorithm@1": {...table...}, ...},
     "revisions": [{"revision": "35dee79d5865",
                    "tables": {"algorithm": "algorithm@1", "old": null, ...},
                    "rows": {"algorithm": [{"description": null, "name": "HTTP"}, ...]}},
                   ...]}

A table mapped to null is dropped by that revision; ``rows`` gives the whole
new row list of a table whose seeded rows changed (null: none any more).
Seeded rows are the rows a database migrated from empty holds; time stamps
among them are recorded as ``{"any": true}``.
"""
import functools
import importlib.metadata
import importlib.util
import json
import pathlib

from dbmanage.schema import model

FORMAT = 1
_TEMPORAL = ('DATE', 'TIME')
_WIDTH = 100


class NoData(LookupError):
    """No recorded schema for that service, dialect or revision."""


def folder(service):
    """The schema data folder of a service's chain, found through its entry
    point without importing the chain package itself."""
    for entry in importlib.metadata.entry_points(group='dbmanage.services'):
        if entry.name == service:
            spec = importlib.util.find_spec(entry.module)
            if spec and spec.submodule_search_locations:
                return pathlib.Path(list(spec.submodule_search_locations)[0]) / 'schema'
    raise NoData('unknown service %s' % service)


def path(service, dialect):
    return folder(service) / ('%s.json' % dialect)


@functools.lru_cache(maxsize=None)
def _states(service, dialect):
    """(revisions in chain order, {revision: (tables, rows)}) from the data file."""
    try:
        data = json.loads(path(service, dialect).read_text())
    except FileNotFoundError:
        raise NoData('no schema data for %s on %s' % (service, dialect)) from None
    return replay(data)


def replay(data):
    """Each revision's (tables, rows), from a data file's content."""
    shapes = {key: model.Table.from_json(key.rsplit('@', 1)[0], table)
              for key, table in data['tables'].items()}
    order, states, tables, rows = [], {}, {}, {}
    for step in data['revisions']:
        for name, key in step.get('tables', {}).items():
            if key is None:
                tables.pop(name, None)
            else:
                tables[name] = shapes[key]
        for name, seeded in step.get('rows', {}).items():
            if seeded is None:
                rows.pop(name, None)
            else:
                rows[name] = model.rows_from_json(seeded)
        order.append(step['revision'])
        states[step['revision']] = (dict(tables), dict(rows))
    return order, states


def revisions(service, dialect):
    """The chain's revisions, oldest first, as recorded."""
    return list(_states(service, dialect)[0])


def expected(service, dialect, revision):
    """The Schema (with its seeded rows) of ``revision`` of ``service``'s chain on ``dialect``."""
    order, states = _states(service, dialect)
    if revision not in states:
        raise NoData('revision %s is not in the recorded %s chain' % (revision, service))
    tables, rows = states[revision]
    return model.Schema(dialect, dict(tables), dict(rows))


def changed(service, dialect, current, target):
    """The tables whose shape or seeded rows the revisions after ``current``
    (None: base) up to ``target`` change."""
    order, states = _states(service, dialect)
    for revision in (current, target):
        if revision is not None and revision not in states:
            raise NoData('revision %s is not in the recorded %s chain' % (revision, service))
    start = order.index(current) + 1 if current else 0
    before = states[current] if current else ({}, {})
    names = set()
    for revision in order[start:order.index(target) + 1]:
        after = states[revision]
        for was, now in zip(before, after):
            names |= {name for name in set(was) | set(now) if was.get(name) != now.get(name)}
        before = after
    return names


def seeded_tables(service, dialect):
    """Every table that holds seeded rows at some revision."""
    order, states = _states(service, dialect)
    return sorted({name for _, rows in states.values() for name in rows})


# -- Writing -------------------------------------------------------------------

def _recorded_rows(table, rows):
    """Rows as recorded: time stamps, which differ on every install, as ANY."""
    temporal = {c.name for c in table.columns if any(t in c.type for t in _TEMPORAL)}
    recorded = [{key: model.ANY if key in temporal and value is not None else value
                 for key, value in row.items()} for row in rows]
    return sorted(model.rows_to_json(recorded), key=lambda r: json.dumps(r, sort_keys=True))


def build(service, dialect, steps):
    """The data file's content from ``[(revision, Schema with rows), ...]`` in chain order."""
    shapes, keys, revisions = {}, {}, []
    tables, rows = {}, {}
    for revision, schema in steps:
        step = {'revision': revision}
        changed = {}
        for name in sorted(set(tables) | set(schema.tables)):
            table = schema.tables.get(name)
            if table is None:
                changed[name] = None
            elif tables.get(name) != table:
                if table not in keys:
                    count = sum(1 for t in keys if t.name == name)
                    keys[table] = '%s@%d' % (name, count + 1)
                    shapes[keys[table]] = table.to_json()
                changed[name] = keys[table]
        seeded = {name: _recorded_rows(schema.tables[name], found)
                  for name, found in (schema.rows or {}).items() if found}
        changed_rows = {name: seeded.get(name) for name in sorted(set(rows) | set(seeded))
                        if rows.get(name) != seeded.get(name)}
        if changed:
            step['tables'] = changed
        if changed_rows:
            step['rows'] = changed_rows
        tables, rows = dict(schema.tables), seeded
        revisions.append(step)
    return {'format': FORMAT, 'service': service, 'dialect': dialect,
            'tables': shapes, 'revisions': revisions}


def dumps(data):
    """The data file's text: canonical (sorted keys, one line per short item), so
    the same content always gives the same bytes."""
    return _render(data, 0) + '\n'


def _render(value, indent):
    flat = json.dumps(value, sort_keys=True)
    if len(flat) + indent <= _WIDTH or not isinstance(value, (dict, list)) or not value:
        return flat
    pad = ' ' * (indent + 1)
    if isinstance(value, dict):
        items = ['%s%s: %s' % (pad, json.dumps(k), _render(value[k], indent + 1))
                 for k in sorted(value)]
        return '{\n%s\n%s}' % (',\n'.join(items), ' ' * indent)
    items = [pad + _render(v, indent + 1) for v in value]
    return '[\n%s\n%s]' % (',\n'.join(items), ' ' * indent)
