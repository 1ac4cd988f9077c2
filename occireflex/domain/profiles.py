"""Perfiles (seed 001): list, create, modify with token confirmation, delete, assign.

Rules:
- Only administrators, or users whose own profile grants the Perfiles service, may act;
  every function checks it. A non-administrator manages only inside their own grants
  (``ensure_within_reach``): they never change, delete or (un)assign a profile that holds
  an action their own profile lacks, never grant such an action, and never touch the
  profile they hold themselves.
- Any action on a service implies «Acceso Funcionalidad».
- Names: 3–50 characters, unique per company ignoring case and accents.
- Saving is confirmed with the actor's token code; profile + grants + audit (with the diff)
  are written in one transaction, guarded by the profile's version (no silent overwrite).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from occireflex import catalog
from occireflex.domain import audit, auth, fields, security
from occireflex.domain.access import Actor, deny, require
from occireflex.domain.bogota import local_date
from occireflex.domain.errors import DomainError, ValidationError
from occireflex.domain.paging import offset, page_number, page_size_of
from occireflex.models import Grant, Profile, User, utcnow

PERFILES = catalog.PERFILES
NAME_MIN, NAME_MAX, DESCRIPTION_MAX = 3, 50, 200

TOKEN_INVALID = auth.TOKEN_INVALID
NOT_FOUND = "El perfil no existe."


class VersionConflict(DomainError):
    """Another administrator saved the profile after it was opened."""


GrantSet = frozenset[tuple[str, str]]


@dataclass(frozen=True)
class ProfileRow:
    id: int
    name: str
    updated: str  # YYYY/MM/DD (America/Bogota)
    is_active: bool
    manageable: bool = True  # within the actor's reach (see ``reach_problem``)


@dataclass(frozen=True)
class ProfileData:
    name: str
    description: str
    is_active: bool


@dataclass(frozen=True)
class ProfileDetail:
    id: int
    data: ProfileData
    version: int
    updated: str
    grants: GrantSet
    users: tuple[tuple[int, str, str], ...]  # (id, username, full name)
    reach_problem: str = ""  # why the actor may not change it ("" when they may)


@dataclass(frozen=True)
class Preview:
    """What the confirmation step shows (seed 001 step 4)."""

    data: ProfileData
    grants: GrantSet
    added: GrantSet
    removed: GrantSet
    users_count: int
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)  # field → (old, new)


def _require_manager(db: Session, actor: Actor, action: str = catalog.ACCESO) -> None:
    require(db, actor, PERFILES, action)


def _own_profile(db: Session, actor: Actor, profile_id: object) -> Profile:
    if not isinstance(profile_id, int) or isinstance(profile_id, bool):
        deny(db, actor, f"perfil:{str(profile_id)[:40]}", NOT_FOUND)
    profile = db.get(Profile, profile_id)
    if profile is None or profile.company_id != actor.company_id:
        deny(db, actor, f"perfil:{profile_id}", NOT_FOUND)
    return profile


def _search_conditions(actor: Actor, search: object) -> list:
    conditions = [Profile.company_id == actor.company_id]
    key = security.fold(search)[:50] if isinstance(search, str) else ""
    if key:
        conditions.append(col(Profile.name_key).like(security.contains_pattern(key),
                                                      escape="\\"))
    return conditions


def list_profiles(
    db: Session, actor: Actor, search: object = "", page: object = 1, page_size: object = 10
) -> tuple[list[ProfileRow], int]:
    """One page of the company's profiles, ordered by name; paging and search in SQL."""
    _require_manager(db, actor, catalog.CONSULTAR)
    size = page_size_of(page_size)
    page_no = page_number(page)
    conditions = _search_conditions(actor, search)
    total = db.exec(select(func.count()).select_from(Profile).where(*conditions)).one()
    rows = db.exec(
        select(Profile).where(*conditions).order_by(Profile.name_key, Profile.id)
        .offset(offset(page_no, size)).limit(size)
    ).all()
    reachable = _reachable_ids(db, actor, [p.id for p in rows])
    return [ProfileRow(p.id, p.name, local_date(p.updated_at), p.is_active, p.id in reachable)
            for p in rows], total


