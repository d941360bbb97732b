"""Add L7 policies and rules with their lookup tables."""
from alembic import op
import sqlalchemy as sa

from alembic_migrations.lookup import insert_names

revision = '458c9ee2a011'
down_revision = '29ff921a6eb'


def lookup(table, *names):
    op.create_table(
        table,
        sa.Column('name', sa.String(36), primary_key=True),
        sa.Column('description', sa.String(255), nullable=True),
    )
    insert_names(table, names)


def upgrade():
    lookup('l7rule_type', 'HOST_NAME', 'PATH', 'FILE_TYPE', 'HEADER', 'COOKIE')
    lookup('l7rule_compare_type',
           'REGEX', 'STARTS_WITH', 'ENDS_WITH', 'CONTAINS', 'EQUAL_TO')
    lookup('l7policy_action', 'REJECT', 'REDIRECT_TO_URL', 'REDIRECT_TO_POOL')

    op.create_table(
        'l7policy',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('description', sa.String(255), nullable=True),
        sa.Column('listener_id', sa.String(36),
                  sa.ForeignKey('listener.id', name='fk_l7policy_listener_id'),
                  nullable=False),
        sa.Column('action', sa.String(36),
                  sa.ForeignKey('l7policy_action.name',
                                name='fk_l7policy_l7policy_action_name'),
                  nullable=False),
        sa.Column('redirect_pool_id', sa.String(36),
                  sa.ForeignKey('pool.id', name='fk_l7policy_pool_id'),
                  nullable=True),
        sa.Column('redirect_url', sa.String(255), nullable=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
    )

    op.create_table(
        'l7rule',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('l7policy_id', sa.String(36),
                  sa.ForeignKey('l7policy.id', name='fk_l7rule_l7policy_id'),
                  nullable=False),
        sa.Column('type', sa.String(36),
                  sa.ForeignKey('l7rule_type.name',
                                name='fk_l7rule_l7rule_type_name'),
                  nullable=False),
        sa.Column('compare_type', sa.String(36),
                  sa.ForeignKey('l7rule_compare_type.name',
                                name='fk_l7rule_l7rule_compare_type_name'),
                  nullable=False),
        sa.Column('key', sa.String(255), nullable=True),
        sa.Column('value', sa.String(255), nullable=False),
        sa.Column('invert', sa.Boolean(), nullable=False),
    )
