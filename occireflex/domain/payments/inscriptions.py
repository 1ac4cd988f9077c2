"""«Inscripciones»: register, modify, delete and list the bills a company pays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from occireflex import catalog
from occireflex.domain import audit, fields
from occireflex.domain.access import Actor, company_row, require, valid_id
from occireflex.domain.bogota import local_today
from occireflex.domain.errors import ValidationError
from occireflex.domain.paging import offset, page_number, page_size_of
from occireflex.domain.payments import billers
from occireflex.domain.payments.accounts import company_account
from occireflex.models import Account, AutoPayRule, Bill, Biller, Enrollment, utcnow

SERVICE = catalog.SERVICIOS_PUBLICOS
STATES = billers.SHOWN_STATES


@dataclass(frozen=True)
class EnrollmentRow:
    id: int
    biller_code: str
    biller_name: str
    reference: str
    alias: str
    account_number: str
    bill_id: int | None
    bill_version: int
    amount: int | None
    due_on: date | None
    state: str
    programmed: bool
    program_summary: str


def list_billers(db: Session, actor: Actor, search: object = "") -> list[Biller]:
    require(db, actor, SERVICE)
    query = select(Biller).where(Biller.is_active).order_by(Biller.name)
    if isinstance(search, str) and search.strip():
        term = f"%{search.strip()[:40]}%"
        query = query.where(or_(col(Biller.name).ilike(term), col(Biller.code).like(term)))
    return list(db.exec(query).all())


def own_enrollment(db: Session, actor: Actor, enrollment_id: object) -> Enrollment:
    return company_row(db, actor, Enrollment, enrollment_id, "inscripcion",
                       "La inscripción no existe.", lambda row: row.deleted_at is None)


def inscribe(db: Session, actor: Actor, biller_id: object, reference: object, alias: object,
             account_id: object, now: datetime | None = None) -> Enrollment:
    """«Inscribir nuevo servicio»; looks up the current bill at once."""
    now = now or utcnow()
    require(db, actor, SERVICE)
    biller = db.get(Biller, biller_id) if valid_id(biller_id) else None
    if biller is None or not biller.is_active:
        raise ValidationError("Seleccione un convenio válido.")
    ref = billers.normalize_reference(biller, reference)
    clean_alias = fields.alias(alias)
    account = company_account(db, actor, account_id)
    clash = db.exec(select(Enrollment.id).where(
        Enrollment.company_id == actor.company_id, Enrollment.biller_id == biller.id,
        Enrollment.reference == ref, Enrollment.deleted_at.is_(None))).first()
    if clash is not None:
        raise ValidationError(
            f"La referencia {ref} de {biller.name} ya está inscrita en su empresa.")
    row = Enrollment(company_id=actor.company_id, biller_id=biller.id, reference=ref,
                     alias=clean_alias, account_id=account.id,
                     created_by=actor.user_id, created_at=now, updated_at=now)
    db.add(row)
    try:
        db.flush()
    except IntegrityError as exc:  # a concurrent request (double click) inscribed it first
        db.rollback()
        raise ValidationError(
            f"La referencia {ref} de {biller.name} ya está inscrita en su empresa.") from exc
    billers.ensure_current_bill(db, biller, ref, local_today(now))
    audit.record(db, "inscripcion_creada", company_id=actor.company_id, user_id=actor.user_id,
                 target=f"inscripcion:{row.id}",
                 after={"convenio": biller.code, "referencia": ref, "alias": row.alias,
                        "cuenta": account.number}, ip=actor.ip, channel=actor.channel)
    return row


def modify(db: Session, actor: Actor, enrollment_id: object, alias: object,
           account_id: object) -> None:
    require(db, actor, SERVICE)
    row = own_enrollment(db, actor, enrollment_id)
    clean_alias = fields.alias(alias)
    account = company_account(db, actor, account_id)
    before = {"alias": row.alias, "cuenta": row.account_id}
    row.alias, row.account_id, row.updated_at = clean_alias, account.id, utcnow()
    db.add(row)
    audit.record(db, "inscripcion_modificada", company_id=actor.company_id,
                 user_id=actor.user_id, target=f"inscripcion:{row.id}", before=before,
                 after={"alias": row.alias, "cuenta": account.id}, ip=actor.ip,
                 channel=actor.channel)


def delete(db: Session, actor: Actor, enrollment_id: object) -> None:
    """Soft delete: payments keep pointing at it; its programming stops."""
    require(db, actor, SERVICE)
    row = own_enrollment(db, actor, enrollment_id)
    row.deleted_at = utcnow()
    db.add(row)
    rule = db.exec(select(AutoPayRule).where(AutoPayRule.enrollment_id == row.id)).first()
    if rule is not None and rule.is_active:
        rule.is_active = False
        db.add(rule)
    audit.record(db, "inscripcion_eliminada", company_id=actor.company_id,
                 user_id=actor.user_id, target=f"inscripcion:{row.id}",
                 before={"referencia": row.reference, "alias": row.alias}, ip=actor.ip,
                 channel=actor.channel)


def _program_summary(rule: AutoPayRule | None) -> str:  # or a row with its columns
    if rule is None or not rule.is_active:
        return ""
    when = "el día del vencimiento" if rule.days_before == 0 else (
        f"{rule.days_before} día(s) antes")
    return f"{when}, máx. {rule.max_amount // 100:,} pesos"


def _state_condition(state: str, today: date):
    """The grid's state as a condition on the inscription's latest bill (``billsync``)."""
    return {
        billers.SHOWN_PAID: Enrollment.bill_status == billers.PAGADA,
        billers.SHOWN_DUE: (Enrollment.bill_status == billers.PENDIENTE)
        & (Enrollment.bill_due_on >= today),
        billers.SHOWN_OVERDUE: (Enrollment.bill_status == billers.PENDIENTE)
        & (Enrollment.bill_due_on < today),
        billers.SHOWN_NO_BILL: col(Enrollment.bill_status).is_(None),
    }[state]


def list_page(db: Session, actor: Actor, *, biller_id: object = None, reference: object = "",
              state: object = "", page: object = 1, page_size: object = 10,
              now: datetime | None = None, known_total: int | None = None,
              ) -> tuple[list[EnrollmentRow], int]:
    """One page of the grid, paged in SQL.

    Each inscription carries its latest bill's period, status and due date (kept by the
    database: ``occireflex/billsync.py``), so the state filter and the count walk
    ``ix_enrollment_bill_state`` and never look at bills; the page's ten rows are then
    joined to their bill through ``uq_bill_period``. ``known_total`` skips the count on a
    plain page turn.
    """
    require(db, actor, SERVICE, catalog.CONSULTAR)
    today = local_today(now or utcnow())
    size = page_size_of(page_size)
    number = page_number(page)
    conditions = [Enrollment.company_id == actor.company_id, Enrollment.deleted_at.is_(None)]
    if valid_id(biller_id):
        conditions.append(Enrollment.biller_id == biller_id)
    if isinstance(reference, str) and reference.strip():
        term = reference.strip()[:30].replace("%", "").replace("_", "")
        conditions.append(col(Enrollment.reference).contains(term))
    if state in STATES:
        conditions.append(_state_condition(state, today))
    if known_total is None:
        total = db.exec(select(func.count(Enrollment.id)).where(*conditions)).one()
    else:
        total = known_total
    page_ids = (select(Enrollment.id).where(*conditions).order_by(Enrollment.id)
                .offset(offset(number, size)).limit(size))
    # one query for the page: its rows as plain columns (no ORM objects), each joined to
    # its latest bill (uq_bill_period) and its programming (one rule per inscription)
    rows = db.exec(select(
        Enrollment.id, Biller.code, Biller.name, Enrollment.reference, Enrollment.alias,
        Account.number, Bill.id.label("bill_id"), Bill.version, Bill.amount, Bill.due_on,
        Bill.status, AutoPayRule.id.label("rule_id"), AutoPayRule.is_active,
        AutoPayRule.days_before, AutoPayRule.max_amount)
        .join(Biller, Biller.id == Enrollment.biller_id)
        .join(Account, Account.id == Enrollment.account_id)
        .outerjoin(Bill, (Bill.biller_id == Enrollment.biller_id)
                   & (Bill.reference == Enrollment.reference)
                   & (Bill.period == Enrollment.bill_period))
        .outerjoin(AutoPayRule, AutoPayRule.enrollment_id == Enrollment.id)
        .where(col(Enrollment.id).in_(page_ids.scalar_subquery())).order_by(Enrollment.id)
    ).all()
    result = []
    for row in rows:
        bill = row if row.bill_id is not None else None  # .status and .due_on, as a Bill
        rule = row if row.rule_id is not None else None  # .is_active, .days_before, …
        result.append(EnrollmentRow(
            id=row.id, biller_code=row.code, biller_name=row.name, reference=row.reference,
            alias=row.alias, account_number=row.number, bill_id=row.bill_id,
            bill_version=row.version if bill else 0, amount=row.amount, due_on=row.due_on,
            state=billers.display_state(bill, today), programmed=bool(rule and row.is_active),
            program_summary=_program_summary(rule)))
    return result, total
