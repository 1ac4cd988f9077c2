"""Parámetros Generales y de Seguridad as the rest of the domain applies them.

A company without a row of its own has the bank's values: the session timeouts and the
failed attempts of ``settings`` (which are also the ceilings a company may only lower),
passwords of ``passwords.MIN_LENGTH`` characters that never expire (NIST SP 800-63B),
every day at any hour, approvals in the App, the token asked for every payment. Where
each one applies, at the next event that needs it:

- the timeouts: ``sessions.resolve_session`` and the access stamp (``actor_cache``);
- the failed attempts: ``auth`` (login and every «Ingrese Token»);
- the password length and expiry: ``own_account`` and the login (``auth``);
- the days and hours (Bogotá): the login (``auth``) and every transaction
  (``ensure_open``: payments, programming, bulk files);
- the App's approvals: ``tokens.admin``; the amount without token: ``payments.pay``.

The screen's operations (validation, token, audit) live in ``security_admin``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from occireflex.domain import audit, passwords
from occireflex.domain.bogota import BOGOTA
from occireflex.domain.errors import AccessDenied
from occireflex.models import SecurityParams, User
from occireflex.settings import settings

DAY_NAMES = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
ALL_DAYS = "0123456"
WHOLE_DAY = (0, 24 * 60)
PASSWORD_RANGE = (passwords.MIN_LENGTH, 32)
EXPIRY_RANGE = (30, 365)

CLOSED_LOGIN = ("Su empresa permite ingresar {schedule} (hora de Colombia). Intente de "
                "nuevo en ese horario.")
CLOSED_TRANSACTION = ("Su empresa permite hacer transacciones {schedule} (hora de "
                      "Colombia): la operación no se realizó.")


@dataclass(frozen=True)
class Limits:
    """What the bank lets a company choose (from settings)."""

    idle: tuple[int, int]
    absolute: tuple[int, int]
    attempts: tuple[int, int]
    password: tuple[int, int]
    expiry: tuple[int, int]
    token_free_max: int  # centavos


def limits() -> Limits:
    idle_max = max(1, settings.idle_timeout_seconds // 60)
    absolute_max = max(idle_max, settings.absolute_timeout_seconds // 60)
    attempts_max = max(1, settings.login_max_failures)
    return Limits(idle=(min(5, idle_max), idle_max),
                  absolute=(min(60, absolute_max), absolute_max),
                  attempts=(min(3, attempts_max), attempts_max),
                  password=PASSWORD_RANGE, expiry=EXPIRY_RANGE,
                  token_free_max=settings.token_free_max_centavos)


@dataclass(frozen=True)
class Params:
    idle_minutes: int
    absolute_minutes: int
    max_failed_attempts: int
    min_password_length: int
    password_expiry_days: int
    allowed_days: str
    open_from: int
    open_until: int
    app_may_approve: bool
    token_free_up_to: int
    version: int = 0  # 0: the bank's defaults, no row yet


def defaults() -> Params:
    bank = limits()
    return Params(idle_minutes=bank.idle[1], absolute_minutes=bank.absolute[1],
                  max_failed_attempts=bank.attempts[1],
                  min_password_length=passwords.MIN_LENGTH, password_expiry_days=0,
                  allowed_days=ALL_DAYS, open_from=WHOLE_DAY[0], open_until=WHOLE_DAY[1],
                  app_may_approve=True, token_free_up_to=0)


def _within(value: int, bounds: tuple[int, int]) -> int:
    return max(bounds[0], min(bounds[1], value))


def of_company(db: Session, company_id: int | None) -> Params:
    """The company's parameters as they apply now: a ceiling the bank lowered since the
    company chose wins."""
    row = db.get(SecurityParams, company_id) if company_id else None
    if row is None:
        return defaults()
    bank = limits()
    return Params(idle_minutes=_within(row.idle_minutes, bank.idle),
                  absolute_minutes=_within(row.absolute_minutes, bank.absolute),
                  max_failed_attempts=_within(row.max_failed_attempts, bank.attempts),
                  min_password_length=_within(row.min_password_length, bank.password),
                  password_expiry_days=row.password_expiry_days,
                  allowed_days=row.allowed_days, open_from=row.open_from,
                  open_until=row.open_until, app_may_approve=row.app_may_approve,
                  token_free_up_to=min(row.token_free_up_to, bank.token_free_max),
                  version=row.version)


def timeouts_seconds(idle_minutes: int | None, absolute_minutes: int | None) -> tuple[int, int]:
    """(idle, absolute) in seconds from a company's stored minutes (None: no row), within
    the bank's ceilings; the access stamp reads the minutes joined to the session."""
    bank = limits()
    idle = bank.idle[1] if idle_minutes is None else _within(idle_minutes, bank.idle)
    absolute = (bank.absolute[1] if absolute_minutes is None
                else _within(absolute_minutes, bank.absolute))
    return idle * 60, absolute * 60


