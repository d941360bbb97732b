"""How dbmanage writes index changes on MySQL and MariaDB: as ALTER TABLE.

``CREATE INDEX`` and ``ALTER TABLE ... ADD INDEX`` make the same index, but
a Galera node (MariaDB 10.11) orders them differently against replicated
writes to the tables whose foreign keys reference the indexed table. A
CREATE INDEX, while another node writes such a table, waits on its own node
for a lock on it that the replication applier holds, while the applier
waits, in commit order, behind the CREATE INDEX; neither can be killed, and
the whole cluster stops. Written as ALTER TABLE, the replicated writes wait
their turn instead.
"""
import re

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateIndex, DropIndex

_NAME = r'(?:`[^`]+`|[\w$]+)'
_TABLE = r'(%s(?:\.%s)?)' % (_NAME, _NAME)
_CREATE = re.compile(r'^\s*CREATE\s+((?:UNIQUE|FULLTEXT|SPATIAL)\s+)?INDEX\s+'
                     r'(IF\s+NOT\s+EXISTS\s+)?(%s)\s+ON\s+%s\s*(\(.*)$' % (_NAME, _TABLE),
                     re.I | re.S)
_DROP = re.compile(r'^\s*DROP\s+INDEX\s+(IF\s+EXISTS\s+)?(%s)\s+ON\s+%s\s*;?\s*$'
                   % (_NAME, _TABLE), re.I | re.S)


def as_alter(sql: str) -> str:
    """``sql`` with a CREATE INDEX or DROP INDEX written as ALTER TABLE; any
    other statement as it is."""
    found = _CREATE.match(sql)
    if found:
        kind, if_not_exists, name, table, rest = found.groups()
        return 'ALTER TABLE %s ADD %sINDEX %s%s %s' % (
            table, (kind or '').upper(), 'IF NOT EXISTS ' if if_not_exists else '', name,
            rest.strip())
    found = _DROP.match(sql)
    if found:
        if_exists, name, table = found.groups()
        return 'ALTER TABLE %s DROP INDEX %s%s' % (table, 'IF EXISTS ' if if_exists else '',
                                                   name)
    return sql


for _name in ('mysql', 'mariadb'):
    @compiles(CreateIndex, _name)
    @compiles(DropIndex, _name)
    def _index_as_alter(element, compiler, **kw):
        return as_alter(compiler.visit_create_index(element, **kw)
                        if isinstance(element, CreateIndex)
                        else compiler.visit_drop_index(element, **kw))
