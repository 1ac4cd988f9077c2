"""securityparams: Parámetros Generales y de Seguridad per company; user.password_changed_at
for the password expiry a company may set.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 20:15:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_MOMENT = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        'securityparams',
        sa.Column('company_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('idle_minutes', sa.Integer(), nullable=False),
        sa.Column('absolute_minutes', sa.Integer(), nullable=False),
        sa.Column('max_failed_attempts', sa.Integer(), nullable=False),
        sa.Column('min_password_length', sa.Integer(), nullable=False),
        sa.Column('password_expiry_days', sa.Integer(), nullable=False),
        sa.Column('allowed_days', _TEXT(length=7), nullable=False),
        sa.Column('open_from', sa.Integer(), nullable=False),
        sa.Column('open_until', sa.Integer(), nullable=False),
        sa.Column('app_may_approve', sa.Boolean(), nullable=False),
        sa.Column('token_free_up_to', sa.BigInteger(), nullable=False),
        sa.Column('updated_at', _MOMENT(), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['company_id'], ['company.id']),
        sa.ForeignKeyConstraint(['updated_by'], ['user.id']),
        sa.PrimaryKeyConstraint('company_id'),
    )
    with op.batch_alter_table('user') as batch:
        batch.add_column(sa.Column('password_changed_at', _MOMENT(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('user') as batch:
        batch.drop_column('password_changed_at')
    op.drop_table('securityparams')