def _reachable_ids(db: Session, actor: Actor, profile_ids: list[int]) -> set[int]:
    """Which of these profiles the actor may change (one grants query for the page)."""
    if actor.is_admin:
        return set(profile_ids)
    held: dict[int, set[tuple[str, str]]] = {pid: set() for pid in profile_ids}
    for pid, service, action in db.exec(select(
            Grant.profile_id, Grant.service_code, Grant.action_code).where(
            col(Grant.profile_id).in_(profile_ids))).all():
        held[pid].add((service, action))
    own = db.get(User, actor.user_id)
    own_id = own.profile_id if own else None
    return {pid for pid, grants in held.items()
            if reach_problem(actor, own_id, pid, frozenset(grants)) is None}


def grants_of(db: Session, profile_id: int) -> GrantSet:
    rows = db.exec(select(Grant.service_code, Grant.action_code).where(
        Grant.profile_id == profile_id)).all()
    return frozenset((s, a) for s, a in rows)


def _holders(db: Session, profile_id: int) -> list[User]:
    return list(db.exec(select(User).where(User.profile_id == profile_id)
                        .order_by(User.username)).all())


def get_profile(db: Session, actor: Actor, profile_id: object) -> ProfileDetail:
    _require_manager(db, actor, catalog.CONSULTAR)
    profile = _own_profile(db, actor, profile_id)
    grants = grants_of(db, profile.id)
    own = db.get(User, actor.user_id)
    return ProfileDetail(
        id=profile.id,
        data=ProfileData(profile.name, profile.description, profile.is_active),
        version=profile.version,
        updated=local_date(profile.updated_at),
        grants=grants,
        users=tuple((u.id, u.username, u.full_name) for u in _holders(db, profile.id)),
        reach_problem=reach_problem(actor, own.profile_id if own else None, profile.id,
                                    grants) or "",
    )


def normalize_grants(pairs: Iterable[object]) -> GrantSet:
    """Validate (service, action) pairs against the catalog and add the implied access."""
    result: set[tuple[str, str]] = set()
    for pair in pairs:
        if (not isinstance(pair, tuple | list) or len(pair) != 2
                or not catalog.is_valid_grant(pair[0], pair[1])):
            raise ValidationError("La asignación de acciones contiene un servicio o acción no "
                                  "válido.")
        result.add((pair[0], pair[1]))
    result |= {(service, catalog.ACCESO) for service, _ in result}
    return frozenset(result)


def grants_from_ids(ids: Iterable[object]) -> GrantSet:
    pairs = []
    for i in ids:
        if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(catalog.GRANT_PAIRS):
            raise ValidationError("La asignación de acciones contiene un valor no válido.")
        pairs.append(catalog.GRANT_PAIRS[i])
    return normalize_grants(pairs)


def validate_data(db: Session, actor: Actor, data: object, profile_id: int | None) -> ProfileData:
    if not isinstance(data, ProfileData):
        raise ValidationError("Datos del perfil no válidos.")
    name = fields.name(data.name, label="el Nombre Perfil", min_len=NAME_MIN, max_len=NAME_MAX)
    description = fields.optional_text(data.description, label="la Descripción",
                                       max_len=DESCRIPTION_MAX)
    if not isinstance(data.is_active, bool):
        raise ValidationError("Seleccione el Estado del perfil.")
    clash = db.exec(select(Profile.id).where(
        Profile.company_id == actor.company_id, Profile.name_key == security.fold(name),
        Profile.id != (profile_id or -1))).first()
    if clash is not None:
        raise ValidationError(f"Ya existe un perfil con el nombre «{name}» en su empresa.")
    return ProfileData(name, description, data.is_active)


def _services_named(pairs: Iterable[tuple[str, str]], most: int = 6) -> str:
    labels = sorted({catalog.SERVICES_BY_CODE[service].label for service, _ in pairs})
    shown = ", ".join(labels[:most])
    return shown if len(labels) <= most else f"{shown} y {len(labels) - most} servicio(s) más"


def reach_problem(actor: Actor, own_profile_id: int | None, profile_id: int | None,
                  held: GrantSet, granted: GrantSet = frozenset()) -> str | None:
    """Why a non-administrator may not touch this profile, or None when they may.

    ``held`` are the profile's grants today (nothing for a new profile) and ``granted``
    those it would receive. The manager's reach is their own grants: a profile holding
    anything beyond it is not theirs to change, rename, deactivate, delete or hand out,
    and the profile they hold themselves is never theirs to change.
    """
    if actor.is_admin:
        return None
    if profile_id is not None and profile_id == own_profile_id:
        return "No puede modificar el perfil que usted mismo tiene asignado."
    if beyond := held - actor.grants:
        return ("No puede modificar, eliminar ni asignar este perfil: tiene acciones que su "
                f"propio perfil no tiene ({_services_named(beyond)}).")
    if beyond := granted - actor.grants:
        return ("No puede otorgar acciones que su propio perfil no tiene: "
                f"{_services_named(beyond)}.")
    return None


