"""Each inscription carries its latest bill's period, status and due date, kept by the
database itself (triggers), so the Inscripciones grid filters and counts by state through
an index instead of looking up the latest bill of every inscription of the company.

Why triggers: bills change through many doors (the issue of a period, a payment, the
sweep's bulk UPDATE, the bulk loader's raw INSERTs, COPY, an operator's SQL) and the grid
must agree with all of them. The latest bill is the one with the greatest ``period``
(``YYYY-MM``, ordered as text) of the same biller and reference, whichever company
inscribed it; an inscription without bills has NULLs («Sin factura»).

- a bill inserted: the inscriptions of its reference whose period is not newer take it;
- a bill's status or due date updated: the inscriptions showing that period follow;
- a bill deleted or re-keyed (biller, reference, period): recomputed from the bills;
- an inscription inserted or re-keyed: it takes its reference's latest bill.

``models.py`` installs these on ``create_all``; migration 0007 on ``init-db``/upgrade (a
frozen copy of the same SQL).
"""

from __future__ import annotations

_LATEST = ("SELECT b.period, b.status, b.due_on FROM bill b WHERE b.biller_id = {e}.biller_id "
           "AND b.reference = {e}.reference ORDER BY b.period DESC LIMIT 1")
_COLUMNS = "(bill_period, bill_status, bill_due_on)"

SQLITE = (
    "CREATE TRIGGER IF NOT EXISTS trg_bill_insert_sync AFTER INSERT ON bill BEGIN "
    "UPDATE enrollment SET bill_period = NEW.period, bill_status = NEW.status, "
    "bill_due_on = NEW.due_on WHERE biller_id = NEW.biller_id AND reference = NEW.reference "
    "AND (bill_period IS NULL OR bill_period <= NEW.period); END",
    "CREATE TRIGGER IF NOT EXISTS trg_bill_update_sync AFTER UPDATE OF status, due_on ON bill "
    "WHEN NEW.biller_id = OLD.biller_id AND NEW.reference = OLD.reference "
    "AND NEW.period = OLD.period BEGIN "
    "UPDATE enrollment SET bill_status = NEW.status, bill_due_on = NEW.due_on "
    "WHERE biller_id = NEW.biller_id AND reference = NEW.reference "
    "AND bill_period = NEW.period; END",
    "CREATE TRIGGER IF NOT EXISTS trg_bill_rekey_sync AFTER UPDATE OF biller_id, reference, "
    f"period ON bill BEGIN UPDATE enrollment SET {_COLUMNS} = "
    f"({_LATEST.format(e='enrollment')}) WHERE (biller_id = OLD.biller_id "
    "AND reference = OLD.reference) OR (biller_id = NEW.biller_id "
    "AND reference = NEW.reference); END",
    "CREATE TRIGGER IF NOT EXISTS trg_bill_delete_sync AFTER DELETE ON bill BEGIN "
    f"UPDATE enrollment SET {_COLUMNS} = ({_LATEST.format(e='enrollment')}) "
    "WHERE biller_id = OLD.biller_id AND reference = OLD.reference; END",
    "CREATE TRIGGER IF NOT EXISTS trg_enrollment_insert_sync AFTER INSERT ON enrollment BEGIN "
    f"UPDATE enrollment SET {_COLUMNS} = ({_LATEST.format(e='NEW')}) WHERE id = NEW.id; END",
    "CREATE TRIGGER IF NOT EXISTS trg_enrollment_rekey_sync AFTER UPDATE OF biller_id, "
    f"reference ON enrollment BEGIN UPDATE enrollment SET {_COLUMNS} = "
    f"({_LATEST.format(e='NEW')}) WHERE id = NEW.id; END",
)

POSTGRESQL = (
    """CREATE OR REPLACE FUNCTION bill_latest_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE enrollment SET bill_period = NEW.period, bill_status = NEW.status,
           bill_due_on = NEW.due_on
     WHERE biller_id = NEW.biller_id AND reference = NEW.reference
       AND (bill_period IS NULL OR bill_period <= NEW.period);
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.biller_id = OLD.biller_id AND NEW.reference = OLD.reference
     AND NEW.period = OLD.period THEN
    IF NEW.status IS DISTINCT FROM OLD.status OR NEW.due_on IS DISTINCT FROM OLD.due_on THEN
      UPDATE enrollment SET bill_status = NEW.status, bill_due_on = NEW.due_on
       WHERE biller_id = NEW.biller_id AND reference = NEW.reference
         AND bill_period = NEW.period;
    END IF;
    RETURN NULL;
  END IF;
  UPDATE enrollment e SET (bill_period, bill_status, bill_due_on) = (
      SELECT b.period, b.status, b.due_on FROM bill b
       WHERE b.biller_id = e.biller_id AND b.reference = e.reference
       ORDER BY b.period DESC LIMIT 1)
   WHERE e.biller_id = OLD.biller_id AND e.reference = OLD.reference;
  IF TG_OP = 'UPDATE' THEN
    UPDATE enrollment e SET (bill_period, bill_status, bill_due_on) = (
        SELECT b.period, b.status, b.due_on FROM bill b
         WHERE b.biller_id = e.biller_id AND b.reference = e.reference
         ORDER BY b.period DESC LIMIT 1)
     WHERE e.biller_id = NEW.biller_id AND e.reference = NEW.reference;
  END IF;
  RETURN NULL;
END $$""",
    "CREATE OR REPLACE TRIGGER trg_bill_latest_sync AFTER INSERT OR DELETE OR UPDATE OF "
    "status, due_on, biller_id, reference, period ON bill FOR EACH ROW "
    "EXECUTE FUNCTION bill_latest_sync()",
    """CREATE OR REPLACE FUNCTION enrollment_latest_bill() RETURNS trigger LANGUAGE plpgsql
AS $$
BEGIN
  SELECT b.period, b.status, b.due_on INTO NEW.bill_period, NEW.bill_status, NEW.bill_due_on
    FROM bill b WHERE b.biller_id = NEW.biller_id AND b.reference = NEW.reference
   ORDER BY b.period DESC LIMIT 1;
  RETURN NEW;
END $$""",
    "CREATE OR REPLACE TRIGGER trg_enrollment_latest_bill BEFORE INSERT OR UPDATE OF "
    "biller_id, reference ON enrollment FOR EACH ROW EXECUTE FUNCTION enrollment_latest_bill()",
)

BACKFILL = (f"UPDATE enrollment SET {_COLUMNS} = ({_LATEST.format(e='enrollment')}) "
            "WHERE EXISTS (SELECT 1 FROM bill b WHERE b.biller_id = enrollment.biller_id "
            "AND b.reference = enrollment.reference)")


def statements(dialect: str) -> tuple[str, ...]:
    """The trigger DDL for ``dialect`` (``sqlite`` or ``postgresql``)."""
    return {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(dialect, ())
