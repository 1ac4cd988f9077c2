"""Límites por usuario y servicio, the screen's operations: the company's rows (the
company's default, ``user_id`` None, and each user's own row) per kind of operation, a
form checked as if forged (amounts in pesos → centavos, counts whole numbers, 0 = sin
límite), the changes to confirm, and the save or the removal of a row with the
administrator's token, audited before/after. A user's own row replaces the company's one
(``limits.limits_for``); removing it brings the company's back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from occireflex import catalog
from occireflex.domain import access, audit, auth, money
from occireflex.domain.access import Actor
from occireflex.domain.dual.limits import FIELDS, LABELS, Limits
from occireflex.domain.dual.rules import KINDS
from occireflex.domain.errors import ValidationError
from occireflex.domain.fields import ascii_int
from occireflex.domain.users.reach import lock_company
from occireflex.models import User, UserLimit, utcnow

SERVICE = catalog.CONFIGURACION_AUTORIZACIONES
SAVED = "limites_actualizados"
COMPANY = "Empresa (todos los usuarios)"
AMOUNTS = ("per_operation", "day_amount", "month_amount")
COUNTS = ("day_count", "month_count")
MAX_COUNT = 1_000_000
NO_CHANGES = "No hay cambios para guardar."
NOTHING_TO_CLEAR = "No hay límites propios que eliminar para esta selección."
OTHER_USER = "El usuario no existe en su empresa."
BAD_KIND = "Elija un tipo de operación de la lista."


@dataclass(frozen=True)
class LimitRow:
    user_id: int | None
    who: str  # username, or COMPANY
    kind: str
    kind_label: str
    values: dict[str, str]  # by field, as shown


def shown(values: Limits | dict[str, int]) -> dict[str, str]:
    get = values.get if isinstance(values, dict) else lambda f: getattr(values, f)
    result = {}
    for name in FIELDS:
        value = get(name) or 0
        result[name] = "Sin límite" if not value else (
            money.format_pesos(value) if name in AMOUNTS else str(value))
    return result


def _values(row: UserLimit | None) -> dict[str, int]:
    return {f: (getattr(row, f) if row is not None else 0) for f in FIELDS}


def rows(db: Session, actor: Actor) -> list[LimitRow]:
    """Every stored row of the company: the company's first, then by user and kind."""
    access.require(db, actor, SERVICE)
    found = db.exec(select(UserLimit, User.username).join(
        User, col(UserLimit.user_id) == User.id, isouter=True).where(
        UserLimit.company_id == actor.company_id)).all()
    kinds = list(KINDS)
    ordered = sorted(found, key=lambda pair: (pair[0].user_id is not None, pair[1] or "",
                                              kinds.index(pair[0].kind)
                                              if pair[0].kind in kinds else 99))
    return [LimitRow(r.user_id, name or COMPANY, r.kind, KINDS.get(r.kind, r.kind),
                     shown(_values(r))) for r, name in ordered]


def users(db: Session, actor: Actor) -> list[tuple[int, str]]:
    """The company's users a limit may name: (id, username)."""
    access.require(db, actor, SERVICE)
    return [(i, n) for i, n in db.exec(select(User.id, User.username).where(
        User.company_id == actor.company_id).order_by(User.username)).all()]


def _target(db: Session, actor: Actor, user_id: object) -> User | None:
    if user_id is None:
        return None
    return access.company_row(db, actor, User, user_id, "usuario", OTHER_USER)


def _kind(kind: object) -> str:
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValidationError(BAD_KIND)
    return kind


def _row(db: Session, company_id: int, user_id: int | None, kind: str) -> UserLimit | None:
    user = (col(UserLimit.user_id).is_(None) if user_id is None
            else col(UserLimit.user_id) == user_id)
    return db.exec(select(UserLimit).where(UserLimit.company_id == company_id,
                                           UserLimit.kind == kind, user)
                   .order_by(UserLimit.id)).first()


def stored(db: Session, actor: Actor, user_id: object, kind: object
           ) -> tuple[dict[str, int], bool]:
    """The values of the row the form edits (the user's own, else zeros) and whether it
    exists."""
    access.require(db, actor, SERVICE)
    target = _target(db, actor, user_id)
    row = _row(db, actor.company_id, target.id if target else None, _kind(kind))
    return _values(row), row is not None


