"""bill: index on period (the daily issue reads only the current period's bills)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 08:20:00
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_bill_period', 'bill', ['period'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_bill_period', table_name='bill')
