"""«Programación automática» and the scheduler's sweep.

A rule pays the current bill of an inscription on its due date, or N days before, moved
to the previous Colombian business day, if it is not above the rule's maximum amount.

The sweep is idempotent and restartable: each (rule, bill) attempt has a unique
``attempt_key``, a bill has at most one successful payment (database index), and work is
committed in batches, so a SIGKILL at any moment loses at most the uncommitted batch,
which the next sweep redoes. Due work is selected by date, never by "since last run", so
nothing due is ever skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from occireflex.domain import audit, billers, tokens
from occireflex.domain.access import Actor, require
from occireflex.domain.enrollments import SERVICE, company_account, own_enrollment
from occireflex.domain.errors import ValidationError
from occireflex.domain.payments import EXITOSA, FALLIDA, INSUFFICIENT, PROGRAMADO, TOKEN_INVALID, receipt_for
from occireflex.models import (
    Account,
    AutoPayRule,
    Bill,
    Biller,
    Enrollment,
    Movement,
    Payment,
    utcnow,
)

MAX_DAYS_BEFORE = 10
OVER_MAX = "El valor de la factura supera el monto máximo programado."
BATCH = 5000


@dataclass(frozen=True)
class RuleInput:
    account_id: int
    days_before: int
    max_amount: int  # centavos
    start_on: date
    end_on: date | None


def validate_rule(values: object, today: date) -> RuleInput:
    if not isinstance(values, RuleInput):
        raise ValidationError("Datos de programación no válidos.")
    if not isinstance(values.days_before, int) or not 0 <= values.days_before <= MAX_DAYS_BEFORE:
        raise ValidationError(
            f"Pague el día del vencimiento o entre 1 y {MAX_DAYS_BEFORE} días antes.")
    if not isinstance(values.max_amount, int) or not 0 < values.max_amount <= 10**13:
        raise ValidationError("Ingrese un monto máximo mayor que cero.")
    if not isinstance(values.start_on, date) or values.start_on < today - timedelta(days=1):
        raise ValidationError("La fecha de inicio no puede ser anterior a hoy.")
    if values.end_on is not None and (not isinstance(values.end_on, date)
                                      or values.end_on < values.start_on):
        raise ValidationError("La fecha final debe ser posterior a la fecha de inicio.")
    return values


def pay_date(due_on: date, days_before: int) -> date:
    return billers.previous_business_day(due_on - timedelta(days=days_before))


def set_rule(db: Session, actor: Actor, enrollment_id: object, values: object,
             token_code: object, now: datetime | None = None) -> AutoPayRule:
    """Create or change an inscription's programming, confirmed with the token."""
    now = now or utcnow()
    require(db, actor, SERVICE)
    enrollment = own_enrollment(db, actor, enrollment_id)
    clean = validate_rule(values, billers.local_today(now))
    account = company_account(db, actor, clean.account_id)
    if tokens.verify_code(db, actor.user_id, token_code, now) is None:
        raise ValidationError(TOKEN_INVALID)
    rule = db.exec(select(AutoPayRule).where(
        AutoPayRule.enrollment_id == enrollment.id)).first()
    before = None
    if rule is None:
        rule = AutoPayRule(enrollment_id=enrollment.id, company_id=actor.company_id,
                           account_id=account.id, max_amount=clean.max_amount,
                           start_on=clean.start_on)
    else:
        before = _describe(rule)
    rule.account_id, rule.days_before = account.id, clean.days_before
    rule.max_amount, rule.start_on, rule.end_on = clean.max_amount, clean.start_on, clean.end_on
    rule.is_active, rule.created_by, rule.updated_at = True, actor.user_id, now
    db.add(rule)
    db.flush()
    audit.record(db, "programacion_guardada", company_id=actor.company_id,
                 user_id=actor.user_id, target=f"inscripcion:{enrollment.id}", before=before,
                 after=_describe(rule), ip=actor.ip, channel=actor.channel)
    return rule


def cancel_rule(db: Session, actor: Actor, enrollment_id: object) -> None:
    require(db, actor, SERVICE)
    enrollment = own_enrollment(db, actor, enrollment_id)
    rule = db.exec(select(AutoPayRule).where(
        AutoPayRule.enrollment_id == enrollment.id)).first()
    if rule is None or not rule.is_active:
        raise ValidationError("La inscripción no tiene programación automática.")
    before = _describe(rule)
    rule.is_active, rule.updated_at = False, utcnow()
    db.add(rule)
    audit.record(db, "programacion_cancelada", company_id=actor.company_id,
                 user_id=actor.user_id, target=f"inscripcion:{enrollment.id}", before=before,
                 ip=actor.ip, channel=actor.channel)


def get_rule(db: Session, actor: Actor, enrollment_id: object) -> AutoPayRule | None:
    require(db, actor, SERVICE)
    enrollment = own_enrollment(db, actor, enrollment_id)
    rule = db.exec(select(AutoPayRule).where(
        AutoPayRule.enrollment_id == enrollment.id)).first()
    return rule if rule is not None and rule.is_active else None


def _describe(rule: AutoPayRule) -> dict:
    return {"cuenta": rule.account_id, "dias_antes": rule.days_before,
            "monto_maximo": rule.max_amount, "inicio": rule.start_on, "fin": rule.end_on,
            "activa": rule.is_active}


# The sweep ---------------------------------------------------------------------------

@dataclass
class SweepReport:
    bills_issued: int = 0
    paid: int = 0
    failed: int = 0
    skipped_already_paid: int = 0


