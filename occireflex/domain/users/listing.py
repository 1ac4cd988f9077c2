"""The users' grids of Administración > Usuarios: one SQL page of the company's users
(search, state filter, ordered by usuario on the ``(company_id, username)`` index), the
detail of one user, and the exports by grant."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from occireflex import catalog
from occireflex.domain import audit, exports, security
from occireflex.domain import tokens as tk
from occireflex.domain.access import Actor, deny, require
from occireflex.domain.bogota import local_moment
from occireflex.domain.paging import clamp_page, offset, page_size_of
from occireflex.domain.users import reach
from occireflex.domain.users.fields import DOCUMENT_TYPES
from occireflex.models import Profile, Token, User

STATES = ("", "activo", "inactivo")  # the grid's «Estado» filter: all, active, inactive
HEADERS = ("Usuario", "Nombre", "Documento", "Correo", "Celular", "Perfil", "Estado", "Token",
           "Último ingreso")
SERVICES = (catalog.CONFIGURACION_USUARIOS, catalog.CAMBIO_CLAVE_USUARIOS,
            catalog.ACTIVACION_USUARIOS)


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    full_name: str
    document: str  # «CC 79123456»
    email: str
    phone: str
    profile: str  # «Administrador», the profile's name or «Sin perfil»
    state: str  # Activo | Inactivo | Bloqueado
    token: str  # «Físico OCC-200001», «Virtual», «Virtual por activar», «Sin token»
    last_login: str  # YYYY/MM/DD HH:MM, America/Bogota, or «Nunca»
    is_self: bool
    problem: str  # why the actor may not manage this user ("" when they may)

    def cells(self) -> tuple[str, ...]:
        return (self.username, self.full_name, self.document, self.email, self.phone,
                self.profile, self.state, self.token, self.last_login)


def _service(db: Session, actor: Actor, service: object, action: str) -> str:
    if service not in SERVICES:
        deny(db, actor, f"usuarios:{str(service)[:60]}")
    require(db, actor, service, action)
    return service  # type: ignore[return-value]


def _conditions(actor: Actor, search: object, state: object) -> list:
    conditions = [User.company_id == actor.company_id]
    key = search.strip().lower()[:40] if isinstance(search, str) else ""
    if key:
        pattern = security.contains_pattern(key)
        conditions.append(or_(col(User.username).like(pattern, escape="\\"),
                              func.lower(User.full_name).like(pattern, escape="\\"),
                              col(User.document_number).like(pattern.upper(), escape="\\"),
                              func.lower(User.email).like(pattern, escape="\\")))
    if state in ("activo", "inactivo"):
        conditions.append(User.is_active == (state == "activo"))
    return conditions


def _token_labels(db: Session, user_ids: list[int]) -> dict[int, str]:
    labels: dict[int, str] = {}
    rank: dict[int, int] = {}
    for token in db.exec(select(Token).where(col(Token.user_id).in_(user_ids))
                         .order_by(Token.id)).all():
        if token.state == tk.ACTIVO:
            label, order = ("Virtual" if token.kind == tk.VIRTUAL
                            else f"Físico {token.serial}"), 3
        elif token.kind == tk.VIRTUAL and token.state in (tk.LIBERADO, tk.POR_ACTIVAR):
            label, order = "Virtual por activar", 2
        elif token.state == tk.BLOQUEADO:
            label, order = "Bloqueado", 1
        else:
            continue
        if order >= rank.get(token.user_id, 0):
            labels[token.user_id], rank[token.user_id] = label, order
    return labels


def _rows(db: Session, actor: Actor, users: list[User]) -> list[UserRow]:
    ids = [u.id for u in users]
    profile_ids = {u.profile_id for u in users if u.profile_id is not None}
    names = dict(db.exec(select(Profile.id, Profile.name).where(
        col(Profile.id).in_(profile_ids))).all()) if profile_ids else {}
    tokens = _token_labels(db, ids) if ids else {}
    reachable: dict[int | None, bool] = {}
    return [UserRow(
        id=u.id, username=u.username, full_name=u.full_name,
        document=f"{u.document_type} {u.document_number}".strip(),
        email=u.email, phone=u.phone,
        profile="Administrador" if u.is_admin else names.get(u.profile_id, "Sin perfil"),
        state=state_label(u), token=tokens.get(u.id, "Sin token"),
        last_login=local_moment(u.last_login_at) if u.last_login_at else "Nunca",
        is_self=u.id == actor.user_id, problem=reach.problem_with(db, actor, u, reachable) or "")
        for u in users]


def state_label(user: User) -> str:
    if not user.is_active:
        return "Inactivo"
    return "Bloqueado" if user.locked_at is not None else "Activo"


def list_users(db: Session, actor: Actor, service: object, search: object = "",
               state: object = "", page: object = 1, page_size: object = 10
               ) -> tuple[list[UserRow], int]:
    """One page of the company's users for one of the three services (its «Consultar»)."""
    _service(db, actor, service, catalog.CONSULTAR)
    conditions = _conditions(actor, search, state)
    size = page_size_of(page_size)
    total = db.exec(select(func.count()).select_from(User).where(*conditions)).one()
    number = clamp_page(page, total, size)
    users = list(db.exec(select(User).where(*conditions).order_by(User.username)
                         .offset(offset(number, size)).limit(size)).all())
    return _rows(db, actor, users), total


def export_rows(db: Session, actor: Actor, service: object, search: object, state: object,
                action: object) -> list[tuple[str, ...]]:
    """Every user matching the filters (not only one page) for Excel, PDF or Imprimir."""
    service = _service(db, actor, service, catalog.CONSULTAR)
    exports.check_export_action(db, actor, service, action)
    users = list(db.exec(select(User).where(*_conditions(actor, search, state))
                         .order_by(User.username).limit(exports.EXPORT_MAX)).all())
    audit.record_read(actor, f"usuarios_exportados_{action}", target=f"{len(users)} usuarios")
    return [row.cells() for row in _rows(db, actor, users)]


@dataclass(frozen=True)
class UserDetail:
    row: UserRow
    document_type: str
    document_number: str
    is_admin: bool
    profile_id: int  # 0: none
    channel_portal: bool
    channel_app: bool
    is_active: bool
    version: str  # the user's updated_at when read: «Modificar» refuses a stale form


def user_detail(db: Session, actor: Actor, service: object, user_id: object) -> UserDetail:
    """One user, for «Modificar» or the confirmation of a reset or (in)activation."""
    _service(db, actor, service, catalog.CONSULTAR)
    user = reach.company_user(db, actor, user_id)
    return UserDetail(_rows(db, actor, [user])[0], user.document_type, user.document_number,
                      user.is_admin, user.profile_id or 0, user.channel_portal,
                      user.channel_app, user.is_active, version_of(user))


def version_of(user: User) -> str:
    return user.updated_at.isoformat()


def profile_options(db: Session, actor: Actor) -> list[tuple[int, str]]:
    """The active profiles the actor may hand out, by name."""
    require(db, actor, catalog.CONFIGURACION_USUARIOS)
    rows = db.exec(select(Profile).where(Profile.company_id == actor.company_id,
                                         Profile.is_active).order_by(Profile.name_key)).all()
    return [(p.id, p.name) for p in rows if reach.within_grants(db, actor, p.id)]


def document_options() -> list[tuple[str, str]]:
    return list(DOCUMENT_TYPES.items())
