"""Administración > Seguridad > Administración de Token > Token Virtual (seed 002).

Rules:
- Only the company's administrator, never a secondary user whatever their profile grants;
  a refused call is audited. Every user id and request id from the browser must belong
  to the administrator's company (same refusal otherwise).
- «Cambiar Estado del Token Virtual»: Liberar or Bloquear with a causal from that action's
  list, confirmed with the administrator's token code; ``states.transition`` decides
  what is allowed from where the token is.
- Bloquear takes effect at once: the token stops working, its seed is destroyed, an open
  release is cancelled, unused activation codes die, and the open sessions that relied on
  it (plus the user's App sessions: the device may be lost) end.
- Liberar waits for the administrator's authorization in the App, bound to that request,
  for 10 minutes, approvable once (compare-and-set on the request's state). On approval the
  seed is destroyed, never re-issued; the user enrolls a new device in the App. If the
  user is left with no active token, a single-use activation code is issued.
- Every change writes a ``TokenEvent`` (Consulta de Token) and an audit event, in the same
  transaction. Seeds and codes never reach either.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from occireflex import catalog
from occireflex.domain import alert_hooks, audit, auth, security, security_params, sessions
from occireflex.domain.access import Actor, company_row, deny, require
from occireflex.domain.bogota import local_moment, local_time
from occireflex.domain.errors import DomainError
from occireflex.domain.paging import clamp_page, offset, page_size_of
from occireflex.domain.tokens import activation
from occireflex.domain.tokens import primitives as tokens
from occireflex.domain.tokens import states as ts
from occireflex.domain.tokens import virtual as tv
from occireflex.models import Token, TokenEvent, TokenRequest, User, utcnow

SERVICE = catalog.TOKEN_VIRTUAL
REQUEST_TTL = timedelta(minutes=10)

ADMIN_ONLY = "Este proceso solo se puede realizar desde el usuario administrador."
REQUEST_NOT_FOUND = "La solicitud no existe."
EXPIRED = ("La solicitud de liberación expiró: tenía 10 minutos para autorizarla. "
           "Regístrela de nuevo en el portal.")
TOKEN_INVALID = auth.TOKEN_INVALID
OWN_BLOCK = ("No puede bloquear su propio token virtual: se quedaría sin token para ingresar. "
             "Pídalo a otro administrador de su empresa o a las líneas de atención del Banco "
             "(018000 514652).")

# Who may act, on whom ------------------------------------------------------------------


def require_admin(db: Session, actor: Actor, operation: str,
                  action: str = catalog.ACCESO) -> None:
    """Administrators only: a secondary user is refused (and audited) even if granted."""
    if not isinstance(actor, Actor) or not actor.is_admin:
        deny(db, actor, f"token_virtual:{operation}", ADMIN_ONLY)
    require(db, actor, SERVICE, action)


def _confirm_with_token(db: Session, actor: Actor, code: object, target: str,
                        now: datetime) -> None:
    auth.confirm_with_token(db, actor, code, action="token_virtual_token_rechazado",
                            target=target, now=now)


# The grid ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenRow:
    user_id: int
    username: str
    full_name: str
    is_admin: bool
    physical: str  # Activo | Inhabilitado | Bloqueado | Sin token
    physical_serial: str
    virtual: str  # code: sin_token | activo | liberado | bloqueado | pendiente
    virtual_label: str
    device: str
    changed: str  # YYYY/MM/DD HH:MM, America/Bogota
    actions: tuple[str, ...]  # liberar | bloquear, as allowed now


def _rows_for(db: Session, users: list[User], now: datetime,
              actor_id: int | None = None) -> list[TokenRow]:
    ids = [u.id for u in users]
    if not ids:
        return []
    all_tokens = db.exec(select(Token).where(col(Token.user_id).in_(ids))
                         .order_by(Token.id)).all()
    pending = set(db.exec(select(TokenRequest.user_id).where(
        col(TokenRequest.user_id).in_(ids), TokenRequest.state == tv.R_PENDIENTE,
        TokenRequest.expires_at > now)).all())
    last_event = dict(db.exec(select(TokenEvent.user_id, func.max(TokenEvent.created_at))
                              .where(col(TokenEvent.user_id).in_(ids))
                              .group_by(TokenEvent.user_id)).all())
    rows = []
    for user in users:
        mine = [t for t in all_tokens if t.user_id == user.id]
        physical = [t for t in mine if t.kind == tokens.FISICO]
        virtual = [t for t in mine if t.kind == tokens.VIRTUAL and t.state in tv.SLOT_OF_ROW]
        fob, current = (physical[-1] if physical else None), (virtual[-1] if virtual else None)
        state = tv.state_of(current, user.id in pending)
        moments = [t.state_changed_at for t in mine] + (
            [last_event[user.id]] if user.id in last_event else [])
        rows.append(TokenRow(
            user_id=user.id, username=user.username, full_name=user.full_name,
            is_admin=user.is_admin,
            physical=tv.physical_label(fob),
            physical_serial=fob.serial if fob else "",
            virtual=state.shown, virtual_label=state.label,
            device=current.device_name if current is not None and current.state == tokens.ACTIVO
            else "",
            changed=local_moment(max(moments)) if moments else "",
            actions=tuple(a for a in ts.allowed_actions(state)
                          if not (a == ts.BLOQUEAR_ACCION and user.id == actor_id))))
    return rows


def list_users(db: Session, actor: Actor, search: object = "", page: object = 1,
               page_size: object = 10, now: datetime | None = None
               ) -> tuple[list[TokenRow], int]:
    """One page of the company's users with their tokens, ordered by user name."""
    now = now or utcnow()
    require_admin(db, actor, "consultar", catalog.CONSULTAR)
    conditions = [User.company_id == actor.company_id]
    key = search.strip().lower()[:40] if isinstance(search, str) else ""
    if key:
        pattern = security.contains_pattern(key)
        conditions.append(or_(col(User.username).like(pattern, escape="\\"),
                              func.lower(User.full_name).like(pattern, escape="\\")))
    size = page_size_of(page_size)
    total = db.exec(select(func.count()).select_from(User).where(*conditions)).one()
    number = clamp_page(page, total, size)
    users = list(db.exec(select(User).where(*conditions).order_by(User.username)
                         .offset(offset(number, size)).limit(size)).all())
    return _rows_for(db, users, now, actor.user_id), total


