"""inscriptions carry their latest bill (period, status, due date) kept by triggers;
grid state index; Transacciones' covering payment index

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 11:00:00

The trigger SQL is a frozen copy of ``occireflex/billsync.py`` as of this revision. On
SQLite, a later batch migration that recreates ``bill`` or ``enrollment`` drops their
triggers: it must create them again.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

SQLITE = (
    'CREATE TRIGGER IF NOT EXISTS trg_bill_insert_sync AFTER INSERT ON bill BEGIN UPDATE enrollment SET bill_period = NEW.period, bill_status = NEW.status, bill_due_on = NEW.due_on WHERE biller_id = NEW.biller_id AND reference = NEW.reference AND (bill_period IS NULL OR bill_period <= NEW.period); END',
    'CREATE TRIGGER IF NOT EXISTS trg_bill_update_sync AFTER UPDATE OF status, due_on ON bill WHEN NEW.biller_id = OLD.biller_id AND NEW.reference = OLD.reference AND NEW.period = OLD.period BEGIN UPDATE enrollment SET bill_status = NEW.status, bill_due_on = NEW.due_on WHERE biller_id = NEW.biller_id AND reference = NEW.reference AND bill_period = NEW.period; END',
    'CREATE TRIGGER IF NOT EXISTS trg_bill_rekey_sync AFTER UPDATE OF biller_id, reference, period ON bill BEGIN UPDATE enrollment SET (bill_period, bill_status, bill_due_on) = (SELECT b.period, b.status, b.due_on FROM bill b WHERE b.biller_id = enrollment.biller_id AND b.reference = enrollment.reference ORDER BY b.period DESC LIMIT 1) WHERE (biller_id = OLD.biller_id AND reference = OLD.reference) OR (biller_id = NEW.biller_id AND reference = NEW.reference); END',
    'CREATE TRIGGER IF NOT EXISTS trg_bill_delete_sync AFTER DELETE ON bill BEGIN UPDATE enrollment SET (bill_period, bill_status, bill_due_on) = (SELECT b.period, b.status, b.due_on FROM bill b WHERE b.biller_id = enrollment.biller_id AND b.reference = enrollment.reference ORDER BY b.period DESC LIMIT 1) WHERE biller_id = OLD.biller_id AND reference = OLD.reference; END',
    'CREATE TRIGGER IF NOT EXISTS trg_enrollment_insert_sync AFTER INSERT ON enrollment BEGIN UPDATE enrollment SET (bill_period, bill_status, bill_due_on) = (SELECT b.period, b.status, b.due_on FROM bill b WHERE b.biller_id = NEW.biller_id AND b.reference = NEW.reference ORDER BY b.period DESC LIMIT 1) WHERE id = NEW.id; END',
    'CREATE TRIGGER IF NOT EXISTS trg_enrollment_rekey_sync AFTER UPDATE OF biller_id, reference ON enrollment BEGIN UPDATE enrollment SET (bill_period, bill_status, bill_due_on) = (SELECT b.period, b.status, b.due_on FROM bill b WHERE b.biller_id = NEW.biller_id AND b.reference = NEW.reference ORDER BY b.period DESC LIMIT 1) WHERE id = NEW.id; END',
)

POSTGRESQL = (
    "CREATE OR REPLACE FUNCTION bill_latest_sync() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF TG_OP = 'INSERT' THEN\n    UPDATE enrollment SET bill_period = NEW.period, bill_status = NEW.status,\n           bill_due_on = NEW.due_on\n     WHERE biller_id = NEW.biller_id AND reference = NEW.reference\n       AND (bill_period IS NULL OR bill_period <= NEW.period);\n    RETURN NULL;\n  END IF;\n  IF TG_OP = 'UPDATE' AND NEW.biller_id = OLD.biller_id AND NEW.reference = OLD.reference\n     AND NEW.period = OLD.period THEN\n    IF NEW.status IS DISTINCT FROM OLD.status OR NEW.due_on IS DISTINCT FROM OLD.due_on THEN\n      UPDATE enrollment SET bill_status = NEW.status, bill_due_on = NEW.due_on\n       WHERE biller_id = NEW.biller_id AND reference = NEW.reference\n         AND bill_period = NEW.period;\n    END IF;\n    RETURN NULL;\n  END IF;\n  UPDATE enrollment e SET (bill_period, bill_status, bill_due_on) = (\n      SELECT b.period, b.status, b.due_on FROM bill b\n       WHERE b.biller_id = e.biller_id AND b.reference = e.reference\n       ORDER BY b.period DESC LIMIT 1)\n   WHERE e.biller_id = OLD.biller_id AND e.reference = OLD.reference;\n  IF TG_OP = 'UPDATE' THEN\n    UPDATE enrollment e SET (bill_period, bill_status, bill_due_on) = (\n        SELECT b.period, b.status, b.due_on FROM bill b\n         WHERE b.biller_id = e.biller_id AND b.reference = e.reference\n         ORDER BY b.period DESC LIMIT 1)\n     WHERE e.biller_id = NEW.biller_id AND e.reference = NEW.reference;\n  END IF;\n  RETURN NULL;\nEND $$",
    'CREATE OR REPLACE TRIGGER trg_bill_latest_sync AFTER INSERT OR DELETE OR UPDATE OF status, due_on, biller_id, reference, period ON bill FOR EACH ROW EXECUTE FUNCTION bill_latest_sync()',
    'CREATE OR REPLACE FUNCTION enrollment_latest_bill() RETURNS trigger LANGUAGE plpgsql\nAS $$\nBEGIN\n  SELECT b.period, b.status, b.due_on INTO NEW.bill_period, NEW.bill_status, NEW.bill_due_on\n    FROM bill b WHERE b.biller_id = NEW.biller_id AND b.reference = NEW.reference\n   ORDER BY b.period DESC LIMIT 1;\n  RETURN NEW;\nEND $$',
    'CREATE OR REPLACE TRIGGER trg_enrollment_latest_bill BEFORE INSERT OR UPDATE OF biller_id, reference ON enrollment FOR EACH ROW EXECUTE FUNCTION enrollment_latest_bill()',
)

BACKFILL = 'UPDATE enrollment SET (bill_period, bill_status, bill_due_on) = (SELECT b.period, b.status, b.due_on FROM bill b WHERE b.biller_id = enrollment.biller_id AND b.reference = enrollment.reference ORDER BY b.period DESC LIMIT 1) WHERE EXISTS (SELECT 1 FROM bill b WHERE b.biller_id = enrollment.biller_id AND b.reference = enrollment.reference)'

SQLITE_DROP = ("trg_bill_insert_sync", "trg_bill_update_sync", "trg_bill_rekey_sync",
               "trg_bill_delete_sync", "trg_enrollment_insert_sync",
               "trg_enrollment_rekey_sync")
POSTGRESQL_DROP = ("DROP TRIGGER IF EXISTS trg_bill_latest_sync ON bill",
                   "DROP TRIGGER IF EXISTS trg_enrollment_latest_bill ON enrollment",
                   "DROP FUNCTION IF EXISTS bill_latest_sync()",
                   "DROP FUNCTION IF EXISTS enrollment_latest_bill()")


def upgrade() -> None:
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bill_period', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=True))
        batch_op.add_column(sa.Column('bill_status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True))
        batch_op.add_column(sa.Column('bill_due_on', sa.Date(), nullable=True))
    op.create_index('ix_enrollment_biller_ref', 'enrollment', ['biller_id', 'reference'], unique=False)
    op.execute(BACKFILL)
    live = dict(sqlite_where=sa.text('deleted_at IS NULL'),
                postgresql_where=sa.text('deleted_at IS NULL'))
    op.create_index('ix_enrollment_live', 'enrollment', ['company_id', 'id'], unique=False, **live)
    op.create_index('ix_enrollment_bill_state', 'enrollment',
                    ['company_id', 'bill_status', 'id', 'bill_due_on'], unique=False, **live)
    op.create_index('ix_enrollment_bill_due', 'enrollment',
                    ['company_id', 'bill_status', 'bill_due_on'], unique=False, **live)
    op.drop_index('ix_payment_company_time', table_name='payment')
    op.create_index('ix_payment_company_time', 'payment',
                    ['company_id', 'created_at', 'id', 'status', 'channel', 'account_id', 'amount'],
                    unique=False)
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(dialect, ()):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in SQLITE_DROP:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        for statement in POSTGRESQL_DROP:
            op.execute(statement)
    op.drop_index('ix_payment_company_time', table_name='payment')
    op.create_index('ix_payment_company_time', 'payment', ['company_id', 'created_at'], unique=False)
    op.drop_index('ix_enrollment_bill_state', table_name='enrollment')
    op.drop_index('ix_enrollment_bill_due', table_name='enrollment')
    op.drop_index('ix_enrollment_live', table_name='enrollment')
    op.drop_index('ix_enrollment_biller_ref', table_name='enrollment')
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_column('bill_due_on')
        batch_op.drop_column('bill_status')
        batch_op.drop_column('bill_period')
