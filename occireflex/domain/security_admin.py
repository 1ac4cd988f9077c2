"""Parámetros Generales y de Seguridad: the company's values shown, validated against the
bank's limits (each error names its field), confirmed with the token and audited with
before and after. A form older than the stored values is refused. The values apply at the
next event that needs them (``security_params``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import datetime

from sqlmodel import Session, select

from occireflex import catalog
from occireflex.domain import access, audit, auth, money
from occireflex.domain.access import Actor
from occireflex.domain.errors import ValidationError
from occireflex.domain.security_params import (
    DAY_NAMES,
    Limits,
    Params,
    clock_text,
    days_text,
    is_open,
    limits,
    of_company,
)
from occireflex.models import SecurityParams, utcnow

SERVICE = catalog.PARAMETROS_SEGURIDAD
STALE = ("Otro usuario cambió los parámetros mientras usted los editaba: revise los valores "
         "actuales y vuelva a guardar.")
NO_CHANGES = "No hay cambios para guardar."
_CLOCK = re.compile(r"([01][0-9]|2[0-4]):([0-5][0-9])")

LABELS = {
    "idle_minutes": "Tiempo máximo de inactividad",
    "absolute_minutes": "Duración máxima de la sesión",
    "max_failed_attempts": "Intentos fallidos antes del bloqueo",
    "min_password_length": "Longitud mínima de la clave",
    "password_expiry_days": "Vencimiento de la clave",
    "allowed_days": "Días de operación",
    "open_from": "Hora inicial",
    "open_until": "Hora final",
    "app_may_approve": "Autorizaciones desde la App",
    "token_free_up_to": "Pagos sin volver a pedir token hasta",
}


@dataclass(frozen=True)
class Draft:
    params: Params
    changes: tuple[tuple[str, str, str], ...]  # (field's label, before, after)
    closes_now: bool  # the new days and hours exclude this moment


def shown(params: Params) -> dict[str, str]:
    """Each parameter as the screen, the confirmation and the audit show it."""
    return {
        "idle_minutes": f"{params.idle_minutes} minutos",
        "absolute_minutes": f"{params.absolute_minutes} minutos",
        "max_failed_attempts": str(params.max_failed_attempts),
        "min_password_length": f"{params.min_password_length} caracteres",
        "password_expiry_days": (f"{params.password_expiry_days} días"
                                 if params.password_expiry_days else "Sin vencimiento"),
        "allowed_days": days_text(params.allowed_days).capitalize(),
        "open_from": clock_text(params.open_from),
        "open_until": clock_text(params.open_until),
        "app_may_approve": "Sí" if params.app_may_approve else "No",
        "token_free_up_to": (money.format_pesos(params.token_free_up_to)
                             if params.token_free_up_to else "Siempre se pide token"),
    }


def view(db: Session, actor: Actor) -> tuple[Params, Limits]:
    access.require(db, actor, SERVICE)
    return of_company(db, actor.company_id), limits()


def _whole(raw: dict, key: str, bounds: tuple[int, int], unit: str) -> int:
    value = raw.get(key)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() \
            and len(value.strip()) <= 6:
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) \
            or not bounds[0] <= value <= bounds[1]:
        raise ValidationError(f"«{LABELS[key]}» debe ser un número entre {bounds[0]} y "
                              f"{bounds[1]} {unit}.")
    return value


def _expiry(raw: dict, bounds: tuple[int, int]) -> int:
    try:
        return 0 if raw.get("password_expiry_days") in (0, "0", "") else _whole(
            raw, "password_expiry_days", bounds, "días")
    except ValidationError:
        raise ValidationError(f"«{LABELS['password_expiry_days']}» es 0 (sin vencimiento) o "
                              f"un número de días entre {bounds[0]} y {bounds[1]}.") from None


def _days(raw: dict) -> str:
    value = raw.get("allowed_days")
    if not isinstance(value, list | tuple) or len(value) > 7:
        raise ValidationError("Elija al menos un día de operación.")
    days = set()
    for item in value:
        day = item if isinstance(item, int) and not isinstance(item, bool) else (
            int(item) if isinstance(item, str) and item in "0123456" and len(item) == 1
            else -1)
        if not 0 <= day <= 6:
            raise ValidationError("Los días de operación no son válidos.")
        days.add(day)
    if not days:
        raise ValidationError("Elija al menos un día de operación.")
    return "".join(str(d) for d in sorted(days))


def _minute(raw: dict, key: str) -> int:
    value = raw.get(key)
    match = _CLOCK.fullmatch(value.strip()) if isinstance(value, str) else None
    minute = int(match.group(1)) * 60 + int(match.group(2)) if match else -1
    if not 0 <= minute <= 24 * 60:
        raise ValidationError(f"«{LABELS[key]}» debe ser una hora entre 00:00 y 24:00 "
                              "(HH:MM).")
    return minute


def _token_free(raw: dict, ceiling: int) -> int:
    value = raw.get("token_free_up_to")
    if value in (None, "", "0", 0):
        return 0
    amount = money.amount(value, "monto de pagos sin token")
    if amount > ceiling:
        raise ValidationError(f"«{LABELS['token_free_up_to']}» no puede superar "
                              f"{money.format_pesos(ceiling)}, el límite del banco.")
    return amount


def parse(raw: object) -> Params:
    """The form's values as Params; ValidationError naming the first field that is wrong."""
    if not isinstance(raw, dict):
        raise ValidationError("Los parámetros enviados no son válidos.")
    bank = limits()
    idle = _whole(raw, "idle_minutes", bank.idle, "minutos")
    absolute = _whole(raw, "absolute_minutes", bank.absolute, "minutos")
    if absolute < idle:
        raise ValidationError(f"«{LABELS['absolute_minutes']}» no puede ser menor que el "
                              f"«{LABELS['idle_minutes']}».")
    params = Params(
        idle_minutes=idle, absolute_minutes=absolute,
        max_failed_attempts=_whole(raw, "max_failed_attempts", bank.attempts, "intentos"),
        min_password_length=_whole(raw, "min_password_length", bank.password, "caracteres"),
        password_expiry_days=_expiry(raw, bank.expiry),
        allowed_days=_days(raw),
        open_from=_minute(raw, "open_from"), open_until=_minute(raw, "open_until"),
        app_may_approve=raw.get("app_may_approve") is True,
        token_free_up_to=_token_free(raw, bank.token_free_max))
    if params.open_from >= params.open_until:
        raise ValidationError(f"La «{LABELS['open_until']}» debe ser posterior a la "
                              f"«{LABELS['open_from']}».")
    if not isinstance(raw.get("app_may_approve"), bool):
        raise ValidationError(f"Indique si se permiten las {LABELS['app_may_approve']}.")
    return params


