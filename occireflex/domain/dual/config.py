"""Configuración de Autorizaciones, the screen's operations: the company's ranges and
authorizers per kind of operation, a form checked as if forged (ranges from $ 0 upwards,
each «hasta» above the previous one, the last one «sin tope», 0/1/2 authorizations; the
authorizers users of the company who hold «Transacciones Pendientes por Autorizar»), the
changes to confirm, and the save with the administrator's token, the company locked and a
stale form refused, audited before/after.

A company's first save writes the bank's default (one authorization for every amount) for
the kinds it did not edit, so they keep asking for one (``rules.ranges_of``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, delete, select

from occireflex import catalog
from occireflex.domain import access, audit, auth, money
from occireflex.domain.access import Actor, grants_for
from occireflex.domain.dual import rules
from occireflex.domain.dual.rules import KINDS, MAX_REQUIRED, Range
from occireflex.domain.errors import ValidationError
from occireflex.domain.users.reach import lock_company
from occireflex.models import AuthConfig, Authorizer, AuthRule, User, utcnow

SERVICE = catalog.CONFIGURACION_AUTORIZACIONES
MAX_RANGES = 10
MAX_AUTHORIZERS = 200
ACTION = "autorizaciones_actualizadas"
STALE = ("Otro usuario cambió la configuración de autorizaciones mientras usted la editaba: "
         "revise los valores actuales y vuelva a guardar.")
NO_CHANGES = "No hay cambios para guardar."
BAD_KIND = "Elija un tipo de operación de la lista."
BAD_RANGES = "Los rangos enviados no son válidos."
BAD_AUTHORIZERS = "Los autorizadores enviados no son válidos."
OTHER_USER = "El usuario no existe en su empresa."
ANYONE = "Cualquier usuario con «Transacciones Pendientes por Autorizar»"


@dataclass(frozen=True)
class Candidate:
    user_id: int
    username: str
    full_name: str
    listed: bool


@dataclass(frozen=True)
class KindConfig:
    kind: str
    label: str
    ranges: tuple[Range, ...]
    authorizers: tuple[int, ...]  # listed ones; empty: any holder of the inbox


@dataclass(frozen=True)
class Configuration:
    configured: bool  # False: the bank's default (no row yet)
    version: int  # 0 without a row
    kinds: tuple[KindConfig, ...]
    candidates: tuple[Candidate, ...]  # every user who may be listed (or is)


@dataclass(frozen=True)
class Draft:
    kind: str
    ranges: tuple[Range, ...]
    authorizers: tuple[int, ...]
    changes: tuple[tuple[str, str, str], ...]  # (what, before, after)


# Texts ---------------------------------------------------------------------------------

def required_text(required: int) -> str:
    return {0: "sin autorización", 1: "1 autorización"}.get(required,
                                                             f"{required} autorizaciones")


def range_text(item: Range) -> str:
    """«Hasta $ 1.000.000: 1 autorización», «Más de $ 1.000.000: 2 autorizaciones»."""
    if item.amount_from == 0 and item.amount_to is None:
        where = "Cualquier monto"
    elif item.amount_from == 0:
        where = f"Hasta {money.format_pesos(item.amount_to)}"
    else:
        low = money.format_pesos(item.amount_from - 1)
        where = (f"Más de {low}" if item.amount_to is None
                 else f"Más de {low} y hasta {money.format_pesos(item.amount_to)}")
    return f"{where}: {required_text(item.required)}"


def ranges_text(ranges: tuple[Range, ...]) -> str:
    return "; ".join(range_text(r) for r in ranges)


def _names(db: Session, ids: tuple[int, ...]) -> str:
    if not ids:
        return ANYONE
    users = db.exec(select(User.username).where(col(User.id).in_(ids))
                    .order_by(User.username)).all()
    return ", ".join(users)


# Reading -------------------------------------------------------------------------------

def _inbox_holder(db: Session, user: User) -> bool:
    return (catalog.PENDIENTES_AUTORIZAR, catalog.ACCESO) in grants_for(db, user)


def _candidates(db: Session, company_id: int, listed: set[int]) -> tuple[Candidate, ...]:
    users = db.exec(select(User).where(User.company_id == company_id)
                    .order_by(User.username)).all()
    return tuple(Candidate(u.id, u.username, u.full_name, u.id in listed) for u in users
                 if u.id in listed or (u.is_active and _inbox_holder(db, u)))


def _version(db: Session, company_id: int) -> int:
    row = rules.configured(db, company_id)
    return row.version if row is not None else 0


def configuration(db: Session, actor: Actor) -> Configuration:
    """The company's rules per kind (the bank's default without a row) and the users who
    may be chosen as authorizers."""
    access.require(db, actor, SERVICE)
    kinds, listed = [], set()
    for kind, label in KINDS.items():
        who = tuple(rules.listed_authorizers(db, actor.company_id, kind))
        listed.update(who)
        kinds.append(KindConfig(kind, label, rules.ranges_of(db, actor.company_id, kind), who))
    return Configuration(rules.configured(db, actor.company_id) is not None,
                         _version(db, actor.company_id), tuple(kinds),
                         _candidates(db, actor.company_id, listed))


# The form ------------------------------------------------------------------------------

def _kind(kind: object) -> str:
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValidationError(BAD_KIND)
    return kind


def _required(value: object, number: int) -> int:
    if isinstance(value, str) and len(value.strip()) == 1 and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_REQUIRED:
        raise ValidationError(f"Rango {number}: las autorizaciones requeridas son 0, 1 o 2.")
    return value


def _upper(value: object, number: int) -> int | None:
    """A range's «hasta»: pesos as typed (or centavos as an int); blank: sin tope."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    label = f"monto «hasta» del rango {number}"
    if isinstance(value, str):
        return money.amount(value, label)
    return money.centavos(value, label)


