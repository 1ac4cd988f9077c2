"""«Convenios» and their billing side, simulated honestly.

Each billing cycle a biller issues one bill per inscribed reference. The amount is derived
deterministically from biller, reference and period; the due date from the cycle.
The business calendar (America/Bogota with Colombian holidays) is ``domain/bogota.py``.
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from occireflex.domain import fields
from occireflex.domain.bogota import local_today
from occireflex.models import Bill, Biller, Enrollment

PENDIENTE, PAGADA = "pendiente", "pagada"  # Bill.status
INSERT_CHUNK = 5000


@dataclass(frozen=True)
class BillerSpec:
    code: str
    name: str
    category: str
    sector: str
    ref_label: str
    ref_min: int
    ref_max: int
    ref_numeric: bool
    cycle_months: int
    issue_day: int
    due_days: int
    partial_allowed: bool
    amount_min: int  # pesos
    amount_max: int
    gln: str  # GS1 GLN, the (415) of its bills' barcode: 7709998 + 0 + code + check digit


# The bank's biller catalog (reference data, loaded by ``occireflex init-db``).
BILLERS: tuple[BillerSpec, ...] = (
    BillerSpec("1001", "Enel Colombia", "publico", "Energía", "Número de cliente",
               7, 10, True, 1, 5, 15, False, 80_000, 2_500_000, gln="7709998010017"),
    BillerSpec("1002", "EPM Energía", "publico", "Energía", "Número de contrato",
               6, 12, True, 1, 8, 12, False, 60_000, 1_800_000, gln="7709998010024"),
    BillerSpec("1003", "Acueducto de Bogotá", "publico", "Agua", "Cuenta contrato",
               8, 10, True, 2, 10, 15, False, 40_000, 900_000, gln="7709998010031"),
    BillerSpec("1004", "Vanti Gas Natural", "publico", "Gas", "Cuenta contrato",
               8, 10, True, 1, 3, 14, False, 20_000, 600_000, gln="7709998010048"),
    BillerSpec("1005", "Claro Hogar", "publico", "Telecomunicaciones", "Número de cuenta",
               8, 12, True, 1, 1, 15, False, 90_000, 700_000, gln="7709998010055"),
    BillerSpec("1006", "Movistar Empresas", "publico", "Telecomunicaciones",
               "Referencia de pago", 6, 15, False, 1, 2, 18, False, 120_000, 1_500_000,
               gln="7709998010062"),
    BillerSpec("1007", "ETB", "publico", "Telecomunicaciones", "Número de referencia",
               10, 14, True, 1, 6, 14, False, 70_000, 500_000, gln="7709998010079"),
    BillerSpec("1008", "Aguas de Cartagena", "publico", "Agua", "Número de póliza",
               6, 9, True, 1, 12, 10, False, 30_000, 450_000, gln="7709998010086"),
    BillerSpec("1009", "Air-e", "publico", "Energía", "NIC", 7, 7, True, 1, 15, 12, False,
               50_000, 1_200_000, gln="7709998010093"),
    BillerSpec("2001", "Sura EPS", "privado", "Salud", "Número de contrato", 5, 15, False,
               1, 20, 10, True, 150_000, 4_000_000, gln="7709998020016"),
    BillerSpec("2002", "Colsanitas Medicina Prepagada", "privado", "Salud",
               "Número de contrato", 8, 12, True, 1, 25, 10, False, 300_000, 2_800_000,
               gln="7709998020023"),
    BillerSpec("2003", "Universidad de los Andes", "privado", "Educación",
               "Referencia de matrícula", 9, 12, True, 2, 1, 20, True, 2_000_000, 9_000_000,
               gln="7709998020030"),
    BillerSpec("2004", "Colegio San Bartolomé", "privado", "Educación", "Código del estudiante",
               4, 12, False, 1, 1, 10, False, 600_000, 1_600_000, gln="7709998020047"),
    BillerSpec("2005", "Seguros Bolívar", "privado", "Seguros", "Número de póliza",
               6, 20, False, 1, 18, 15, True, 90_000, 3_000_000, gln="7709998020054"),
    BillerSpec("2006", "Administración Edificio Calle 100 PH", "privado",
               "Propiedad horizontal", "Oficina o apartamento", 2, 10, False, 1, 1, 10, False,
               350_000, 1_200_000, gln="7709998020061"),
)


def ensure_billers(db: Session) -> int:
    """Insert missing billers of the catalog and give the existing ones their catalog GLN
    when they have none (idempotent); returns how many were added."""
    existing = {b.code: b for b in db.exec(select(Biller)).all()}
    added = 0
    for spec in BILLERS:
        if spec.code in existing:
            row = existing[spec.code]
            if row.gln is None:
                row.gln = spec.gln
                db.add(row)
            continue
        values = spec.__dict__ | {"amount_min": spec.amount_min * 100,
                                  "amount_max": spec.amount_max * 100}
        db.add(Biller(**values))
        added += 1
    return added


# References --------------------------------------------------------------------------

def normalize_reference(biller: Biller, raw: object) -> str:
    """The reference as the biller knows it (leading zeros kept), or ValidationError."""
    return fields.reference(raw, fields.reference_rule(biller))


# Billing cycle -----------------------------------------------------------------------

def _issue_date(biller: Biller, year: int, month: int) -> date:
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(biller.issue_day, last))


def _issues_in(biller: Biller, month: int) -> bool:
    return (month - 1) % biller.cycle_months == 0


def current_period(biller: Biller, today: date) -> tuple[str, date, date]:
    """(period, issued_on, due_on) of the latest bill issued on or before ``today``."""
    year, month = today.year, today.month
    for _ in range(24):
        if _issues_in(biller, month):
            issued = _issue_date(biller, year, month)
            if issued <= today:
                return f"{year:04d}-{month:02d}", issued, issued + timedelta(days=biller.due_days)
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    raise AssertionError("ciclo de facturación sin emisión")  # unreachable for 1–12 months


def bill_amount(biller: Biller, reference: str, period: str) -> int:
    """Deterministic amount in whole pesos (as centavos) within the biller's range."""
    digest = hashlib.sha256(f"{biller.code}|{reference}|{period}".encode()).digest()
    span = (biller.amount_max - biller.amount_min) // 100
    return biller.amount_min + (int.from_bytes(digest[:8], "big") % (span + 1)) * 100