def ensure_within_reach(db: Session, actor: Actor, profile_id: int | None,
                        granted: GrantSet = frozenset()) -> None:
    """The one check of every profile operation (see ``reach_problem``); denies and audits."""
    if actor.is_admin:
        return
    own = db.get(User, actor.user_id)
    held = grants_of(db, profile_id) if profile_id is not None else frozenset()
    problem = reach_problem(actor, own.profile_id if own else None, profile_id, held, granted)
    if problem:
        deny(db, actor, f"perfil:{profile_id}:fuera_de_alcance", problem)


def preview(db: Session, actor: Actor, profile_id: int | None, data: object,
            grants: GrantSet) -> Preview:
    """Validate a create/modify and describe it for the confirmation step."""
    _require_manager(db, actor)
    clean = validate_data(db, actor, data, profile_id)
    if profile_id is None:
        old_grants: GrantSet = frozenset()
        users_count = 0
        changes = {}
    else:
        profile = _own_profile(db, actor, profile_id)
        old_grants = grants_of(db, profile.id)
        users_count = len(_holders(db, profile.id))
        changes = {
            k: (str(old), str(new)) for k, old, new in (
                ("Nombre Perfil", profile.name, clean.name),
                ("Descripción", profile.description, clean.description),
                ("Estado", _state(profile.is_active), _state(clean.is_active)),
            ) if old != new
        }
    ensure_within_reach(db, actor, profile_id, grants)
    added, removed = grants - old_grants, old_grants - grants
    return Preview(clean, grants, added, removed, users_count, changes)


def _state(active: bool) -> str:
    return "Activo" if active else "Inactivo"


def _diff_for_audit(added: GrantSet, removed: GrantSet) -> dict[str, list[str]]:
    return {"agregadas": sorted(f"{s}:{a}" for s, a in added),
            "retiradas": sorted(f"{s}:{a}" for s, a in removed)}


def save_profile(
    db: Session,
    actor: Actor,
    profile_id: int | None,
    expected_version: int | None,
    data: object,
    grants: GrantSet,
    token_code: object,
    now: datetime | None = None,
) -> int:
    """Create or modify a profile after the token confirmation; returns its id.

    Raises VersionConflict if the profile changed since ``expected_version`` was read.
    The caller commits (the whole save is one transaction).
    """
    now = now or utcnow()
    summary = preview(db, actor, profile_id, data, grants)
    clean = summary.data
    auth.confirm_with_token(db, actor, token_code, action="perfil_token_rechazado",
                            target=f"perfil:{profile_id}", now=now)
    try:
        return _write(db, actor, profile_id, expected_version, summary, now)
    except IntegrityError as exc:  # a concurrent save took the same name
        db.rollback()
        raise ValidationError(
            f"Ya existe un perfil con el nombre «{clean.name}» en su empresa.") from exc


def _write(db: Session, actor: Actor, profile_id: int | None, expected_version: int | None,
           summary: Preview, now: datetime) -> int:
    clean, grants = summary.data, summary.grants
    values = {"name": clean.name, "name_key": security.fold(clean.name),
              "description": clean.description, "is_active": clean.is_active,
              "updated_at": now}
    if profile_id is None:
        profile = Profile(company_id=actor.company_id, **values)
        db.add(profile)
        db.flush()
        target_id, before = profile.id, None
        action = "perfil_creado"
    else:
        old = db.get(Profile, profile_id)
        before = {"nombre": old.name, "descripcion": old.description,
                  "estado": _state(old.is_active), "version": old.version}
        result = db.exec(
            update(Profile)
            .where(Profile.id == profile_id, Profile.company_id == actor.company_id,
                   Profile.version == expected_version)
            .values(version=Profile.version + 1, **values)
        )
        if result.rowcount != 1:
            db.rollback()
            raise VersionConflict(
                "Otro administrador guardó cambios en este perfil mientras usted lo editaba. "
                "Recargue el perfil para ver la versión actual; sus cambios no se guardaron.")
        target_id = profile_id
        action = "perfil_modificado"
        db.exec(delete(Grant).where(Grant.profile_id == profile_id))
    for service_code, action_code in sorted(grants):
        db.add(Grant(profile_id=target_id, service_code=service_code, action_code=action_code))
    audit.record(
        db, action, company_id=actor.company_id, user_id=actor.user_id,
        target=f"perfil:{target_id}", before=before,
        after={"nombre": clean.name, "descripcion": clean.description,
               "estado": _state(clean.is_active),
               **_diff_for_audit(summary.added, summary.removed)},
        ip=actor.ip, channel=actor.channel,
    )
    return target_id


