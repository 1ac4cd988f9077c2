"""Limits per company, user and kind of operation: per operation, per day and per month
(amount and count), checked when an operation is prepared, again when it is authorized, and
by the scheduler before a programmed payment.

Every prepared operation counts for its preparer from the moment it is prepared until it is
rejected, cancelled or expires (``COUNTING``): a user cannot split a refused amount into
operations that wait for authorization. A user's own row replaces the company's row
(``user_id`` None); 0 means «sin límite».
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from occireflex.domain.bogota import local_today
from occireflex.domain.errors import ValidationError
from occireflex.domain.money import format_money
from occireflex.models import PendingOperation, UserLimit

PENDIENTE, AUTORIZADA = "pendiente", "autorizada"
COUNTING = (PENDIENTE, AUTORIZADA)
FIELDS = ("per_operation", "day_amount", "day_count", "month_amount", "month_count")
LABELS = {
    "per_operation": "Monto máximo por operación",
    "day_amount": "Monto máximo diario",
    "day_count": "Número máximo de operaciones diarias",
    "month_amount": "Monto máximo mensual",
    "month_count": "Número máximo de operaciones mensuales",
}


@dataclass(frozen=True)
class Limits:
    per_operation: int = 0
    day_amount: int = 0
    day_count: int = 0
    month_amount: int = 0
    month_count: int = 0
    own: bool = False  # the user's own row (else the company's, or none)


@dataclass(frozen=True)
class Accumulated:
    day_amount: int
    day_count: int
    month_amount: int
    month_count: int


def limits_for(db: Session, company_id: int, user_id: int, kind: str) -> Limits:
    rows = db.exec(select(UserLimit).where(
        UserLimit.company_id == company_id, UserLimit.kind == kind,
        (col(UserLimit.user_id) == user_id) | col(UserLimit.user_id).is_(None))).all()
    row = next((r for r in rows if r.user_id == user_id), None) or next(iter(rows), None)
    if row is None:
        return Limits()
    return Limits(*(getattr(row, f) for f in FIELDS), own=row.user_id == user_id)


def day_key(day: date) -> str:
    return day.isoformat()


def accumulated(db: Session, company_id: int, user_id: int, kind: str, day: date) -> Accumulated:
    """The user's operations of ``kind`` that count, on ``day`` and in its month."""
    month_from = day_key(day.replace(day=1))

    def totals(first: str, last: str) -> tuple[int, int]:
        amount, count = db.exec(select(func.coalesce(func.sum(PendingOperation.amount), 0),
                                       func.count()).where(
            PendingOperation.company_id == company_id,
            PendingOperation.prepared_by == user_id, PendingOperation.kind == kind,
            PendingOperation.prepared_day >= first, PendingOperation.prepared_day <= last,
            col(PendingOperation.state).in_(COUNTING))).one()
        return int(amount), int(count)

    day_amount, day_count = totals(day_key(day), day_key(day))
    month_amount, month_count = totals(month_from, day_key(day))
    return Accumulated(day_amount, day_count, month_amount, month_count)


def check(db: Session, company_id: int, user_id: int, kind: str, amount: int,
          now: datetime, *, counted: bool = False) -> None:
    """Refuse (ValidationError naming the limit) an operation of ``amount`` by ``user_id``.

    ``counted``: the operation is already among the accumulated ones (a re-check when it is
    authorized), so it is not added twice."""
    limits = limits_for(db, company_id, user_id, kind)
    if not any(getattr(limits, f) for f in FIELDS):
        return
    sums = accumulated(db, company_id, user_id, kind, local_today(now))
    refused = refusal(limits, sums, amount, counted=counted)
    if refused:
        raise ValidationError(refused)


def refusal(limits: Limits, sums: Accumulated, amount: int, *, counted: bool = False) -> str:
    """The message naming the first limit an operation of ``amount`` exceeds, or ""."""
    if limits.per_operation and amount > limits.per_operation:
        return _message("per_operation", limits.per_operation, amount)
    extra_amount, extra_count = (0, 0) if counted else (amount, 1)
    checks = (("day_amount", sums.day_amount + extra_amount),
              ("day_count", sums.day_count + extra_count),
              ("month_amount", sums.month_amount + extra_amount),
              ("month_count", sums.month_count + extra_count))
    for field, value in checks:
        ceiling = getattr(limits, field)
        if ceiling and value > ceiling:
            return _message(field, ceiling, value)
    return ""


def _message(field: str, ceiling: int, value: int) -> str:
    if field.endswith("count"):
        return (f"Se supera el límite «{LABELS[field]}» ({ceiling}): con esta operación "
                f"serían {value}.")
    return (f"Se supera el límite «{LABELS[field]}» ({format_money(ceiling)}): con esta "
            f"operación serían {format_money(value)}.")