def is_open(params: Params, now: datetime) -> bool:
    local = now.astimezone(BOGOTA)
    minute = local.hour * 60 + local.minute
    return (str(local.weekday()) in params.allowed_days
            and params.open_from <= minute < params.open_until)


def clock_text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def days_text(days: str) -> str:
    """«todos los días», «de lunes a viernes», «lunes, miércoles y viernes»."""
    chosen = sorted(int(d) for d in days)
    if len(chosen) == 7:
        return "todos los días"
    if len(chosen) > 2 and chosen == list(range(chosen[0], chosen[-1] + 1)):
        return f"de {DAY_NAMES[chosen[0]]} a {DAY_NAMES[chosen[-1]]}"
    names = [DAY_NAMES[d] for d in chosen]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " y " + names[-1]


def schedule_text(params: Params) -> str:
    """«de lunes a viernes, de 07:00 a 19:00» / «todos los días, a cualquier hora»."""
    hours = ("a cualquier hora" if (params.open_from, params.open_until) == WHOLE_DAY
             else f"de {clock_text(params.open_from)} a {clock_text(params.open_until)}")
    return f"{days_text(params.allowed_days)}, {hours}"


def closed_login_message(params: Params) -> str:
    return CLOSED_LOGIN.format(schedule=schedule_text(params))


def ensure_open(db: Session, actor, target: str, now: datetime) -> None:
    """Refuse a transaction outside the company's days and hours: audited (committed, the
    operation's pending work dropped) and AccessDenied with the schedule."""
    params = of_company(db, actor.company_id)
    if is_open(params, now):
        return
    db.rollback()
    audit.record(db, "transaccion_fuera_de_horario", company_id=actor.company_id,
                 user_id=actor.user_id, target=target[:120], outcome="denegado",
                 after={"horario": schedule_text(params)}, ip=actor.ip, channel=actor.channel)
    db.commit()
    raise AccessDenied(CLOSED_TRANSACTION.format(schedule=schedule_text(params)))


def password_expired(params: Params, changed_at: datetime | None, now: datetime) -> bool:
    """Whether a regular password is older than the company's expiry (off: never)."""
    if params.password_expiry_days <= 0 or changed_at is None:
        return False
    if changed_at.tzinfo is None:
        changed_at = changed_at.replace(tzinfo=UTC)
    return (now - changed_at).days >= params.password_expiry_days


def arm_expired_password(db: Session, user: User, now: datetime, ip: str,
                         channel: str) -> None:
    """At login: a regular password older than the company's expiry (when it set one)
    works as a temporary one, opening only the change of password for the next 24 h."""
    params = of_company(db, user.company_id)
    if user.password_temporary_until is not None or not password_expired(
            params, user.password_changed_at or user.created_at, now):
        return
    user.password_temporary_until = now + timedelta(hours=24)
    db.add(user)
    audit.record(db, "clave_vencida", company_id=user.company_id, user_id=user.id,
                 target=user.username, ip=ip, channel=channel,
                 after={"vencimiento": f"{params.password_expiry_days} días"})
