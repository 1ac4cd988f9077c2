"""Configuración de Autorizaciones as the rest of the domain applies it: how many
authorizations an operation needs (0, 1 or 2, by kind and amount) and who may give them.

A company that never saved its configuration has the bank's default: one authorization for
every operation of every kind, by any user holding «Transacciones Pendientes por
Autorizar» who did not prepare it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from occireflex import catalog
from occireflex.domain.access import grants_for
from occireflex.models import AuthConfig, Authorizer, AuthRule, User

PAGO, PROGRAMACION, ARCHIVO = "pago", "programacion", "archivo"
KINDS: dict[str, str] = {
    PAGO: "Pago de facturas",
    PROGRAMACION: "Programación automática",
    ARCHIVO: "Carga Programación Automática (archivo)",
}
DEFAULT_REQUIRED = 1
MAX_REQUIRED = 2
INBOX = catalog.PENDIENTES_AUTORIZAR


@dataclass(frozen=True)
class Range:
    amount_from: int  # centavos, inclusive
    amount_to: int | None  # centavos, inclusive; None: sin tope
    required: int

    def holds(self, amount: int) -> bool:
        return self.amount_from <= amount and (self.amount_to is None or amount <= self.amount_to)


DEFAULT_RANGES = (Range(0, None, DEFAULT_REQUIRED),)


def configured(db: Session, company_id: int) -> AuthConfig | None:
    return db.get(AuthConfig, company_id)


def ranges_of(db: Session, company_id: int, kind: str) -> tuple[Range, ...]:
    if configured(db, company_id) is None:
        return DEFAULT_RANGES
    rows = db.exec(select(AuthRule).where(AuthRule.company_id == company_id,
                                          AuthRule.kind == kind)
                   .order_by(AuthRule.amount_from)).all()
    return tuple(Range(r.amount_from, r.amount_to, r.required) for r in rows) or (
        Range(0, None, 0),)


def required_for(db: Session, company_id: int, kind: str, amount: int) -> int:
    """Authorizations an operation of ``kind`` and ``amount`` centavos needs."""
    for item in ranges_of(db, company_id, kind):
        if item.holds(amount):
            return item.required
    return DEFAULT_REQUIRED  # a gap can't be saved; never let one waive control


def listed_authorizers(db: Session, company_id: int, kind: str) -> list[int]:
    return list(db.exec(select(Authorizer.user_id).where(
        Authorizer.company_id == company_id, Authorizer.kind == kind)
        .order_by(Authorizer.user_id)).all())


def _holds_inbox(db: Session, user: User) -> bool:
    return (INBOX, catalog.ACCESO) in grants_for(db, user)


def may_authorize(db: Session, company_id: int, kind: str, user: User) -> bool:
    """The company lets ``user`` authorize ``kind`` (the preparer rule is the caller's)."""
    if user.company_id != company_id or not user.is_active or not _holds_inbox(db, user):
        return False
    listed = listed_authorizers(db, company_id, kind)
    return not listed or user.id in listed


def authorizers(db: Session, company_id: int, kind: str, *, besides: int | None = None
                ) -> list[User]:
    """Every active user who may authorize ``kind`` now, but ``besides`` (the preparer)."""
    listed = listed_authorizers(db, company_id, kind)
    query = select(User).where(User.company_id == company_id, col(User.is_active).is_(True))
    if listed:
        query = query.where(col(User.id).in_(listed))
    users = db.exec(query.order_by(User.id)).all()
    return [u for u in users if u.id != besides and _holds_inbox(db, u)]
