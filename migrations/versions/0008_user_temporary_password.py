"""user: password_temporary_until (first access by a temporary password); passwordhistory

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


def downgrade() -> None:
    op.drop_index('ix_passwordhistory_user', table_name='passwordhistory')
    op.drop_table('passwordhistory')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('password_temporary_until')