def preview(db: Session, actor: Actor, raw: object, now: datetime | None = None) -> Draft:
    """The new values checked and compared with the stored ones (before the token)."""
    access.require(db, actor, SERVICE)
    current = of_company(db, actor.company_id)
    wanted = replace(parse(raw), version=current.version)
    before, after = shown(current), shown(wanted)
    changes = tuple((LABELS[f.name], before[f.name], after[f.name]) for f in fields(Params)
                    if f.name in LABELS and getattr(current, f.name) != getattr(wanted, f.name))
    if not changes:
        raise ValidationError(NO_CHANGES)
    return Draft(wanted, changes, not is_open(wanted, now or utcnow()))


def save(db: Session, actor: Actor, raw: object, expected_version: object, code: object,
         now: datetime | None = None) -> Params:
    """«Aceptar y Confirmar»: refused when the form is older than the stored values, then
    the token; the row locked while it changes. The caller commits."""
    now = now or utcnow()
    draft = preview(db, actor, raw, now)
    row = db.exec(select(SecurityParams).where(SecurityParams.company_id == actor.company_id)
                  .with_for_update()).first()
    if (row.version if row else 0) != expected_version or isinstance(expected_version, bool):
        raise ValidationError(STALE)
    auth.confirm_with_token(db, actor, code, action="parametros_token_rechazado",
                            target="parametros", now=now)
    row = db.get(SecurityParams, actor.company_id)  # the token's refusal may have rolled back
    before = shown(of_company(db, actor.company_id))
    values = {f.name: getattr(draft.params, f.name) for f in fields(Params)
              if f.name != "version"}
    if row is None:
        row = SecurityParams(company_id=actor.company_id, version=1, **values)
    else:
        for name, value in values.items():
            setattr(row, name, value)
        row.version += 1
    row.updated_at, row.updated_by = now, actor.user_id
    db.add(row)
    db.flush()
    after = shown(draft.params)
    audit.record(db, "parametros_actualizados", company_id=actor.company_id,
                 user_id=actor.user_id, target="parametros",
                 before={LABELS[k]: v for k, v in before.items() if v != after[k]},
                 after={LABELS[k]: v for k, v in after.items() if v != before[k]},
                 ip=actor.ip, channel=actor.channel)
    return of_company(db, actor.company_id)


def day_choices() -> list[tuple[str, str]]:
    return [(str(i), name.capitalize()) for i, name in enumerate(DAY_NAMES)]
