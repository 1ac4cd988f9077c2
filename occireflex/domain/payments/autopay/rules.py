"""«Programación automática»: the rule of one inscription (create, modify, cancel, read).

A rule pays each bill of its inscription due between its start and end dates (inclusive),
on the due date or N days before, moved to the previous Colombian business day, if it is
not above the rule's maximum amount.
"""


from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from sqlmodel import Session, select

from occireflex.domain import audit, auth, money, security_params
from occireflex.domain.access import Actor, require
from occireflex.domain.bogota import local_today, previous_business_day
from occireflex.domain.errors import ValidationError
from occireflex.domain.payments.accounts import company_account
from occireflex.domain.payments.inscriptions import SERVICE, own_enrollment
from occireflex.models import Account, AutoPayRule, Enrollment, utcnow

MAX_DAYS_BEFORE = 10
OVER_MAX = "El valor de la factura supera el monto máximo programado."


@dataclass(frozen=True)
class RuleInput:
    account_id: int
    days_before: int
    max_amount: int  # centavos
    start_on: date
    end_on: date | None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_date(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def validate_rule(values: object, today: date) -> RuleInput:
    if not isinstance(values, RuleInput):
        raise ValidationError("Datos de programación no válidos.")
    if not _is_int(values.days_before) or not 0 <= values.days_before <= MAX_DAYS_BEFORE:
        raise ValidationError(
            f"Pague el día del vencimiento o entre 1 y {MAX_DAYS_BEFORE} días antes.")
    money.centavos(values.max_amount, "monto máximo")
    if not _is_date(values.start_on) or values.start_on < today:
        raise ValidationError("La fecha de inicio no puede ser anterior a hoy.")
    if values.end_on is not None and (not _is_date(values.end_on)
                                      or values.end_on < values.start_on):
        raise ValidationError("La fecha final debe ser posterior a la fecha de inicio.")
    return values


@lru_cache(maxsize=4096)
def pay_date(due_on: date, days_before: int) -> date:
    """The day a rule pays a bill: the due date, or ``days_before`` days earlier, moved to
    the previous Colombian business day."""
    return previous_business_day(due_on - timedelta(days=days_before))


def set_rule(db: Session, actor: Actor, enrollment_id: object, values: object,
             token_code: object, now: datetime | None = None) -> AutoPayRule:
    """Create or change an inscription's programming, confirmed with the token (when no
    authorization is needed: ``domain/dual/prepare.submit_programming`` decides)."""
    now = now or utcnow()
    enrollment, clean, account = checked_rule(db, actor, enrollment_id, values, now)
    auth.confirm_with_token(db, actor, token_code, action="programacion_token_rechazado",
                            target=f"inscripcion:{enrollment.id}", now=now)
    return apply_rule(db, actor, enrollment, clean, account, now)


def checked_rule(db: Session, actor: Actor, enrollment_id: object, values: object,
                 now: datetime) -> tuple[Enrollment, RuleInput, Account]:
    """The programming as the form sent it, checked (grant, hours, own rows)."""
    require(db, actor, SERVICE)
    security_params.ensure_open(db, actor, f"programacion:{str(enrollment_id)[:30]}", now)
    enrollment = own_enrollment(db, actor, enrollment_id)
    clean = validate_rule(values, local_today(now))
    return enrollment, clean, company_account(db, actor, clean.account_id)


def apply_rule(db: Session, actor: Actor, enrollment: Enrollment, clean: RuleInput,
               account: Account, now: datetime) -> AutoPayRule:
    """Save a checked programming for ``actor`` (its preparer); the caller confirmed it."""
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
