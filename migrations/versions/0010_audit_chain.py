"""auditevent: the company's hash chain (chain, seq, prev_hash, hash); audithead;
auditanchor. The events already written are linked here, in the order they were written.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 17:40:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', _TEXT(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', _TEXT(length=64), nullable=True))
    op.create_index('uq_audit_chain_seq', 'auditevent', ['chain', 'seq'], unique=True)
    op.create_table(
        'audithead',
        sa.Column('chain', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('hash', _TEXT(length=64), nullable=False),
        sa.PrimaryKeyConstraint('chain'),
    )
    op.create_table(
        'auditanchor',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('chain', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('hash', _TEXT(length=64), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('signature', _TEXT(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_auditanchor_chain', 'auditanchor', ['chain', 'seq'], unique=False)
    _link_existing(op.get_bind())


def _link_existing(conn) -> None:
    """The events written before this migration join their chains, oldest first."""
    from occireflex.domain.audit_chain import FIELDS, link

    event = sa.table('auditevent', sa.column('id'), sa.column('created_at'),
                     *(sa.column(n) for n in FIELDS), sa.column('chain'), sa.column('seq'),
                     sa.column('prev_hash'), sa.column('hash'))
    rows = [dict(r._mapping) for r in conn.execute(
        sa.select(event.c.id, event.c.created_at, *(event.c[n] for n in FIELDS))
        .order_by(event.c.id))]
    if not rows:
        return
    link(conn, rows)
    conn.execute(event.update().where(event.c.id == sa.bindparam('row_id')).values(
        chain=sa.bindparam('c'), seq=sa.bindparam('s'), prev_hash=sa.bindparam('p'),
        hash=sa.bindparam('h')),
        [{'row_id': r['id'], 'c': r['chain'], 's': r['seq'], 'p': r['prev_hash'],
          'h': r['hash']} for r in rows])


def downgrade() -> None:
    op.drop_index('ix_auditanchor_chain', table_name='auditanchor')
    op.drop_table('auditanchor')
    op.drop_table('audithead')
    op.drop_index('uq_audit_chain_seq', table_name='auditevent')
    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        for name in ('hash', 'prev_hash', 'seq', 'chain'):
            batch_op.drop_column(name)
