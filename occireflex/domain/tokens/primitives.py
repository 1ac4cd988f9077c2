"""Token primitives: issue, verify with replay protection, current code.

The virtual token's lifecycle (release, block, enrollment) is in ``admin.py``,
``virtual.py`` and ``device.py``, its rules in ``states.py``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, update
from sqlmodel import Session, select

from occireflex.domain import security
from occireflex.models import Token, User, utcnow

FISICO = "fisico"
VIRTUAL = "virtual"
ACTIVO = "activo"
BLOQUEADO = "bloqueado"
LIBERADO = "liberado"
INHABILITADO = "inhabilitado"  # a physical token after the virtual one is activated
POR_ACTIVAR = "por_activar"  # a virtual token enrolled in the App, not yet confirmed
VENCIDO = "vencido"  # an enrollment not confirmed in time


def issue_physical_token(db: Session, user: User, serial: str) -> Token:
    token = Token(
        user_id=user.id,
        kind=FISICO,
        state=ACTIVO,
        serial=serial,
        seed_encrypted=security.encrypt_seed(security.new_seed()),
    )
    db.add(token)
    db.flush()
    return token


def active_tokens(db: Session, user_id: int) -> list[Token]:
    return list(
        db.exec(select(Token).where(Token.user_id == user_id, Token.state == ACTIVO)).all()
    )


def verify_code(db: Session, user_id: int, code: str, now: datetime | None = None) -> Token | None:
    """The active token that produced ``code``, consuming its time step; None otherwise.

    Each time step is accepted once: the compare-and-set on ``last_step`` runs in the
    caller's transaction, so two concurrent submissions of one code cannot both pass.
    """
    now = now or utcnow()
    if not security.is_code_format(code):
        return None
    for token in active_tokens(db, user_id):
        if token.seed_encrypted is None:
            continue
        step = security.matching_step(security.decrypt_seed(token.seed_encrypted), code, now)
        if step is None:
            continue
        result = db.exec(
            update(Token)
            .where(Token.id == token.id, or_(Token.last_step.is_(None), Token.last_step < step))
            .values(last_step=step, updated_at=now)
        )
        if result.rowcount == 1:
            db.refresh(token)
            return token
        return None  # replay of an already accepted (or older) step
    return None


def current_code(token: Token, now: datetime | None = None) -> str:
    """The code the device shows now (the key-fob simulator, tests, the App)."""
    if token.seed_encrypted is None:
        raise ValueError("token sin semilla")
    seed = security.decrypt_seed(token.seed_encrypted)
    return security.code_at_step(seed, security.time_step(now or utcnow()))
