"""user: document, celular, channels, last login, causal of the state (Configuración de
Usuarios); index of a company's users by name

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 17:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_type', _TEXT(length=3), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('document_number', _TEXT(length=15), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('phone', _TEXT(length=10), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('channel_portal', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.add_column(sa.Column('channel_app', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.add_column(sa.Column('last_login_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('state_reason', _TEXT(length=30), nullable=False,
                                      server_default=''))
    op.create_index('ix_user_company_username', 'user', ['company_id', 'username'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_user_company_username', table_name='user')
    with op.batch_alter_table('user', schema=None) as batch_op:
        for name in ('state_reason', 'last_login_at', 'channel_app', 'channel_portal',
                     'phone', 'document_number', 'document_type'):
            batch_op.drop_column(name)
