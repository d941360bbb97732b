"""Resume a revision that a crash left half-applied on MySQL/MariaDB.

MySQL commits every DDL statement on its own, so a run killed inside
revision N leaves some of N's schema changes in place while
``alembic_version`` still names N-1; the rerun starts N from its first
statement and would fail on "already exists". Only the first revision of a
run can be in that state (every later one starts on a recorded revision), so
for that revision alone each schema operation first asks the live database
whether its effect is already there, and skips it if so. Data statements are
written idempotent by the migrations themselves (see alembic_migrations/README.md).

Databases with transactional DDL (PostgreSQL) roll an interrupted revision
back whole and need none of this.
"""
import logging

import sqlalchemy as sa

LOG = logging.getLogger(__name__)


class ResumeGuard:
    """Wraps a migration context's DDL impl while ``active``."""

    def __init__(self, impl):
        self.impl = impl
        self.active = True
        self.skipped = []
        for name in ('create_table', 'drop_table', 'add_column', 'drop_column',
                     'create_index', 'drop_index', 'add_constraint',
                     'drop_constraint', 'rename_table'):
            original = getattr(impl, name)
            setattr(impl, name, self._wrap(name, original))

    def finish(self):
        """The first revision is done: later ones run unguarded."""
        self.active = False

    def _wrap(self, name, original):
        check = getattr(self, '_done_' + name)

        def guarded(*args, **kwargs):
            if self.active:
                done = check(*args, **kwargs)
                if done:
                    self.skipped.append('%s %s' % (name, done))
                    LOG.warning('resuming an interrupted revision: %s %s is '
                                'already done', name, done)
                    return None
            return original(*args, **kwargs)
        return guarded

    # Each _done_* answers "is this operation's effect already in place?"
    # with a short description when it is, else None.

    def _inspector(self):
        return sa.inspect(self.impl.connection)

    def _tables(self):
        return set(self._inspector().get_table_names())

    def _columns(self, table):
        return {c['name'] for c in self._inspector().get_columns(table)}

    def _index_names(self, table):
        return {i['name'] for i in self._inspector().get_indexes(table)}

    def _constraint_names(self, table):
        insp = self._inspector()
        names = {u['name'] for u in insp.get_unique_constraints(table)}
        names |= {f['name'] for f in insp.get_foreign_keys(table)}
        names |= {c['name'] for c in insp.get_check_constraints(table)}
        names |= self._index_names(table)
        return names

    def _done_create_table(self, table, **kw):
        if table.name not in self._tables():
            return None
        # The crash may have struck between CREATE TABLE and its indexes.
        existing = self._index_names(table.name)
        for index in table.indexes:
            if index.name not in existing:
                self.impl._exec(sa.schema.CreateIndex(index))
        return table.name

    def _done_drop_table(self, table, **kw):
        return None if table.name in self._tables() else table.name

    def _done_add_column(self, table_name, column, **kw):
        return '%s.%s' % (table_name, column.name) \
            if column.name in self._columns(table_name) else None

    def _done_drop_column(self, table_name, column, **kw):
        return None if column.name in self._columns(table_name) \
            else '%s.%s' % (table_name, column.name)

    def _done_create_index(self, index, **kw):
        return index.name if index.name and \
            index.name in self._index_names(index.table.name) else None

    def _done_drop_index(self, index, **kw):
        table = index.table.name if index.table is not None else None
        if table is None or not index.name:
            return None
        return None if index.name in self._index_names(table) else index.name

    def _done_add_constraint(self, const, **kw):
        table = const.table.name
        insp = self._inspector()
        if isinstance(const, sa.PrimaryKeyConstraint):
            have = insp.get_pk_constraint(table)['constrained_columns']
            return '%s primary key' % table if have else None
        if const.name:
            return const.name if const.name in self._constraint_names(table) else None
        # An unnamed constraint got its name from the database: recognise
        # it by what it constrains.
        columns = [c.name for c in const.columns]
        if isinstance(const, sa.UniqueConstraint):
            found = [u['column_names'] for u in insp.get_unique_constraints(table)]
            found += [i['column_names'] for i in insp.get_indexes(table) if i['unique']]
            if columns in found:
                return 'unique %s(%s)' % (table, ', '.join(columns))
        if isinstance(const, sa.ForeignKeyConstraint):
            target = const.referred_table.name
            for fk in insp.get_foreign_keys(table):
                if fk['constrained_columns'] == columns and fk['referred_table'] == target:
                    return 'foreign key %s(%s)' % (table, ', '.join(columns))
        return None

    def _done_drop_constraint(self, const, **kw):
        table = const.table.name
        if isinstance(const, sa.PrimaryKeyConstraint):
            have = self._inspector().get_pk_constraint(table)['constrained_columns']
            return None if have else '%s primary key' % table
        if not const.name:
            return None
        return None if const.name in self._constraint_names(table) else const.name

    def _done_rename_table(self, old_table_name, new_table_name, **kw):
        tables = self._tables()
        return '%s -> %s' % (old_table_name, new_table_name) \
            if old_table_name not in tables and new_table_name in tables else None
