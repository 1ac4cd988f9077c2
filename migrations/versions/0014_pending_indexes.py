"""Control dual's indexes as bench/dual_inbox.py measured them: the inbox and the badge read
the company's waiting operations (company, state, expiry) rather than every company's, and
Consulta Montos Acumulados the company's month (company, day) rather than its history.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 17:20:00
"""
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_pendingop_company_state', table_name='pendingoperation')
    op.create_index('ix_pendingop_company_waiting', 'pendingoperation',
                    ['company_id', 'state', 'expires_at', 'id'], unique=False)
    op.create_index('ix_pendingop_company_day', 'pendingoperation',
                    ['company_id', 'prepared_day'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_pendingop_company_day', table_name='pendingoperation')
    op.drop_index('ix_pendingop_company_waiting', table_name='pendingoperation')
    op.create_index('ix_pendingop_company_state', 'pendingoperation',
                    ['company_id', 'state', 'id'], unique=False)