def _due_items(db: Session, today: date) -> list[tuple]:
    """(rule, enrollment, bill, biller name) of every programmed payment due by today."""
    rows = db.exec(
        select(AutoPayRule, Enrollment, Bill, Biller.name)
        .join(Enrollment, Enrollment.id == AutoPayRule.enrollment_id)
        .join(Bill, (Bill.biller_id == Enrollment.biller_id)
              & (Bill.reference == Enrollment.reference))
        .join(Biller, Biller.id == Enrollment.biller_id)
        .where(AutoPayRule.is_active, Enrollment.deleted_at.is_(None),
               Bill.status == "pendiente", Bill.due_on >= AutoPayRule.start_on,
               Bill.due_on <= today + timedelta(days=MAX_DAYS_BEFORE + 7))
        .order_by(Bill.due_on, Bill.id)
    ).all()
    attempted = set(db.exec(select(Payment.attempt_key).where(
        col(Payment.attempt_key).is_not(None), Payment.channel == PROGRAMADO)).all())
    due = []
    for rule, enrollment, bill, biller_name in rows:
        if rule.end_on is not None and bill.due_on > rule.end_on:
            continue
        if pay_date(bill.due_on, rule.days_before) > today:
            continue
        if f"auto:{rule.id}:{bill.id}" in attempted:
            continue
        due.append((rule, enrollment, bill, biller_name))
    return due


def run_sweep(db: Session, now: datetime | None = None) -> SweepReport:
    """Issue due bills, then execute every due programmed payment, in batches."""
    now = now or utcnow()
    today = billers.local_today(now)
    report = SweepReport(bills_issued=billers.issue_due_bills(db, now))
    db.commit()
    items = _due_items(db, today)
    for start in range(0, len(items), BATCH):
        batch = items[start:start + BATCH]
        try:
            _execute_batch(db, batch, now, report)
            db.commit()
        except IntegrityError:
            # someone paid one of these bills meanwhile: redo the batch one by one
            db.rollback()
            for item in batch:
                try:
                    _execute_batch(db, [item], now, report)
                    db.commit()
                except IntegrityError:
                    db.rollback()
                    report.skipped_already_paid += 1
    return report


def _execute_batch(db: Session, batch: list[tuple], now: datetime, report: SweepReport) -> None:
    """Decide every payment of the batch against live balances, then write in bulk."""
    account_ids = {rule.account_id for rule, *_ in batch}
    # Take the write lock first (SQLite: the database; PostgreSQL: these rows), so the
    # balances read below cannot change before the batch commits.
    db.execute(update(Account).where(col(Account.id).in_(account_ids))
               .values(updated_at=Account.updated_at))
    accounts = {a.id: a for a in db.exec(select(Account).where(
        col(Account.id).in_(account_ids))).all()}
    available = {a.id: a.available for a in accounts.values()}
    current = {a.id: a.current for a in accounts.values()}
    payments, movements, paid_bills = [], [], []
    local = {"paid": 0, "failed": 0}
    for rule, enrollment, bill, biller_name in batch:
        key = f"auto:{rule.id}:{bill.id}"
        account = accounts.get(rule.account_id)
        base = {"company_id": rule.company_id, "enrollment_id": enrollment.id,
                "bill_id": bill.id, "account_id": rule.account_id, "amount": bill.amount,
                "channel": PROGRAMADO, "attempt_key": key, "user_id": None,
                "created_at": now, "receipt": None}
        reason = ""
        if account is None or account.company_id != rule.company_id:
            reason = "La cuenta débito ya no pertenece a la empresa."
        elif bill.amount > rule.max_amount:
            reason = OVER_MAX
        elif available[account.id] < bill.amount:
            reason = INSUFFICIENT
        if reason:
            payments.append(base | {"status": FALLIDA, "reason": reason})
            local["failed"] += 1
            continue
        available[account.id] -= bill.amount
        current[account.id] -= bill.amount
        receipt = receipt_for(bill.id, now)
        payments.append(base | {"status": EXITOSA, "reason": "", "receipt": receipt})
        movements.append({"account_id": account.id, "company_id": rule.company_id,
                          "amount": -bill.amount, "balance_after": current[account.id],
                          "reference": receipt, "created_at": now,
                          "description": f"Pago programado {biller_name} ref. "
                                         f"{enrollment.reference}"[:200]})
        paid_bills.append({"b_id": bill.id})
        local["paid"] += 1
    conn = db.connection()  # Core executemany: one statement per table for the batch
    bills_t, accounts_t = Bill.__table__, Account.__table__
    if payments:
        conn.execute(insert(Payment.__table__), payments)  # unique indexes refuse doubles
    if movements:
        conn.execute(insert(Movement.__table__), movements)
    if paid_bills:
        conn.execute(update(bills_t).where(bills_t.c.id == bindparam("b_id"),
                                           bills_t.c.status == "pendiente")
                     .values(status="pagada"), paid_bills)
    deltas = [{"a_id": i, "a_delta": accounts[i].available - available[i]}
              for i in accounts if available[i] != accounts[i].available]
    if deltas:
        # relative update, under the lock taken above
        conn.execute(update(accounts_t).where(accounts_t.c.id == bindparam("a_id"))
                     .values(available=accounts_t.c.available - bindparam("a_delta"),
                             current=accounts_t.c.current - bindparam("a_delta")), deltas)
    report.paid += local["paid"]
    report.failed += local["failed"]