def token_row(db: Session, actor: Actor, user_id: object, now: datetime | None = None
              ) -> TokenRow:
    """One user's row, for «Cambiar Estado del Token Virtual»."""
    now = now or utcnow()
    require_admin(db, actor, "consultar", catalog.CONSULTAR)
    user = tv.company_user(db, actor, user_id)
    return _rows_for(db, [user], now, actor.user_id)[0]


# Liberar and Bloquear (portal) ---------------------------------------------------------


@dataclass(frozen=True)
class ChangePreview:
    row: TokenRow
    action: str
    action_label: str
    reason: str
    reason_label: str


def preview_change(db: Session, actor: Actor, user_id: object, action: object,
                   reason: object, now: datetime | None = None) -> ChangePreview:
    """Validate a change before asking for the token (nothing is written)."""
    now = now or utcnow()
    require_admin(db, actor, f"{str(action)[:10]}", catalog.ACCESO)
    user = tv.company_user(db, actor, user_id)
    clean = ts.check_reason(action, reason)
    if action == ts.BLOQUEAR_ACCION and user.id == actor.user_id:
        raise ts.InvalidTransition(OWN_BLOCK)
    row = _rows_for(db, [user], now)[0]
    ts.transition(tv.virtual_state(db, user.id, now), _EVENT_OF[action])
    return ChangePreview(row, action, ts.ACTION_LABELS[action], clean, ts.REASON_LABELS[clean])


_EVENT_OF = {ts.LIBERAR: ts.SOLICITAR_LIBERACION, ts.BLOQUEAR_ACCION: ts.BLOQUEAR}