def parse_ranges(raw: object) -> tuple[Range, ...]:
    """The editor's rows (dicts with ``amount_to`` and ``required``) as contiguous ranges
    from $ 0; ValidationError naming the first wrong row."""
    if not isinstance(raw, list | tuple) or not raw:
        raise ValidationError("Defina al menos un rango de montos.")
    if len(raw) > MAX_RANGES:
        raise ValidationError(f"Defina como máximo {MAX_RANGES} rangos.")
    result, low = [], 0
    for number, row in enumerate(raw, start=1):
        if not isinstance(row, dict):
            raise ValidationError(BAD_RANGES)
        if "amount_from" in row and row["amount_from"] != low:
            raise ValidationError(f"Rango {number}: los rangos deben ser continuos desde $ 0.")
        required = _required(row.get("required"), number)
        upper = _upper(row.get("amount_to"), number)
        last = number == len(raw)
        if upper is None and not last:
            raise ValidationError(f"Rango {number}: solo el último rango puede quedar sin "
                                  "tope; escriba el monto «hasta».")
        if upper is not None and last:
            raise ValidationError("El último rango debe quedar sin tope (deje «hasta» en "
                                  "blanco).")
        if upper is not None and upper < low:
            raise ValidationError(f"Rango {number}: el monto «hasta» debe ser mayor que el "
                                  "del rango anterior.")
        result.append(Range(low, upper, required))
        low = upper + 1 if upper is not None else low
    return tuple(result)


def parse_authorizers(db: Session, actor: Actor, raw: object) -> tuple[int, ...]:
    """Listed authorizers: active users of the actor's company holding the inbox; another
    company's or a forged id is denied and audited."""
    if raw is None:
        return ()
    if not isinstance(raw, list | tuple) or len(raw) > MAX_AUTHORIZERS:
        raise ValidationError(BAD_AUTHORIZERS)
    chosen: set[int] = set()
    for user_id in raw:
        user = access.company_row(db, actor, User, user_id, "usuario", OTHER_USER)
        if not user.is_active or not _inbox_holder(db, user):
            raise ValidationError(f"{user.username} no puede autorizar: debe estar activo y "
                                  "tener el servicio «Transacciones Pendientes por "
                                  "Autorizar» en su perfil.")
        chosen.add(user.id)
    return tuple(sorted(chosen))


