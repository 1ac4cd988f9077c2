"""«Pago programado para mañana»: the day before a programmed payment is made, its
programmer (or, for a rule nobody is recorded for, the company's administrators) hears of
it by their alerts. The scheduler asks once a day; each (rule, bill) reminder is written
once, ever: its audit event is the mark a second run (a restart, two sidecars) finds.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import or_, true
from sqlmodel import Session, col, select

from occireflex.domain import alerts, audit, money
from occireflex.domain.bogota import local_today
from occireflex.domain.payments.autopay.rules import MAX_DAYS_BEFORE, pay_date
from occireflex.domain.payments.autopay.sweep import attempt_key
from occireflex.models import AuditEvent, AutoPayRule, Bill, Biller, Enrollment, Payment, User, utcnow

ACTION = "alerta_pago_programado"
CHANNEL = "sistema"
_HORIZON = MAX_DAYS_BEFORE + 7  # as the sweep: a pay date moves back over a few holidays


def target(rule_id: int, bill_id: int) -> str:
    return f"factura:{bill_id}:regla:{rule_id}"


def _tomorrows(db: Session, tomorrow: date) -> list[tuple]:
    rows = db.exec(
        select(AutoPayRule.id, AutoPayRule.company_id, AutoPayRule.created_by,
               AutoPayRule.days_before, Bill.id, Bill.amount, Bill.due_on, Enrollment.reference,
               Biller.name)
        .join(Enrollment, Enrollment.id == AutoPayRule.enrollment_id)
        .join(Bill, (Bill.biller_id == Enrollment.biller_id)
              & (Bill.reference == Enrollment.reference))
        .join(Biller, Biller.id == Enrollment.biller_id)
        .where(AutoPayRule.is_active == true(), col(Enrollment.deleted_at).is_(None),
               Bill.status == "pendiente", Bill.due_on >= tomorrow,
               Bill.due_on <= tomorrow + timedelta(days=_HORIZON),
               Bill.due_on >= AutoPayRule.start_on,
               or_(col(AutoPayRule.end_on).is_(None), Bill.due_on <= AutoPayRule.end_on))
        .order_by(Bill.due_on, Bill.id, AutoPayRule.id)).all()
    return [r for r in rows if pay_date(r[6], r[3]) == tomorrow]


def _already(db: Session, company_ids: set[int], since: datetime) -> set[str]:
    return set(db.exec(select(AuditEvent.target).where(
        col(AuditEvent.company_id).in_(company_ids), AuditEvent.created_at >= since,
        AuditEvent.action == ACTION)).all())


def _attempted(db: Session, keys: list[str]) -> set[str]:
    return set(db.exec(select(Payment.attempt_key).where(
        col(Payment.attempt_key).in_(keys))).all()) if keys else set()


def _admins(db: Session, company_id: int) -> list[int]:
    return list(db.exec(select(User.id).where(User.company_id == company_id, User.is_admin,
                                              User.is_active)).all())


def remind_tomorrow(db: Session, now: datetime | None = None) -> int:
    """Alert the programmed payments to be made tomorrow (Bogotá) not reminded yet; returns
    how many were reminded. Commits (the scheduler's unit of work)."""
    now = now or utcnow()
    tomorrow = local_today(now) + timedelta(days=1)
    due = _tomorrows(db, tomorrow)
    if not due:
        return 0
    seen = _already(db, {r[1] for r in due}, now - timedelta(days=_HORIZON + 2))
    attempted = _attempted(db, [attempt_key(r[0], r[4]) for r in due])
    reminded = 0
    for rule_id, company_id, created_by, _, bill_id, amount, due_on, reference, biller in due:
        mark = target(rule_id, bill_id)
        if mark in seen or attempt_key(rule_id, bill_id) in attempted:
            continue
        seen.add(mark)
        users = [created_by] if created_by else _admins(db, company_id)
        text = (f"Mañana {tomorrow:%Y/%m/%d} se pagará la factura de {biller} "
                f"ref. {reference} por {money.format_pesos(amount)} (vence el "
                f"{due_on:%Y/%m/%d}). Verifique el saldo de la cuenta débito.")
        sent = alerts.emit(db, users, alerts.PROGRAMADO_MANANA,
                           "Pago programado para mañana", text)
        audit.record(db, ACTION, company_id=company_id, target=mark, channel=CHANNEL,
                     after={"pago_el": tomorrow.isoformat(), "valor": amount,
                            "mensajes": sent})
        reminded += 1
    db.commit()
    return reminded
