"""A database schema as plain immutable values, and their JSON form.

Every object is spelled as its backend reports it (types, defaults, names
the database chose), so a schema compares only with one of the same
dialect. Lists whose order carries no meaning (indexes, keys, checks) are
kept sorted, so two equal schemas are equal values.

The JSON form is what the data files beside each chain hold: a table is
``{"columns": [[name, type, nullable, default], ...], "primary_key":
[name, [columns]], "indexes": [[name, [columns], unique], ...], "unique":
[[name, [columns]], ...], "foreign_keys": [[name, [columns], table,
[columns], on_delete, on_update], ...], "checks": [[name, text], ...]}``,
with empty lists left out.
"""
import dataclasses
import typing


class _Any:
    """A seeded value that differs on every install (a time stamp)."""

    def __repr__(self):
        return 'ANY'

    def to_json(self):
        return {'any': True}


ANY = _Any()


@dataclasses.dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool
    default: typing.Optional[str]


@dataclasses.dataclass(frozen=True, order=True)
class Index:
    name: str
    columns: tuple
    unique: bool


@dataclasses.dataclass(frozen=True, order=True)
class Unique:
    # None: the constraint was created unnamed (SQLite keeps no name for it).
    name: typing.Optional[str]
    columns: tuple

    def sort_key(self):
        return (self.name or '', self.columns)


@dataclasses.dataclass(frozen=True)
class ForeignKey:
    # None: unnamed, or named by the database (``t_ibfk_1``, ``t_c_fkey``),
    # which depends on the order keys were created in, not on the schema.
    name: typing.Optional[str]
    columns: tuple
    referred_table: str
    referred_columns: tuple
    on_delete: typing.Optional[str] = None
    on_update: typing.Optional[str] = None

    def sort_key(self):
        return (self.name or '', self.columns, self.referred_table, self.referred_columns)


@dataclasses.dataclass(frozen=True)
class Check:
    name: typing.Optional[str]
    text: str

    def sort_key(self):
        return (self.name or '', self.text)


@dataclasses.dataclass(frozen=True)
class Table:
    name: str
    columns: tuple                      # Column, in table order
    primary_key: tuple = ()             # column names, in key order
    primary_key_name: typing.Optional[str] = None
    indexes: tuple = ()                 # Index, sorted
    uniques: tuple = ()                 # Unique, sorted
    foreign_keys: tuple = ()            # ForeignKey, sorted
    checks: tuple = ()                  # Check, sorted

    @classmethod
    def make(cls, name, columns, primary_key=(), primary_key_name=None, indexes=(),
             uniques=(), foreign_keys=(), checks=()):
        """A table with its unordered parts sorted."""
        return cls(name, tuple(columns), tuple(primary_key), primary_key_name,
                   tuple(sorted(indexes)),
                   tuple(sorted(uniques, key=Unique.sort_key)),
                   tuple(sorted(foreign_keys, key=ForeignKey.sort_key)),
                   tuple(sorted(checks, key=Check.sort_key)))

    def column(self, name):
        for column in self.columns:
            if column.name == name:
                return column
        return None

    def to_json(self):
        out = {'columns': [[c.name, c.type, c.nullable, c.default] for c in self.columns]}
        if self.primary_key:
            out['primary_key'] = [self.primary_key_name, list(self.primary_key)]
        parts = {'indexes': [[i.name, list(i.columns), i.unique] for i in self.indexes],
                 'unique': [[u.name, list(u.columns)] for u in self.uniques],
                 'foreign_keys': [[f.name, list(f.columns), f.referred_table,
                                   list(f.referred_columns), f.on_delete, f.on_update]
                                  for f in self.foreign_keys],
                 'checks': [[c.name, c.text] for c in self.checks]}
        out.update((key, value) for key, value in parts.items() if value)
        return out

    @classmethod
    def from_json(cls, name, data):
        pk_name, pk = data.get('primary_key') or (None, ())
        return cls.make(
            name, [Column(*c) for c in data['columns']], pk, pk_name,
            [Index(n, tuple(cols), unique) for n, cols, unique in data.get('indexes', ())],
            [Unique(n, tuple(cols)) for n, cols in data.get('unique', ())],
            [ForeignKey(n, tuple(cols), table, tuple(ref), on_delete, on_update)
             for n, cols, table, ref, on_delete, on_update in data.get('foreign_keys', ())],
            [Check(n, text) for n, text in data.get('checks', ())])


def value_to_json(value):
    return value.to_json() if value is ANY else value


def value_from_json(value):
    return ANY if isinstance(value, dict) and value.get('any') else value


def rows_to_json(rows):
    return [{key: value_to_json(v) for key, v in sorted(row.items())} for row in rows]


def rows_from_json(rows):
    return tuple({key: value_from_json(v) for key, v in row.items()} for row in rows)


@dataclasses.dataclass
class Schema:
    """Tables by name, and the rows read (by table) or None when none were.

    ``scope`` is the set of table names a partial reflection looked at, or
    None for the whole database; a comparison looks at the scope only.
    """
    dialect: str
    tables: dict
    rows: typing.Optional[dict] = None
    scope: typing.Optional[frozenset] = None

    def to_json(self):
        out = {'dialect': self.dialect,
               'tables': {name: t.to_json() for name, t in sorted(self.tables.items())}}
        if self.rows is not None:
            out['rows'] = {name: rows_to_json(r) for name, r in sorted(self.rows.items())}
        return out
