"""Sessions: opened by a login, handed to the browser once, resolved on every event, ended.

- A login opens a session that waits for its one-time ticket (``TICKET_SECONDS``): the
  page's script trades it for the real id (``redeem_ticket``), which only the HttpOnly
  cookie holds. The database keeps hashes only, and a pending ticket serves no event.
- ``resolve_session`` applies the idle and absolute timeouts and refuses a user who was
  locked or disabled; an ended session never comes back.
- Whoever loses the right to act loses every session at once (``end_user_sessions``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from occireflex.domain import audit, deferred, security, security_params
from occireflex.domain.errors import SessionExpired
from occireflex.models import LoginSession, User, utcnow

APP_CHANNEL = "app"
TICKET_SECONDS = 60

IDLE_MESSAGE = "Su sesión terminó por inactividad. Ingrese nuevamente."
ABSOLUTE_MESSAGE = "Su sesión alcanzó el tiempo máximo permitido. Ingrese nuevamente."
ENDED_MESSAGE = "Su sesión ha terminado. Ingrese nuevamente."
INACTIVE_MESSAGE = ("Su usuario está inactivo. Comuníquese con el administrador de su "
                    "empresa.")
REASON_INACTIVATED = "usuario_inactivado"
REASON_PASSWORD_RESET = "clave_restablecida"
REASON_CHANNEL = "canal_inhabilitado"
REASON_IP = "ip_no_autorizada"
# why an ended session ended, as its user reads it at their next event
_ENDED_BECAUSE = {
    REASON_INACTIVATED: INACTIVE_MESSAGE,
    REASON_PASSWORD_RESET: ("El administrador de su empresa le asignó una clave temporal; la "
                            "recibirá en su correo. Ingrese nuevamente con ella."),
    REASON_CHANNEL: ("Su usuario ya no tiene habilitado este canal. Comuníquese con el "
                     "administrador de su empresa."),
    REASON_IP: ("Su sesión terminó: la dirección IP desde la que se conecta no está "
                "autorizada por su empresa. Comuníquese con el administrador de su empresa."),
}


def channel_allowed(user: User, channel: str) -> bool:
    """The channels a user may use (Configuración de Usuarios): the App, or the portal."""
    return user.channel_app if channel == APP_CHANNEL else user.channel_portal
_TOUCH_EVERY = timedelta(seconds=15)


def open_session(db: Session, user: User, token_id: int | None, channel: str, ip: str,
                 user_agent: str, now: datetime) -> str:
    """A session waiting for its ticket to be redeemed; returns the ticket."""
    ticket, digest = security.session_token()
    db.add(LoginSession(
        token_hash=digest, user_id=user.id, company_id=user.company_id, token_id=token_id,
        channel=channel, ip=ip[:64], user_agent=user_agent[:300], created_at=now,
        last_seen_at=now,
    ))
    return ticket


@dataclass(frozen=True)
class Redeemed:
    session_id: str  # for the HttpOnly cookie, never for a script
    app: bool  # an App session (its own cookie) rather than a portal one


def redeem_ticket(db: Session, ticket: object, now: datetime | None = None) -> Redeemed:
    """Trade a login's ticket, once and within ``TICKET_SECONDS``, for the session id.

    The ticket passed through the page's script, so it is worthless after this call: the
    session gets a fresh random id whose hash replaces the ticket's. The caller commits.
    """
    now = now or utcnow()
    if not isinstance(ticket, str) or not 20 <= len(ticket) <= 100:
        raise SessionExpired(ENDED_MESSAGE)
    raw, digest = security.session_token()
    row = db.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == security.hash_session_token(ticket),
               LoginSession.redeemed_at.is_(None), LoginSession.ended_at.is_(None),
               LoginSession.created_at >= now - timedelta(seconds=TICKET_SECONDS))
        .values(token_hash=digest, redeemed_at=now, last_seen_at=now)
        .returning(LoginSession.channel)
    ).first()
    if row is None:
        raise SessionExpired(ENDED_MESSAGE)
    return Redeemed(session_id=raw, app=row.channel == APP_CHANNEL)


def resolve_session(
    db: Session, raw_token: object, now: datetime | None = None, *, touch: bool = True
) -> LoginSession:
    """The live session for a browser-held id; raises SessionExpired.

    ``touch`` records activity (resets the idle clock, written later: ``deferred``); the
    page's periodic check does not.
    """
    now = now or utcnow()
    if not isinstance(raw_token, str) or not 20 <= len(raw_token) <= 100:
        raise SessionExpired(ENDED_MESSAGE)
    # the stored row as it is now (the flusher may have written activity since this
    # session last loaded it)
    row = db.exec(
        select(LoginSession).where(LoginSession.token_hash == security.hash_session_token(raw_token))
        .execution_options(populate_existing=True)
    ).first()
    if row is None or row.ended_at is not None or row.redeemed_at is None:
        raise SessionExpired(_ended_message(db, row))
    reason = None
    params = security_params.of_company(db, row.company_id)  # within the bank's ceilings
    idle, absolute = params.idle_minutes * 60, params.absolute_minutes * 60
    if now - row.created_at > timedelta(seconds=absolute):
        reason, message = "absoluto", ABSOLUTE_MESSAGE
    elif now - deferred.last_seen(row.id, row.last_seen_at) > timedelta(seconds=idle):
        reason, message = "inactividad", IDLE_MESSAGE
    if reason is None:
        user = db.get(User, row.user_id)
        if user is None or user.locked_at is not None:
            reason, message = "usuario_inhabilitado", ENDED_MESSAGE
        elif not user.is_active:
            reason, message = REASON_INACTIVATED, INACTIVE_MESSAGE
        elif not channel_allowed(user, row.channel):
            reason, message = REASON_CHANNEL, _ENDED_BECAUSE[REASON_CHANNEL]
    if reason is not None:
        end_now(db, row.id, reason, now, message)
    if touch:
        note_activity(row.id, row.last_seen_at, now)
    return row


def end_now(db: Session, session_id: int, reason: str, now: datetime,
            message: str | None = None) -> None:
    """End the session for ``reason`` and raise SessionExpired with why. The ending must
    persist although the caller's operation is refused; whatever the caller had pending is
    dropped first (it belongs to the refused operation)."""
    db.rollback()
    row = db.get(LoginSession, session_id)
    if row is not None and row.ended_at is None:
        _end(db, row, reason, now)
        db.commit()
    raise SessionExpired(message or _ENDED_BECAUSE.get(reason, ENDED_MESSAGE))


def _ended_message(db: Session, row: LoginSession | None) -> str:
    """Why the session ended, while it still holds (a user since reactivated just logs in)."""
    reason = row.end_reason if row is not None and row.ended_at is not None else ""
    if reason == REASON_INACTIVATED:
        user = db.get(User, row.user_id)
        return INACTIVE_MESSAGE if user is not None and not user.is_active else ENDED_MESSAGE
    return _ENDED_BECAUSE.get(reason, ENDED_MESSAGE)


def note_activity(session_id: int, stored: datetime, now: datetime) -> None:
    """Record the session's activity (at most every ``_TOUCH_EVERY``), written later by
    ``deferred`` so that no event waits for the database's writer."""
    if now - deferred.last_seen(session_id, stored) >= _TOUCH_EVERY:
        deferred.note_activity(session_id, now)