def _amount(value: object, name: str) -> int:
    if value is None or (isinstance(value, str) and value.strip() in ("", "0")):
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        return 0 if value == 0 else money.centavos(value, f"«{LABELS[name]}»")
    return money.amount(value, f"«{LABELS[name]}»")


def _count(value: object, name: str) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    number = ascii_int(value, max_digits=7)
    if number is None or not 0 <= number <= MAX_COUNT:
        raise ValidationError(f"«{LABELS[name]}» debe ser un número entero entre 0 y "
                              f"{money.thousands(MAX_COUNT)} (0 = sin límite).")
    return number


def parse(raw: object) -> dict[str, int]:
    """The form's five values (amounts in pesos, counts whole numbers; blank or 0: sin
    límite); ValidationError naming the first wrong field."""
    if not isinstance(raw, dict):
        raise ValidationError("Los límites enviados no son válidos.")
    return {name: (_amount if name in AMOUNTS else _count)(raw.get(name), name)
            for name in FIELDS}


def preview_limits(db: Session, actor: Actor, user_id: object, kind: object, values: object
                   ) -> tuple[tuple[str, str, str], ...]:
    """The changes (field's label, before, after) the form would make."""
    access.require(db, actor, SERVICE)
    kind = _kind(kind)
    target = _target(db, actor, user_id)
    wanted = parse(values)
    row = _row(db, actor.company_id, target.id if target else None, kind)
    before, after = shown(_values(row)), shown(wanted)
    changes = tuple((LABELS[f], before[f], after[f]) for f in FIELDS if before[f] != after[f])
    if not changes and row is not None:
        raise ValidationError(NO_CHANGES)
    return changes


def _who(target: User | None) -> str:
    return target.username if target is not None else "empresa"


def save_limits(db: Session, actor: Actor, user_id: object, kind: object, values: object,
                token_code: object, now: datetime | None = None) -> None:
    """Write the company's row (``user_id`` None) or a user's own row, with the token.
    The caller commits."""
    now = now or utcnow()
    preview_limits(db, actor, user_id, kind, values)
    kind, wanted = _kind(kind), parse(values)
    target = _target(db, actor, user_id)
    label = f"limites:{_who(target)}:{kind}"
    auth.confirm_with_token(db, actor, token_code, action="limites_token_rechazado",
                            target=label, now=now)
    lock_company(db, actor.company_id)  # one company row, even with NULL user ids
    row = _row(db, actor.company_id, target.id if target else None, kind)
    before = shown(_values(row))
    if row is None:
        row = UserLimit(company_id=actor.company_id, user_id=target.id if target else None,
                        kind=kind)
    for name, value in wanted.items():
        setattr(row, name, value)
    row.updated_at, row.updated_by = now, actor.user_id
    db.add(row)
    db.flush()
    after = shown(wanted)
    audit.record(db, SAVED, company_id=actor.company_id, user_id=actor.user_id, target=label,
                 before={LABELS[f]: before[f] for f in FIELDS if before[f] != after[f]},
                 after={LABELS[f]: after[f] for f in FIELDS if before[f] != after[f]},
                 ip=actor.ip, channel=actor.channel)


def clear_limits(db: Session, actor: Actor, user_id: object, kind: object,
                 token_code: object, now: datetime | None = None) -> None:
    """Remove a user's own row (the company's applies again) or, with ``user_id`` None,
    the company's row (sin límite), with the token. The caller commits."""
    now = now or utcnow()
    access.require(db, actor, SERVICE)
    kind = _kind(kind)
    target = _target(db, actor, user_id)
    if _row(db, actor.company_id, target.id if target else None, kind) is None:
        raise ValidationError(NOTHING_TO_CLEAR)
    label = f"limites:{_who(target)}:{kind}"
    auth.confirm_with_token(db, actor, token_code, action="limites_token_rechazado",
                            target=label, now=now)
    lock_company(db, actor.company_id)
    row = _row(db, actor.company_id, target.id if target else None, kind)
    if row is None:  # removed meanwhile
        raise ValidationError(NOTHING_TO_CLEAR)
    before = shown(_values(row))
    db.delete(row)
    db.flush()
    audit.record(db, SAVED, company_id=actor.company_id, user_id=actor.user_id,
                 target=label, before={LABELS[f]: before[f] for f in FIELDS},
                 after={"Límites": "Eliminados: aplican los de la empresa" if target
                        else "Eliminados: sin límite"}, ip=actor.ip, channel=actor.channel)
