"""A release authorized or rejected from the portal (Administración de Token), with the
administrator's token code: the same decision as in the App, where the enrolled device
proves the administrator. The only way when the company does not let the App approve
(Parámetros Generales y de Seguridad)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from occireflex.domain import auth
from occireflex.domain.access import Actor, company_row
from occireflex.domain.tokens import admin as ta
from occireflex.domain.tokens import states as ts
from occireflex.models import TokenRequest, utcnow


def _confirmed(db: Session, actor: Actor, request_id: object, code: object, verdict: str,
               now: datetime) -> None:
    ta.require_admin(db, actor, verdict)
    # another company's request (or a forged id) is refused before any code is spent
    company_row(db, actor, TokenRequest, request_id, "solicitud_token", ta.REQUEST_NOT_FOUND)
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
