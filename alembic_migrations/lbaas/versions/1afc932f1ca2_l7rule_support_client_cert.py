"""Add the client certificate L7 rule types."""
from alembic import op

revision = '1afc932f1ca2'
down_revision = 'ffad172e98c1'


def upgrade():
    for name in ('SSL_CONN_HAS_CERT', 'SSL_VERIFY_RESULT', 'SSL_DN_FIELD'):
        op.execute("INSERT INTO l7rule_type (name) SELECT '%s' "
                   "WHERE NOT EXISTS (SELECT 1 FROM l7rule_type "
                   "WHERE name = '%s')" % (name, name))