def _confirmed_change(db: Session, actor: Actor, user_id: object, action: str, reason: object,
                      token_code: object, now: datetime) -> tuple[User, str]:
    """(the user, the causal) of a Liberar or Bloquear the state machine allows, with the
    user locked and the administrator's token code accepted."""
    require_admin(db, actor, action)
    user = tv.company_user(db, actor, user_id)
    clean = ts.check_reason(action, reason)
    if action == ts.BLOQUEAR_ACCION and user.id == actor.user_id:
        raise ts.InvalidTransition(OWN_BLOCK)
    tv.lock_user(db, user.id)
    tv.expire_overdue(db, now, user_id=user.id)
    ts.transition(tv.virtual_state(db, user.id, now), _EVENT_OF[action])
    _confirm_with_token(db, actor, token_code, f"{action}:{user.username}", now)
    return user, clean


@dataclass(frozen=True)
class ReleaseTicket:
    request_id: int
    username: str
    verification: str  # the number the App shows on the same request
    expires: str  # HH:MM, America/Bogota


def request_release(db: Session, actor: Actor, user_id: object, reason: object,
                    token_code: object, now: datetime | None = None) -> ReleaseTicket:
    """«Liberar»: a request the administrator authorizes in the App within 10 minutes.
    The caller commits."""
    now = now or utcnow()
    user, clean = _confirmed_change(db, actor, user_id, ts.LIBERAR, reason, token_code, now)
    current = tv.current_virtual(db, user.id)
    request = TokenRequest(
        company_id=user.company_id, user_id=user.id, token_id=current.id if current else None,
        action=ts.LIBERAR, reason=clean, state=tv.R_PENDIENTE,
        verification=f"{secrets.randbelow(100):02d}", requested_by=actor.user_id,
        requested_at=now, expires_at=now + REQUEST_TTL)
    db.add(request)
    try:
        db.flush()
    except IntegrityError:  # another administrator registered one a moment ago
        db.rollback()
        raise ts.InvalidTransition(ts.ALREADY_PENDING) from None
    tv.record_event(db, user, tv.EV_SOLICITADA, token=current, reason=clean,
                    actor_id=actor.user_id, channel=actor.channel, request_id=request.id, now=now)
    audit.record(db, "token_liberacion_solicitada", company_id=actor.company_id,
                 user_id=actor.user_id, target=f"usuario:{user.username}", ip=actor.ip,
                 channel=actor.channel, after={"causal": clean, "solicitud": request.id})
    return ReleaseTicket(request.id, user.username, request.verification,
                         local_time(request.expires_at))


@dataclass(frozen=True)
class BlockResult:
    username: str
    sessions_ended: int


def _block_now(db: Session, user: User, reason: str, now: datetime, *,
               actor_id: int | None, channel: str, request_id: int | None) -> int:
    """Block the current virtual token; returns the number of sessions ended."""
    current = tv.current_virtual(db, user.id)
    if current is None:
        raise ts.InvalidTransition(ts.NOTHING_TO_BLOCK)
    blocked = db.execute(
        update(Token).where(Token.user_id == user.id, Token.kind == tokens.VIRTUAL,
                            or_(Token.state == tokens.ACTIVO,
                                (Token.id == current.id) & (Token.state == current.state)))
        .values(state=tokens.BLOQUEADO, seed_encrypted=None, ticket_hash=None,
                state_changed_at=now)
        .returning(Token.id).execution_options(synchronize_session=False)).scalars().all()
    if not blocked:
        db.rollback()
        raise DomainError(tv.CHANGED)
    cancelled = db.exec(select(TokenRequest).where(
        TokenRequest.user_id == user.id, TokenRequest.state == tv.R_PENDIENTE)).all()
    for request in cancelled:
        request.state, request.decided_at = tv.R_CANCELADA, now
        request.decided_by, request.decided_channel = actor_id, channel
        db.add(request)
        tv.record_event(db, user, tv.EV_CANCELADO, token=current, reason=request.reason,
                        actor_id=actor_id, channel=channel, request_id=request.id, now=now)
    tv.lapse_enrollments(db, now, user_id=user.id)
    activation.revoke(db, user.id)
    ended = sessions.end_user_sessions(db, user.id, "token_bloqueado", now)
    tv.record_event(db, user, tv.EV_BLOQUEADO, token=current, reason=reason, actor_id=actor_id,
                    channel=channel, request_id=request_id, now=now)
    alert_hooks.token_changed(db, user, True, now)
    return ended