def preview_rules(db: Session, actor: Actor, kind: object, ranges: object,
                  authorizer_ids: object) -> Draft:
    """The form checked and compared with the stored rules (before the token)."""
    access.require(db, actor, SERVICE)
    kind = _kind(kind)
    wanted = parse_ranges(ranges)
    chosen = parse_authorizers(db, actor, authorizer_ids)
    if chosen and len(chosen) < 2 and any(r.required >= 2 for r in wanted):
        raise ValidationError("Un rango pide 2 autorizaciones: elija al menos 2 "
                              "autorizadores, o ninguno para que autorice cualquier usuario "
                              "con el servicio.")
    current = rules.ranges_of(db, actor.company_id, kind)
    listed = tuple(rules.listed_authorizers(db, actor.company_id, kind))
    changes = []
    if current != wanted:
        changes.append(("Rangos", ranges_text(current), ranges_text(wanted)))
    if listed != chosen:
        changes.append(("Autorizadores", _names(db, listed), _names(db, chosen)))
    if not changes and rules.configured(db, actor.company_id) is not None:
        raise ValidationError(NO_CHANGES)
    if not changes:  # the default confirmed as the company's own
        changes.append(("Rangos", ranges_text(current), ranges_text(wanted)))
    return Draft(kind, wanted, chosen, tuple(changes))


def _write(db: Session, company_id: int, kind: str, ranges: tuple[Range, ...],
           authorizers: tuple[int, ...]) -> None:
    db.exec(delete(AuthRule).where(AuthRule.company_id == company_id, AuthRule.kind == kind))
    db.exec(delete(Authorizer).where(Authorizer.company_id == company_id,
                                     Authorizer.kind == kind))
    for item in ranges:
        db.add(AuthRule(company_id=company_id, kind=kind, amount_from=item.amount_from,
                        amount_to=item.amount_to, required=item.required))
    for user_id in authorizers:
        db.add(Authorizer(company_id=company_id, kind=kind, user_id=user_id))


def save_rules(db: Session, actor: Actor, kind: object, ranges: object,
               authorizer_ids: object, version: object, token_code: object,
               now: datetime | None = None) -> Configuration:
    """«Aceptar y Confirmar»: the form checked again, the company locked, a form older than
    the stored rules refused, then the token. The caller commits."""
    now = now or utcnow()
    draft = preview_rules(db, actor, kind, ranges, authorizer_ids)
    lock_company(db, actor.company_id)
    if isinstance(version, bool) or version != _version(db, actor.company_id):
        raise ValidationError(STALE)
    auth.confirm_with_token(db, actor, token_code, action="autorizaciones_token_rechazado",
                            target=f"autorizaciones:{draft.kind}", now=now)
    lock_company(db, actor.company_id)  # a refused token rolled back; this one did not
    row = db.get(AuthConfig, actor.company_id, populate_existing=True)
    if row is None:
        row = AuthConfig(company_id=actor.company_id, version=1)
        for other in KINDS:
            if other != draft.kind:
                _write(db, actor.company_id, other, rules.DEFAULT_RANGES, ())
    else:
        row.version += 1
    row.updated_at, row.updated_by = now, actor.user_id
    db.add(row)
    _write(db, actor.company_id, draft.kind, draft.ranges, draft.authorizers)
    db.flush()
    audit.record(db, ACTION, company_id=actor.company_id, user_id=actor.user_id,
                 target=f"autorizaciones:{draft.kind}",
                 before={f"{KINDS[draft.kind]} - {what}": b for what, b, _ in draft.changes},
                 after={f"{KINDS[draft.kind]} - {what}": a for what, _, a in draft.changes},
                 ip=actor.ip, channel=actor.channel)
    return configuration(db, actor)
