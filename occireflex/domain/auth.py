"""Login (seed 000: usuario → número del token → condiciones → clave), the App's login,
the token prompts and the lockout; the sessions a login opens live in ``sessions``.

Rules:
- Steps are enforced here, in order; the flow object lives server-side only.
- The token code is checked (and its time step consumed) when it is entered, but the
  outcome is revealed only at the end, with one message for every kind of failure.
- The «imagen propia» shown at step 4 is the user's own only when the token code was
  valid; otherwise a decoy derived from the typed name, stable, so it reveals nothing.
- Failures count per user name (existing or not) and per IP; lockout after N, which
  ends every session of the user at once.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from occireflex.domain import alert_hooks, audit, ip_rules, security, security_params, sessions, tokens
from occireflex.domain.errors import LoginFailed, ValidationError
from occireflex.domain.tokens import activation
from occireflex.models import LoginThrottle, Token, User, utcnow
from occireflex.settings import settings

GENERIC_FAILURE = (
    "Los datos ingresados no son correctos. Verifique su usuario, el número del token "
    "y su clave e intente nuevamente."
)
LOCKED = (
    "Su usuario está bloqueado por superar el número de intentos fallidos permitidos. "
    "Comuníquese con el administrador de su empresa para desbloquearlo."
)
IP_THROTTLED = "Demasiados intentos fallidos desde esta conexión. Intente de nuevo más tarde."
FLOW_EXPIRED = "El proceso de ingreso expiró. Ingrese nuevamente su usuario."
OUT_OF_ORDER = "Complete los pasos de ingreso en orden."

OWN_IMAGES: tuple[str, ...] = (
    "faro", "colibri", "montana", "cafe", "orquidea", "ballena", "sol", "velero",
    "luna", "rio", "palmera", "mariposa",
)
IP_MAX_FAILURES = 20
IP_WINDOW = timedelta(minutes=15)
_USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{2,39}")

STEP_USER, STEP_TOKEN, STEP_CONDITIONS, STEP_PASSWORD = 1, 2, 3, 4


@dataclass(frozen=True)
class LoginFlow:
    step: int = STEP_USER
    username: str = ""
    token_ok: bool = False
    token_id: int | None = None
    started_at: datetime | None = None
    failure_counted: bool = False  # a wrong code at step 2 already counted this attempt


@dataclass(frozen=True)
class LoginResult:
    ticket: str  # one-time: the page trades it for the session cookie (sessions.redeem_ticket)
    user_id: int



def normalize_username(raw: object) -> str:
    return raw.strip().lower() if isinstance(raw, str) else ""


def _expect(flow: object, step: int, now: datetime) -> LoginFlow:
    if not isinstance(flow, LoginFlow) or flow.step != step:
        raise ValidationError(OUT_OF_ORDER)
    if flow.started_at is None or now - flow.started_at > timedelta(
        seconds=settings.login_flow_timeout_seconds
    ):
        raise ValidationError(FLOW_EXPIRED)
    return flow


def submit_username(raw: object, now: datetime | None = None) -> LoginFlow:
    username = normalize_username(raw)
    if not _USERNAME_RE.fullmatch(username):
        raise ValidationError(
            "Ingrese un usuario válido: de 3 a 40 letras, números, punto, guion o guion bajo."
        )
    return LoginFlow(step=STEP_TOKEN, username=username, started_at=now or utcnow())


def _find_user(db: Session, username: str) -> User | None:
    return db.exec(select(User).where(User.username == username)).first()


def submit_token(db: Session, flow: object, code: object, now: datetime | None = None,
                 *, ip: str = "", channel: str = "web") -> LoginFlow:
    """Check the code now (consuming its time step); reveal the outcome only at the end.

    A wrong code counts as a failed attempt at once, per user name and per IP, so the
    token cannot be guessed by cycling steps 1–3; a locked name or IP verifies nothing.
    """
    now = now or utcnow()
    flow = _expect(flow, STEP_TOKEN, now)
    if not security.is_code_format(code):
        raise ValidationError("El número del token tiene 6 dígitos (0 a 9).")
    user = _find_user(db, flow.username)
    blocked = _ip_blocked(db, ip, now) or _is_locked(db, user, flow.username)
    token = None
    if not blocked and user is not None and user.is_active:
        token = tokens.verify_code(db, user.id, code, now)
    if token is None and not blocked:
        _count_user_failure(db, user, flow.username, now)
        _count_ip_failure(db, ip, now)
        audit.record(db, "token_fallido", company_id=user.company_id if user else None,
                     user_id=user.id if user else None, target=flow.username[:40],
                     outcome="fallido", ip=ip, channel=channel)
    return replace(
        flow, step=STEP_CONDITIONS, token_ok=token is not None,
        token_id=token.id if token else None, failure_counted=token is None,
    )


def accept_conditions(flow: object, accepted: object, now: datetime | None = None) -> LoginFlow:
    flow = _expect(flow, STEP_CONDITIONS, now or utcnow())
    if accepted is not True:
        raise ValidationError("Debe aceptar las condiciones de seguridad para continuar.")
    return replace(flow, step=STEP_PASSWORD)


def own_image(db: Session, flow: LoginFlow) -> str:
    """Image key to show at step 4 (see module docstring)."""
    if flow.token_ok:
        user = _find_user(db, flow.username)
        if user is not None and user.own_image:  # none yet: chosen at the first access
            return user.own_image
    digest = security.keyed_digest("imagen:" + flow.username)
    return OWN_IMAGES[int(digest[:8], 16) % len(OWN_IMAGES)]


def _bump_throttle(db: Session, key: str, now: datetime, window: timedelta | None = None) -> int:
    """Atomically count one failure under ``key``; returns the new count.

    One upsert statement, so concurrent failures are all counted. With ``window`` the
    count restarts when the previous failure is older than it.
    """
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = LoginThrottle.__table__
    stmt = insert(table).values(key=key, failures=1, updated_at=now)
    increment = table.c.failures + 1
    if window is not None:
        increment = case((table.c.updated_at < now - window, 1), else_=increment)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.key], set_={"failures": increment, "updated_at": now}
    ).returning(table.c.failures)
    return db.execute(stmt).scalar_one()


def _ip_blocked(db: Session, ip: str, now: datetime) -> bool:
    if not ip:
        return False
    row = db.get(LoginThrottle, security.keyed_digest("ip:" + ip))
    return row is not None and row.failures >= IP_MAX_FAILURES and now - row.updated_at < IP_WINDOW


def _count_ip_failure(db: Session, ip: str, now: datetime) -> None:
    if ip:
        _bump_throttle(db, security.keyed_digest("ip:" + ip), now, IP_WINDOW)


def _is_locked(db: Session, user: User | None, username: str) -> bool:
    if user is not None:
        return user.locked_at is not None
    row = db.get(LoginThrottle, security.keyed_digest("user:" + username))
    return row is not None and row.locked_at is not None


def _count_user_failure(db: Session, user: User | None, username: str, now: datetime) -> bool:
    """Count one failure atomically; True when this failure locks the user name (at the
    user's company's limit; a name that is no user's at the bank's)."""
    limit = settings.login_max_failures
    if user is not None:
        limit = security_params.of_company(db, user.company_id).max_failed_attempts
        db.execute(update(User).where(User.id == user.id)
                   .values(failed_attempts=User.failed_attempts + 1))
        locked = db.execute(
            update(User).where(User.id == user.id, User.failed_attempts >= limit,
                               User.locked_at.is_(None)).values(locked_at=now))
        if locked.rowcount == 1:
            sessions.end_user_sessions(db, user.id, "usuario_bloqueado", now)
            return True
        return False
    key = security.keyed_digest("user:" + username)
    if _bump_throttle(db, key, now) < limit:
        return False
    locked = db.execute(update(LoginThrottle).where(
        LoginThrottle.key == key, LoginThrottle.locked_at.is_(None)).values(locked_at=now))
    return locked.rowcount == 1


def _refuse_if_locked(db: Session, user: User | None, username: str, password: object, *,
                      ip: str, channel: str) -> None:
    """A locked user name verifies nothing (the password check is burnt for timing)."""
    if _is_locked(db, user, username):
        security.burn_password_check(password if isinstance(password, str) else "")
        audit.record(db, "login_bloqueado", company_id=user.company_id if user else None,
                     user_id=user.id if user else None, target=username[:40],
                     outcome="denegado", ip=ip, channel=channel)
        raise LoginFailed(LOCKED)


def _password_matches(user: User | None, password: object) -> bool:
    """Same cost whether the user exists or not."""
    if not isinstance(password, str) or not 0 < len(password) <= 128:
        return False
    if user is None:
        security.burn_password_check(password)
        return False
    # the policy stores passwords NFKC-normalized: «ñ» typed composed or not is the same
    return security.verify_password(user.password_hash, unicodedata.normalize("NFKC", password))


def _failures_persist(login):
    """A refused login still counts: its failure counters and audit are committed before
    the refusal reaches the caller (whose unit of work then rolls back nothing of it)."""
    @functools.wraps(login)
    def attempt(db: Session, *args, **kwargs):
        try:
            return login(db, *args, **kwargs)
        except LoginFailed:
            db.commit()
            raise
    return attempt


@_failures_persist
def submit_password(
    db: Session,
    flow: object,
    password: object,
    *,
    ip: str = "",
    user_agent: str = "",
    channel: str = "web",
    now: datetime | None = None,
) -> LoginResult:
    """Last step. Raises LoginFailed with one generic message, or the lockout message."""
    now = now or utcnow()
    flow = _expect(flow, STEP_PASSWORD, now)
    if _ip_blocked(db, ip, now):
        raise LoginFailed(IP_THROTTLED)
    user = _find_user(db, flow.username)
    _refuse_if_locked(db, user, flow.username, password, ip=ip, channel=channel)
    password_ok = _password_matches(user, password)
    # an inactive user's token is never checked: the right password tells them why
    if user is None or not password_ok or (user.is_active and not flow.token_ok):
        locked_now = False
        if not flow.failure_counted:  # else step 2 counted this attempt already
            locked_now = _count_user_failure(db, user, flow.username, now)
            _count_ip_failure(db, ip, now)
        audit.record(db, "login_fallido", company_id=user.company_id if user else None,
                     user_id=user.id if user else None, target=flow.username[:40],
                     outcome="fallido", ip=ip, channel=channel)
        raise LoginFailed(LOCKED if locked_now else GENERIC_FAILURE)
    if _temporary_expired(user, now):  # the right password, but only valid for 24 h
        audit.record(db, "login_fallido", company_id=user.company_id, user_id=user.id,
                     target=user.username, outcome="fallido", ip=ip, channel=channel,
                     after={"motivo": "clave temporal vencida"})
        raise LoginFailed(TEMPORARY_EXPIRED)
    _refuse_if_barred(db, user, channel, ip, now)
    security_params.arm_expired_password(db, user, now, ip, channel)

    db.execute(update(User).where(User.id == user.id).values(failed_attempts=0,
                                                             last_login_at=now))
    alert_hooks.login_ip(db, user, ip, channel, now)
    ticket = sessions.open_session(db, user, flow.token_id, channel, ip, user_agent, now)
    audit.record(db, "login", company_id=user.company_id, user_id=user.id,
                 target=user.username, ip=ip, channel=channel)
    return LoginResult(ticket=ticket, user_id=user.id)


CHANNEL_BARRED = {
    "app": "Su usuario no tiene habilitado el ingreso por la App. Comuníquese con el "
           "administrador de su empresa.",
    "portal": "Su usuario no tiene habilitado el ingreso al portal. Comuníquese con el "
              "administrador de su empresa.",
}


def _refuse_if_barred(db: Session, user: User, channel: str, ip: str, now: datetime) -> None:
    """The right credentials of an inactive user, on a channel not enabled for them, from
    an address the company's IP rules do not admit or outside its days and hours: refused
    with the reason (the credentials were proved), not counted as a failure."""
    params = security_params.of_company(db, user.company_id)
    reason, message = (
        ("usuario inactivo", sessions.INACTIVE_MESSAGE) if not user.is_active else
        ("canal no habilitado", CHANNEL_BARRED["app" if channel == sessions.APP_CHANNEL
                                               else "portal"])
        if not sessions.channel_allowed(user, channel) else
        ("ip no autorizada", ip_rules.REFUSED.format(ip=ip or "desconocida"))
        if not ip_rules.allowed(db, user.company_id, user.id, channel, ip) else
        ("fuera de horario", security_params.closed_login_message(params))
        if not security_params.is_open(params, now) else (None, None))
    if message is None:
        return
    audit.record(db, "login_denegado", company_id=user.company_id, user_id=user.id,
                 target=user.username, outcome="denegado", ip=ip, channel=channel,
                 after={"motivo": reason})
    raise LoginFailed(message)


TEMPORARY_EXPIRED = ("Su clave temporal venció (dura 24 horas). Solicite una nueva al "
                     "administrador de su empresa o, si es el administrador, al Banco.")


def _temporary_expired(user: User, now: datetime) -> bool:
    until = user.password_temporary_until
    if until is None:
        return False
    return now > (until if until.tzinfo else until.replace(tzinfo=UTC))


# Token prompts («Ingrese Token» before a change) -----------------------------------------

TOKEN_INVALID = "El código del token no es válido o ya fue utilizado. Espere el siguiente código."
TOKEN_LOCKED = (
    "Superó el número de intentos fallidos con el token: su usuario quedó bloqueado y su "
    "sesión terminó. Comuníquese con el administrador de su empresa para desbloquearlo."
)


def confirm_with_token(db: Session, actor, code: object, *, action: str, target: str,
                       now: datetime | None = None) -> Token:
    """Every «Ingrese Token» of an operation: the acting user's active token must produce
    ``code`` (its time step is consumed in the caller's transaction).

    A wrong code counts as a failed attempt, like at login: the counter locks the user at
    the limit, which ends their sessions at their next event, so a hijacked session cannot
    guess codes. The refused operation's pending work is dropped; the failure is audited
    (``action``, outcome «fallido») and committed. ``actor`` is a ``domain.access.Actor``.
    """
    now = now or utcnow()
    user = db.get(User, actor.user_id)
    if user is None or user.locked_at is not None:  # a stale actor of a locked user
        raise ValidationError(TOKEN_LOCKED)
    token = tokens.verify_code(db, actor.user_id, code, now)
    if token is not None:
        db.execute(update(User).where(User.id == actor.user_id, User.failed_attempts > 0)
                   .values(failed_attempts=0))
        return token
    db.rollback()
    user = db.get(User, actor.user_id)
    locked = _count_user_failure(db, user, user.username, now)
    audit.record(db, action, company_id=actor.company_id, user_id=actor.user_id,
                 target=target, outcome="fallido", ip=actor.ip, channel=actor.channel)
    if locked:
        audit.record(db, "usuario_bloqueado_token", company_id=actor.company_id,
                     user_id=actor.user_id, target=user.username, outcome="denegado",
                     ip=actor.ip, channel=actor.channel)
    db.commit()
    raise ValidationError(TOKEN_LOCKED if locked else TOKEN_INVALID)


# The App's login ------------------------------------------------------------------------

APP_CHANNEL = sessions.APP_CHANNEL


@_failures_persist
def app_login(
    db: Session,
    username: object,
    password: object,
    second_factor: object,
    *,
    ip: str = "",
    user_agent: str = "",
    now: datetime | None = None,
) -> LoginResult:
    """The App Banco de Occidente Empresas: usuario, clave and a second factor at once.

    The second factor is a code of the user's active token; only a user with no active
    token (released, never enrolled) may use instead the single-use activation code the
    administrator obtained when authorizing the release. One generic message for every
    failure, the same counters and lockout as the portal.
    """
    now = now or utcnow()
    name = normalize_username(username)
    if not _USERNAME_RE.fullmatch(name):
        raise LoginFailed(GENERIC_FAILURE)
    if _ip_blocked(db, ip, now):
        raise LoginFailed(IP_THROTTLED)
    user = _find_user(db, name)
    _refuse_if_locked(db, user, name, password, ip=ip, channel=APP_CHANNEL)
    password_ok = _password_matches(user, password)
    token_id, used_activation = None, False
    factor_ok = False
    if user is not None and password_ok:
        _refuse_if_barred(db, user, APP_CHANNEL, ip, now)
        factor = second_factor.strip() if isinstance(second_factor, str) else None
        if tokens.active_tokens(db, user.id):
            token = tokens.verify_code(db, user.id, factor, now)
            factor_ok, token_id = token is not None, token.id if token else None
        else:
            request = activation.consume(db, user.id, factor, now)
            factor_ok = used_activation = request is not None
    if not factor_ok:
        locked_now = _count_user_failure(db, user, name, now)
        _count_ip_failure(db, ip, now)
        audit.record(db, "login_fallido", company_id=user.company_id if user else None,
                     user_id=user.id if user else None, target=name, outcome="fallido",
                     ip=ip, channel=APP_CHANNEL)
        raise LoginFailed(LOCKED if locked_now else GENERIC_FAILURE)
    if _temporary_expired(user, now):  # the right password, but only valid for 24 h
        audit.record(db, "login_fallido", company_id=user.company_id, user_id=user.id,
                     target=user.username, outcome="fallido", ip=ip, channel=APP_CHANNEL,
                     after={"motivo": "clave temporal vencida"})
        raise LoginFailed(TEMPORARY_EXPIRED)
    security_params.arm_expired_password(db, user, now, ip, APP_CHANNEL)

    db.execute(update(User).where(User.id == user.id).values(failed_attempts=0,
                                                             last_login_at=now))
    alert_hooks.login_ip(db, user, ip, APP_CHANNEL, now)
    ticket = sessions.open_session(db, user, token_id, APP_CHANNEL, ip, user_agent, now)
    audit.record(db, "login", company_id=user.company_id, user_id=user.id,
                 target=user.username, ip=ip, channel=APP_CHANNEL,
                 after={"segundo_factor": "codigo_activacion" if used_activation else "token"})
    return LoginResult(ticket=ticket, user_id=user.id)


def unlock_user(db: Session, username: str) -> bool:
    name = normalize_username(username)
    user = _find_user(db, name)
    if user is None:  # a locked name that is not a user (see LoginThrottle)
        row = db.get(LoginThrottle, security.keyed_digest("user:" + name))
        if row is None:
            return False
        db.delete(row)
        return True
    user.failed_attempts = 0
    user.locked_at = None
    db.add(user)
    audit.record(db, "usuario_desbloqueado", company_id=user.company_id, user_id=user.id,
                 target=user.username, channel="cli")
    return True