def delete_profile(db: Session, actor: Actor, profile_id: object) -> str:
    _require_manager(db, actor)
    profile = _own_profile(db, actor, profile_id)
    ensure_within_reach(db, actor, profile.id)
    holders = _holders(db, profile.id)
    if holders:
        raise ValidationError(
            f"No se puede eliminar el perfil «{profile.name}»: lo tienen asignado "
            f"{len(holders)} usuario(s). Asígneles otro perfil primero.")
    grants = grants_of(db, profile.id)
    db.exec(delete(Grant).where(Grant.profile_id == profile.id))
    db.delete(profile)
    audit.record(db, "perfil_eliminado", company_id=actor.company_id, user_id=actor.user_id,
                 target=f"perfil:{profile.id}",
                 before={"nombre": profile.name, **_diff_for_audit(frozenset(), grants)},
                 ip=actor.ip, channel=actor.channel)
    return profile.name


def assignable_users(db: Session, actor: Actor) -> list[tuple[int, str, str, int | None]]:
    """The company's secondary users: (id, username, full name, current profile id)."""
    _require_manager(db, actor, catalog.CONSULTAR)
    users = db.exec(select(User).where(User.company_id == actor.company_id,
                                       User.is_admin == False)  # noqa: E712
                    .order_by(User.username)).all()
    return [(u.id, u.username, u.full_name, u.profile_id) for u in users]


def assign_profile(db: Session, actor: Actor, user_id: object, profile_id: object) -> None:
    """Give a secondary user of the actor's company a profile (or none, with None)."""
    _require_manager(db, actor)
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        deny(db, actor, f"usuario:{str(user_id)[:40]}", "El usuario no existe.")
    user = db.get(User, user_id)
    if user is None or user.company_id != actor.company_id:
        deny(db, actor, f"usuario:{user_id}", "El usuario no existe.")
    if user.is_admin:
        raise ValidationError("El usuario administrador no usa perfiles: tiene todos los "
                              "servicios.")
    if user.id == actor.user_id:
        deny(db, actor, f"usuario:{user_id}", "No puede cambiar su propio perfil.")
    new_profile = None if profile_id is None else _own_profile(db, actor, profile_id)
    # a manager moves users only between profiles within their reach: neither gives nor
    # takes away what their own profile lacks
    if new_profile is not None:
        ensure_within_reach(db, actor, new_profile.id)
    if user.profile_id is not None:
        ensure_within_reach(db, actor, user.profile_id)
    before = user.profile_id
    user.profile_id = new_profile.id if new_profile else None
    user.updated_at = utcnow()
    db.add(user)
    audit.record(db, "perfil_asignado", company_id=actor.company_id, user_id=actor.user_id,
                 target=f"usuario:{user.id}", before={"perfil": before},
                 after={"perfil": user.profile_id}, ip=actor.ip, channel=actor.channel)


EXPORT_HEADERS = ("Nombre Perfil", "Descripción", "Fecha Actualización", "Estado")


def export_rows(db: Session, actor: Actor, search: object, action: str) -> list[tuple[str, ...]]:
    """Every profile matching ``search`` (not only one page), for Excel, PDF or print."""
    if action not in (catalog.EXCEL, catalog.PDF, catalog.IMPRIMIR):
        deny(db, actor, f"perfiles:exportar:{str(action)[:20]}")
    _require_manager(db, actor, action)
    conditions = _search_conditions(actor, search)
    rows = db.exec(select(Profile).where(*conditions).order_by(Profile.name_key)).all()
    audit.record_read(actor, f"perfiles_exportados_{action}", target=f"{len(rows)} perfiles")
    return [(p.name, p.description, local_date(p.updated_at), _state(p.is_active))
            for p in rows]