def bill_row(biller: Biller, reference: str, period: str, issued: date, due: date,
             amount: int | None = None) -> dict:
    """A pending bill as ``insert_bills`` takes it (``amount`` when already computed)."""
    if amount is None:
        amount = bill_amount(biller, reference, period)
    return {"biller_id": biller.id, "reference": reference, "period": period,
            "amount": amount, "issued_on": issued, "due_on": due, "status": PENDIENTE,
            "version": 1}


def insert_bills(db: Session, rows: list[dict]) -> None:
    """Insert bills, ignoring those already issued (same biller, reference and period),
    in chunks of ``INSERT_CHUNK``."""
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(Bill.__table__).on_conflict_do_nothing(
        index_elements=["biller_id", "reference", "period"])
    for start in range(0, len(rows), INSERT_CHUNK):
        db.execute(stmt, rows[start:start + INSERT_CHUNK])


def ensure_current_bill(db: Session, biller: Biller, reference: str, today: date) -> Bill:
    """The biller's current bill for a reference, issuing it if it is due (idempotent)."""
    period, issued, due = current_period(biller, today)
    query = select(Bill).where(Bill.biller_id == biller.id, Bill.reference == reference,
                               Bill.period == period)
    bill = db.exec(query).first()
    if bill is None:  # a read must not take the writer's lock when the bill exists
        insert_bills(db, [bill_row(biller, reference, period, issued, due)])
        bill = db.exec(query).one()
    return bill


def issue_due_bills(db: Session, now: datetime) -> int:
    """Every biller issues the current bill of every inscribed reference (idempotent).
    Only missing bills are inserted; returns how many were."""
    today = local_today(now)
    billers = {b.id: b for b in db.exec(select(Biller).where(Biller.is_active)).all()}
    pairs = db.exec(select(Enrollment.biller_id, Enrollment.reference)
                    .where(Enrollment.deleted_at.is_(None)).distinct()).all()
    periods_by_biller = {b.id: [current_period(b, today)] for b in billers.values()}
    wanted = {p for spans in periods_by_biller.values() for p, _, _ in spans}
    existing = set(db.exec(select(Bill.biller_id, Bill.reference, Bill.period)
                           .where(col(Bill.period).in_(wanted))).all())
    rows = []
    for biller_id, reference in pairs:
        biller = billers.get(biller_id)
        if biller is None:
            continue
        for period, issued, due in periods_by_biller[biller_id]:
            if (biller_id, reference, period) in existing:
                continue
            rows.append(bill_row(biller, reference, period, issued, due))
    insert_bills(db, rows)
    return len(rows)


# The state of an inscription's latest bill as the grids, cards and filters name it.
SHOWN_DUE, SHOWN_OVERDUE, SHOWN_PAID, SHOWN_NO_BILL = "Por vencer", "Vencida", "Pagada", "Sin factura"
SHOWN_STATES = (SHOWN_DUE, SHOWN_PAID, SHOWN_OVERDUE, SHOWN_NO_BILL)
SHOWN_PAYABLE = (SHOWN_DUE, SHOWN_OVERDUE)


def display_state(bill: Bill | None, today: date) -> str:
    if bill is None:
        return SHOWN_NO_BILL
    if bill.status == PAGADA:
        return SHOWN_PAID
    return SHOWN_OVERDUE if today > bill.due_on else SHOWN_DUE
