"""iprule: the addresses and ranges a company's users may connect from; iprulesversion:
raised by every change, read by the per-event access stamp.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 18:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'iprule',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('network', _TEXT(length=50), nullable=False),
        sa.Column('channel', _TEXT(length=10), nullable=False),
        sa.Column('description', _TEXT(length=80), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['company_id'], ['company.id']),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.ForeignKeyConstraint(['created_by'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_iprule_company', 'iprule', ['company_id'], unique=False)
    op.create_table(
        'iprulesversion',
        sa.Column('company_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['company_id'], ['company.id']),
        sa.PrimaryKeyConstraint('company_id'),
    )


def downgrade() -> None:
    op.drop_table('iprulesversion')
    op.drop_index('ix_iprule_company', table_name='iprule')
    op.drop_table('iprule')