def block(db: Session, actor: Actor, user_id: object, reason: object, token_code: object,
          now: datetime | None = None) -> BlockResult:
    """«Bloquear»: at once. The caller commits."""
    now = now or utcnow()
    user, clean = _confirmed_change(db, actor, user_id, ts.BLOQUEAR_ACCION, reason, token_code,
                                    now)
    current = tv.current_virtual(db, user.id)
    request = TokenRequest(
        company_id=user.company_id, user_id=user.id, token_id=current.id, action=ts.BLOQUEAR_ACCION,
        reason=clean, state=tv.R_EJECUTADA, requested_by=actor.user_id, requested_at=now,
        expires_at=now, decided_by=actor.user_id, decided_at=now, decided_channel=actor.channel)
    db.add(request)
    db.flush()
    ended = _block_now(db, user, clean, now, actor_id=actor.user_id, channel=actor.channel,
                       request_id=request.id)
    audit.record(db, "token_bloqueado", company_id=actor.company_id, user_id=actor.user_id,
                 target=f"usuario:{user.username}", ip=actor.ip, channel=actor.channel,
                 after={"causal": clean, "sesiones_terminadas": ended})
    return BlockResult(user.username, ended)


# Authorization in the App --------------------------------------------------------------


@dataclass(frozen=True)
class PendingRequest:
    id: int
    username: str
    full_name: str
    reason: str
    requested_by: str
    requested_at: str  # YYYY/MM/DD HH:MM
    expires: str  # HH:MM
    seconds_left: int
    verification: str


def pending_requests(db: Session, actor: Actor, now: datetime | None = None
                     ) -> list[PendingRequest]:
    """«Autorizaciones pendientes»: the company's open release requests, oldest first."""
    now = now or utcnow()
    require_admin(db, actor, "autorizaciones", catalog.CONSULTAR)
    tv.expire_overdue(db, now, company_id=actor.company_id)
    rows = db.exec(select(TokenRequest).where(
        TokenRequest.company_id == actor.company_id, TokenRequest.state == tv.R_PENDIENTE)
        .order_by(TokenRequest.requested_at, TokenRequest.id)).all()
    result = []
    for request in rows:
        user, by = db.get(User, request.user_id), db.get(User, request.requested_by)
        result.append(PendingRequest(
            id=request.id, username=user.username, full_name=user.full_name,
            reason=ts.REASON_LABELS.get(request.reason, request.reason),
            requested_by=by.full_name if by else "—",
            requested_at=local_moment(request.requested_at),
            expires=local_time(request.expires_at),
            seconds_left=max(0, int((request.expires_at - now).total_seconds())),
            verification=request.verification))
    return result


def pending_count(db: Session, actor: Actor, now: datetime | None = None) -> int:
    """How many releases wait for an administrator's authorization (the App's badge)."""
    if not isinstance(actor, Actor) or not actor.is_admin:
        return 0
    return db.exec(select(func.count()).select_from(TokenRequest).where(
        TokenRequest.company_id == actor.company_id, TokenRequest.state == tv.R_PENDIENTE,
        TokenRequest.expires_at > (now or utcnow()))).one()


APP_MAY_NOT_APPROVE = ("Su empresa no permite autorizar desde la App (Parámetros Generales y "
                       "de Seguridad): autorice en el portal, en Administración de Token.")


def company_request(db: Session, actor: Actor, request_id: object) -> TokenRequest:
    return company_row(db, actor, TokenRequest, request_id, "solicitud_token", REQUEST_NOT_FOUND,
                       lambda request: request.action == ts.LIBERAR)


def require_open(db: Session, request: TokenRequest, now: datetime) -> None:
    """Refuse unless the request is still pending and within its 10 minutes."""
    if request.state == tv.R_PENDIENTE and request.expires_at <= now:
        tv.expire_overdue(db, now, user_id=request.user_id)
        db.commit()
        raise ts.InvalidTransition(EXPIRED)
    if request.state != tv.R_PENDIENTE:
        raise ts.InvalidTransition(EXPIRED if request.state == tv.R_EXPIRADA else ts.NOT_PENDING)