def _end(db: Session, row: LoginSession, reason: str, now: datetime) -> None:
    row.ended_at = now
    row.end_reason = reason
    db.add(row)
    audit.record(db, "sesion_terminada", company_id=row.company_id, user_id=row.user_id,
                 target=reason, ip=row.ip, channel=row.channel)


def logout(db: Session, raw_token: object, now: datetime | None = None) -> None:
    if not isinstance(raw_token, str) or not raw_token:
        return
    row = db.exec(
        select(LoginSession).where(LoginSession.token_hash == security.hash_session_token(raw_token))
    ).first()
    if row is not None and row.ended_at is None:
        _end(db, row, "cierre_usuario", now or utcnow())


def end_sessions_using_token(db: Session, token_id: int, reason: str, now: datetime | None = None) -> int:
    """End every open session that logged in with ``token_id`` (used when a token is blocked)."""
    rows = db.exec(
        select(LoginSession).where(LoginSession.token_id == token_id, LoginSession.ended_at.is_(None))
    ).all()
    for row in rows:
        _end(db, row, reason, now or utcnow())
    return len(rows)


def end_user_sessions(db: Session, user_id: int, reason: str, now: datetime | None = None) -> int:
    """End every open portal and App session of the user, at once.

    Called whenever the user loses the right to act (locked, token blocked; later also
    inactivated or re-passworded): an ended session never comes back, so unlocking the
    user does not revive a session that sat idle through the lock.
    """
    rows = db.exec(select(LoginSession).where(
        LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))).all()
    for row in rows:
        _end(db, row, reason, now or utcnow())
    return len(rows)
