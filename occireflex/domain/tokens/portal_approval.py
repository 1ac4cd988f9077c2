"""A release decided from the portal (Administración de Token), with the administrator's
token code: authorized or rejected, the same decision as in the App, where the enrolled
device proves the administrator (the only way when the company does not let the App
approve: Parámetros Generales y de Seguridad); or cancelled, when the administrator
withdraws a request they no longer want («Cancelar solicitud»). A cancelled request leaves
the user's token as it was: registering the release changed nothing but the request."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from occireflex.domain import audit, auth
from occireflex.domain.access import Actor
from occireflex.domain.tokens import admin as ta
from occireflex.domain.tokens import states as ts
from occireflex.domain.tokens import virtual as tv
from occireflex.models import utcnow


def _confirmed(db: Session, actor: Actor, request_id: object, code: object, verdict: str,
               now: datetime) -> None:
    ta.require_admin(db, actor, verdict)
    # another company's request, a forged id or a request no longer pending is refused
    # before any code is spent
    ta.require_open(db, ta.company_request(db, actor, request_id), now)
    auth.confirm_with_token(db, actor, code, action="token_liberacion_token_rechazado",
                            target=f"solicitud_token:{str(request_id)[:30]}", now=now)


def approve(db: Session, actor: Actor, request_id: object, code: object,
            now: datetime | None = None) -> ta.Approval:
    now = now or utcnow()
    _confirmed(db, actor, request_id, code, ts.APROBAR, now)
    return ta.approve(db, actor, request_id, now)


def reject(db: Session, actor: Actor, request_id: object, code: object,
           now: datetime | None = None) -> str:
    now = now or utcnow()
    _confirmed(db, actor, request_id, code, ts.RECHAZAR, now)
    return ta.reject(db, actor, request_id, now)


def cancel_request(db: Session, actor: Actor, request_id: object, token_code: object,
                   now: datetime | None = None) -> str:
    """«Cancelar solicitud»: an administrator of the user's company withdraws a pending
    release, confirmed with their token. Returns the user name. The caller commits."""
    now = now or utcnow()
    _confirmed(db, actor, request_id, token_code, ts.CANCELAR, now)
    request, user = ta.decide(db, actor, request_id, ts.CANCELAR, tv.R_CANCELADA, now)
    tv.record_event(db, user, tv.EV_CANCELADO, reason=request.reason, actor_id=actor.user_id,
                    channel=actor.channel, request_id=request.id,
                    detail="Cancelada por el administrador", now=now)
    audit.record(db, "token_liberacion_cancelada", company_id=actor.company_id,
                 user_id=actor.user_id, target=f"usuario:{user.username}", ip=actor.ip,
                 channel=actor.channel, before={"estado": tv.R_PENDIENTE},
                 after={"solicitud": request.id, "estado": tv.R_CANCELADA})
    return user.username
