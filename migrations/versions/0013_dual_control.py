"""Dual control and alerts: authconfig, authrule, authorizer, pendingoperation,
operationapproval, userlimit, alertsubscription, portalnotice; outboxmessage.channel (SMS as
a stored message); bulkfile.state wide enough for «Pendiente por autorizar».

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 03:40:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_MOMENT = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        'authconfig',
        sa.Column('company_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_at', _MOMENT(), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['company_id'], ['company.id']),
        sa.ForeignKeyConstraint(['updated_by'], ['user.id']),
        sa.PrimaryKeyConstraint('company_id'),
    )
    op.create_table(
        'authrule',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('kind', _TEXT(length=15), nullable=False),
        sa.Column('amount_from', sa.BigInteger(), nullable=False),
        sa.Column('amount_to', sa.BigInteger(), nullable=True),
        sa.Column('required', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['company_id'], ['company.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_authrule_company', 'authrule', ['company_id', 'kind'], unique=False)
    op.create_table(
        'authorizer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('kind', _TEXT(length=15), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['company_id'], ['company.id']),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('company_id', 'kind', 'user_id'),
    )
    op.create_table(
        'pendingoperation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('kind', _TEXT(length=15), nullable=False),
        sa.Column('state', _TEXT(length=12), nullable=False),
        sa.Column('summary', _TEXT(length=300), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('items', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=True),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('required', sa.Integer(), nullable=False),
        sa.Column('approvals', sa.Integer(), nullable=False),
        sa.Column('prepared_by', sa.Integer(), nullable=False),
        sa.Column('prepared_at', _MOMENT(), nullable=False),
        sa.Column('prepared_day', _TEXT(length=10), nullable=False),
        sa.Column('expires_at', _MOMENT(), nullable=False),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('decided_at', _MOMENT(), nullable=True),
        sa.Column('reason', _TEXT(length=200), nullable=False),
        sa.Column('result', _TEXT(length=300), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['company_id'], ['company.id']),
        sa.ForeignKeyConstraint(['account_id'], ['account.id']),
        sa.ForeignKeyConstraint(['prepared_by'], ['user.id']),
        sa.ForeignKeyConstraint(['decided_by'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_pendingop_company_state', 'pendingoperation',
                    ['company_id', 'state', 'id'], unique=False)
    op.create_index('ix_pendingop_preparer', 'pendingoperation',
                    ['company_id', 'prepared_by', 'kind', 'prepared_day'], unique=False)
    op.create_index('ix_pendingop_state_expiry', 'pendingoperation',
                    ['state', 'expires_at'], unique=False)
    op.create_table(
        'operationapproval',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('operation_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('channel', _TEXT(length=20), nullable=False),
        sa.Column('created_at', _MOMENT(), nullable=False),
        sa.ForeignKeyConstraint(['operation_id'], ['pendingoperation.id']),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('operation_id', 'user_id'),
    )
    op.create_table(
        'userlimit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('kind', _TEXT(length=15), nullable=False),
        sa.Column('per_operation', sa.BigInteger(), nullable=False),
        sa.Column('day_amount', sa.BigInteger(), nullable=False),
        sa.Column('day_count', sa.Integer(), nullable=False),
        sa.Column('month_amount', sa.BigInteger(), nullable=False),
        sa.Column('month_count', sa.Integer(), nullable=False),
        sa.Column('updated_at', _MOMENT(), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['company_id'], ['company.id']),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.ForeignKeyConstraint(['updated_by'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('company_id', 'user_id', 'kind'),
    )
    op.create_table(
        'alertsubscription',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('event', _TEXT(length=30), nullable=False),
        sa.Column('by_email', sa.Boolean(), nullable=False),
        sa.Column('by_sms', sa.Boolean(), nullable=False),
        sa.Column('by_portal', sa.Boolean(), nullable=False),
        sa.Column('updated_at', _MOMENT(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'event'),
    )
    op.create_table(
        'portalnotice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('event', _TEXT(length=30), nullable=False),
        sa.Column('text', _TEXT(length=300), nullable=False),
        sa.Column('created_at', _MOMENT(), nullable=False),
        sa.Column('read_at', _MOMENT(), nullable=True),
        sa.ForeignKeyConstraint(['company_id'], ['company.id']),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_portalnotice_user', 'portalnotice', ['user_id', 'id'], unique=False)
    with op.batch_alter_table('outboxmessage') as batch:
        batch.add_column(sa.Column('channel', _TEXT(length=10), nullable=False,
                                   server_default='correo'))
    with op.batch_alter_table('outboxmessage') as batch:
        batch.alter_column('channel', server_default=None)
    with op.batch_alter_table('bulkfile') as batch:
        batch.alter_column('state', type_=_TEXT(length=25), existing_type=_TEXT(length=12),
                           existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('bulkfile') as batch:
        batch.alter_column('state', type_=_TEXT(length=12), existing_type=_TEXT(length=25),
                           existing_nullable=False)
    with op.batch_alter_table('outboxmessage') as batch:
        batch.drop_column('channel')
    op.drop_index('ix_portalnotice_user', table_name='portalnotice')
    op.drop_table('portalnotice')
    op.drop_table('alertsubscription')
    op.drop_table('userlimit')
    op.drop_table('operationapproval')
    op.drop_index('ix_pendingop_state_expiry', table_name='pendingoperation')
    op.drop_index('ix_pendingop_preparer', table_name='pendingoperation')
    op.drop_index('ix_pendingop_company_state', table_name='pendingoperation')
    op.drop_table('pendingoperation')
    op.drop_table('authorizer')
    op.drop_index('ix_authrule_company', table_name='authrule')
    op.drop_table('authrule')
    op.drop_table('authconfig')
