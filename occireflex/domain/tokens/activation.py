"""Activation codes: the App's second factor for a user left with no active token.

When the administrator authorizes a release in the App and the user is left with no
active token, the App shows an 8-digit code once; the administrator hands it over in
person. It is valid for 10 minutes and for one App login only; the database keeps only
its keyed digest. A newer code replaces any unused older one.
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from occireflex.domain import security
from occireflex.models import TokenEvent, TokenRequest

ACTIVATION_TTL = timedelta(minutes=10)
USED_EVENT = "codigo_activacion_usado"  # its line in Consulta de Token
_CODE_RE = re.compile(r"[0-9]{8}")


def normalize(code: object) -> str | None:
    """«1234 5678» or «12345678» → «12345678»; None when it is not 8 ASCII digits."""
    if not isinstance(code, str):
        return None
    compact = code.replace(" ", "").replace("-", "")
    return compact if _CODE_RE.fullmatch(compact) else None


def _digest(user_id: int, code: str) -> str:
    return security.keyed_digest(f"activacion:{user_id}:{code}")


def issue(db: Session, request: TokenRequest, now: datetime,
          ttl: timedelta = ACTIVATION_TTL) -> str:
    """A fresh code bound to this (approved) request, valid ``ttl`` (a new user's first
    code lasts as long as their temporary password); older unused codes stop working."""
    db.exec(update(TokenRequest)
            .where(TokenRequest.user_id == request.user_id,
                   TokenRequest.activation_hash.is_not(None),
                   TokenRequest.activation_used_at.is_(None))
            .values(activation_hash=None))
    code = f"{secrets.randbelow(10**8):08d}"
    request.activation_hash = _digest(request.user_id, code)
    request.activation_expires_at = now + ttl
    db.add(request)
    return code


def consume(db: Session, user_id: int, code: object, now: datetime) -> TokenRequest | None:
    """The request whose live code this is, marking it used (once, compare-and-set)."""
    clean = normalize(code)
    if clean is None:
        return None
    digest = _digest(user_id, clean)
    rows = db.exec(select(TokenRequest).where(
        TokenRequest.user_id == user_id, TokenRequest.activation_hash.is_not(None),
        TokenRequest.activation_used_at.is_(None))).all()
    for row in rows:
        if not hmac.compare_digest(row.activation_hash, digest):
            continue
        if row.activation_expires_at is None or row.activation_expires_at <= now:
            return None
        used = db.exec(update(TokenRequest)
                       .where(TokenRequest.id == row.id, TokenRequest.activation_used_at.is_(None))
                       .values(activation_used_at=now, activation_hash=None))
        if used.rowcount != 1:
            return None
        db.add(TokenEvent(company_id=row.company_id, user_id=user_id, kind="virtual",
                          event=USED_EVENT, actor_id=user_id, channel="app",
                          request_id=row.id, created_at=now,
                          detail="Ingreso a la App para enrolar el dispositivo"))
        return row
    return None


def revoke(db: Session, user_id: int) -> None:
    """Unused codes of the user stop working (the token was blocked)."""
    db.exec(update(TokenRequest)
            .where(TokenRequest.user_id == user_id, TokenRequest.activation_hash.is_not(None),
                   TokenRequest.activation_used_at.is_(None))
            .values(activation_hash=None))