def decide(db: Session, actor: Actor, request_id: object, event: str, verdict: str,
            now: datetime) -> tuple[TokenRequest, User]:
    """An administrator's verdict on one pending release of their company: checked by the
    state machine, then compare-and-set from «pendiente» (once, ever, within 10 minutes).
    Approve, reject and ``portal_approval.cancel_request`` record their own events."""
    require_admin(db, actor, verdict)
    if actor.channel == sessions.APP_CHANNEL and not security_params.of_company(
            db, actor.company_id).app_may_approve:
        deny(db, actor, f"solicitud_token:{str(request_id)[:30]}", APP_MAY_NOT_APPROVE)
    request = company_request(db, actor, request_id)
    tv.lock_user(db, request.user_id)
    db.refresh(request)
    require_open(db, request, now)
    user = db.get(User, request.user_id)
    ts.transition(tv.virtual_state(db, user.id, now), event)
    done = db.exec(update(TokenRequest).where(
        TokenRequest.id == request.id, TokenRequest.state == tv.R_PENDIENTE,
        TokenRequest.expires_at > now)
        .values(state=verdict, decided_by=actor.user_id, decided_at=now,
                decided_channel=actor.channel))
    if done.rowcount != 1:  # decided a moment ago by another call
        db.rollback()
        raise ts.InvalidTransition(ts.NOT_PENDING)
    db.refresh(request)
    return request, user


@dataclass(frozen=True)
class Approval:
    username: str
    full_name: str
    activation_code: str  # "" when the user still has an active token to log in with
    activation_expires: str  # HH:MM


def approve(db: Session, actor: Actor, request_id: object, now: datetime | None = None
            ) -> Approval:
    """Authorize a release (seed 002 step 9): destroy the seed; the user may enroll."""
    now = now or utcnow()
    request, user = decide(db, actor, request_id, ts.APROBAR, tv.R_APROBADA, now)
    current = tv.current_virtual(db, user.id)
    ended = 0
    if current is not None and current.state == tokens.ACTIVO:
        db.exec(update(Token).where(Token.id == current.id)
                .values(state=tokens.LIBERADO, seed_encrypted=None, ticket_hash=None,
                        state_changed_at=now))
        ended = sessions.end_sessions_using_token(db, current.id, "token_liberado", now)
    elif current is None or current.state != tokens.LIBERADO:
        current = Token(user_id=user.id, kind=tokens.VIRTUAL, state=tokens.LIBERADO,
                        state_changed_at=now, created_at=now, updated_at=now)
        db.add(current)
        db.flush()
    # an enrollment already in progress belonged to the old release: it lapses
    tv.lapse_enrollments(db, now, user_id=user.id)
    code, expires = "", ""
    if not tokens.active_tokens(db, user.id):
        code = activation.issue(db, request, now)
        expires = local_time(request.activation_expires_at)
    tv.record_event(db, user, tv.EV_LIBERADO, token=current, reason=request.reason,
                    actor_id=actor.user_id, channel=actor.channel, request_id=request.id,
                    detail="con código de activación" if code else "", now=now)
    alert_hooks.token_changed(db, user, False, now)
    audit.record(db, "token_liberacion_aprobada", company_id=actor.company_id,
                 user_id=actor.user_id, target=f"usuario:{user.username}", ip=actor.ip,
                 channel=actor.channel,
                 after={"solicitud": request.id, "codigo_activacion": bool(code),
                        "sesiones_terminadas": ended})
    return Approval(user.username, user.full_name, code, expires)


def reject(db: Session, actor: Actor, request_id: object, now: datetime | None = None) -> str:
    """Reject a release; the token stays as it was. Returns the user name."""
    now = now or utcnow()
    request, user = decide(db, actor, request_id, ts.RECHAZAR, tv.R_RECHAZADA, now)
    tv.record_event(db, user, tv.EV_RECHAZADO, reason=request.reason, actor_id=actor.user_id,
                    channel=actor.channel, request_id=request.id, now=now)
    audit.record(db, "token_liberacion_rechazada", company_id=actor.company_id,
                 user_id=actor.user_id, target=f"usuario:{user.username}", ip=actor.ip,
                 channel=actor.channel, after={"solicitud": request.id})
    return user.username
