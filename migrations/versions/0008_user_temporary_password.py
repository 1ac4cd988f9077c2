"""user: password_temporary_until (first access by a temporary password); passwordhistory;
outboxmessage

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 15:10:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_temporary_until',
                                      sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.create_table(
        'passwordhistory',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_passwordhistory_user', 'passwordhistory', ['user_id', 'id'],
                    unique=False)
    op.create_table(
        'outboxmessage',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('to_address', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('claimed_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['company_id'], ['company.id'], ),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_outbox_pending', 'outboxmessage', ['sent_at', 'next_attempt_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_outbox_pending', table_name='outboxmessage')
    op.drop_table('outboxmessage')
    op.drop_index('ix_passwordhistory_user', table_name='passwordhistory')
    op.drop_table('passwordhistory')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('password_temporary_until')
