"""biller.gln: the GS1 Global Location Number printed as (415) in a bill's barcode, unique;
the bank's catalog billers get theirs (``billers.BILLERS``).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 09:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString

# the catalog as it stood at this revision: biller code → GLN (GS1 mod-10 check digit)
CATALOG_GLNS = {
    '1001': '7709998010017', '1002': '7709998010024', '1003': '7709998010031',
    '1004': '7709998010048', '1005': '7709998010055', '1006': '7709998010062',
    '1007': '7709998010079', '1008': '7709998010086', '1009': '7709998010093',
    '2001': '7709998020016', '2002': '7709998020023', '2003': '7709998020030',
    '2004': '7709998020047', '2005': '7709998020054', '2006': '7709998020061',
}


def upgrade() -> None:
    with op.batch_alter_table('biller') as batch:
        batch.add_column(sa.Column('gln', _TEXT(length=13), nullable=True))
        batch.create_index('ix_biller_gln', ['gln'], unique=True)
    biller = sa.table('biller', sa.column('code', sa.String), sa.column('gln', sa.String))
    for code, gln in CATALOG_GLNS.items():
        op.execute(biller.update().where(biller.c.code == code).values(gln=gln))


def downgrade() -> None:
    with op.batch_alter_table('biller') as batch:
        batch.drop_index('ix_biller_gln')
        batch.drop_column('gln')
