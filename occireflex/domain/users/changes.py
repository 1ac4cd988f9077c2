"""«Crear Usuario» and «Modificar» (Configuración de Usuarios), confirmed with the acting
user's token («Ingrese Token»).

A new user gets a temporary password valid ``TEMPORARY_HOURS``, sent out of band through
the outbox (the only message that carries a password), and must choose their own at the
first login (``own_account.complete_first_access``). Their token is a physical serial or a
«token virtual» to be enrolled in the App: then the administrator receives once an
activation code to hand over in person, valid as long as the temporary password.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlmodel import Session, select

from occireflex import catalog
from occireflex.domain import audit, auth, outbox, security
from occireflex.domain import tokens as tk
from occireflex.domain.access import Actor, deny, require
from occireflex.domain.bogota import local_moment
from occireflex.domain.errors import DomainError, ValidationError
from occireflex.domain.tokens import activation
from occireflex.domain.tokens import virtual as tv
from occireflex.domain.users import fields, reach
from occireflex.domain.users.listing import version_of
from occireflex.models import Profile, Token, TokenRequest, User, utcnow

SERVICE = catalog.CONFIGURACION_USUARIOS
TEMPORARY_HOURS = 24
TOKEN_KINDS = (tk.FISICO, tk.VIRTUAL)
USERNAME_TAKEN = "El usuario {} ya existe en el Banco; elija otro."
DOCUMENT_TAKEN = "Ya hay un usuario de su empresa con el documento {}."
NEEDS_PROFILE = "Elija el perfil del usuario (o márquelo como administrador)."
NEEDS_CHANNEL = "Elija al menos un canal: Portal o App."
OWN_ROLE = ("No puede cambiar su propio perfil ni su condición de administrador, ni "
            "quitarse canales: pídaselo a otro administrador.")
STALE = "Otro administrador modificó este usuario mientras usted lo editaba. Consúltelo de nuevo."


class StaleUser(DomainError):
    """The user changed after the form was opened."""


@dataclass(frozen=True)
class UserData:
    """What «Crear Usuario» and «Modificar» edit, as typed (``clean`` validates it)."""

    username: str = ""
    document_type: str = ""
    document_number: str = ""
    full_name: str = ""
    email: str = ""
    phone: str = ""
    is_admin: bool = False
    profile_id: int = 0
    channel_portal: bool = True
    channel_app: bool = True


def clean(data: object) -> UserData:
    if not isinstance(data, UserData):
        raise ValidationError("Los datos del usuario no son válidos.")
    kind, number = fields.document(data.document_type, data.document_number)
    is_admin = data.is_admin is True
    if not is_admin and (not isinstance(data.profile_id, int) or data.profile_id <= 0):
        raise ValidationError(NEEDS_PROFILE)
    if not (data.channel_portal is True or data.channel_app is True):
        raise ValidationError(NEEDS_CHANNEL)
    return UserData(fields.username(data.username), kind, number,
                    fields.full_name(data.full_name), fields.email(data.email),
                    fields.phone(data.phone), is_admin, 0 if is_admin else data.profile_id,
                    data.channel_portal is True, data.channel_app is True)


def _check_role(db: Session, actor: Actor, data: UserData) -> None:
    """Only an administrator makes administrators; a profile must be the company's, active
    and within the actor's grants."""
    if data.is_admin and not actor.is_admin:
        deny(db, actor, "usuario:administrador", reach.ADMINS_ONLY)
    if not data.is_admin:
        profile = reach.company_profile(db, actor, data.profile_id)
        if not profile.is_active:
            raise ValidationError(f"El perfil «{profile.name}» está inactivo.")
        if not reach.within_grants(db, actor, profile.id):
            deny(db, actor, f"perfil:{profile.id}", reach.PROFILE_BEYOND_REACH)


def _document_free(db: Session, actor: Actor, data: UserData, user_id: int | None) -> None:
    clash = db.exec(select(User.id).where(
        User.company_id == actor.company_id, User.document_type == data.document_type,
        User.document_number == data.document_number)).all()
    if any(found != user_id for found in clash):
        raise ValidationError(DOCUMENT_TAKEN.format(
            f"{data.document_type} {data.document_number}"))


def _public(data: UserData, profile_name: str) -> dict:
    """What the audit keeps of the data (no secrets in it)."""
    return {"usuario": data.username, "documento": f"{data.document_type} {data.document_number}",
            "nombre": data.full_name, "correo": data.email, "celular": data.phone,
            "administrador": data.is_admin, "perfil": profile_name,
            "canales": channels_label(data.channel_portal, data.channel_app)}


def channels_label(portal: bool, app: bool) -> str:
    return " y ".join(n for n, on in (("Portal", portal), ("App", app)) if on)


def _profile_name(db: Session, data: UserData) -> str:
    return "Administrador" if data.is_admin else db.get(Profile, data.profile_id).name


@dataclass(frozen=True)
class Created:
    username: str
    token: str  # «Físico OCC-200001» | «Virtual»
    activation_code: str  # the virtual token's first code, shown once ("" for a physical)
    activation_expires: str  # YYYY/MM/DD HH:MM
    email: str


def check_new(db: Session, actor: Actor, data: object, token_kind: object,
              serial: object) -> tuple[UserData, str]:
    """Everything «Crear Usuario» checks before the token code: the clean data and the
    physical serial ("" for a virtual token). «Continuar» shows its result."""
    require(db, actor, SERVICE)
    data = clean(data)
    _check_role(db, actor, data)
    if token_kind not in TOKEN_KINDS:
        raise ValidationError("Elija el token del usuario: físico (con su serial) o virtual.")
    fob = fields.serial(serial) if token_kind == tk.FISICO else ""
    if db.exec(select(User.id).where(User.username == data.username)).first() is not None:
        raise ValidationError(USERNAME_TAKEN.format(data.username))
    _document_free(db, actor, data, None)
    if fob and db.exec(select(Token.id).where(Token.serial == fob)).first() is not None:
        raise ValidationError(f"El token {fob} ya fue entregado a otro usuario.")
    return data, fob


def create_user(db: Session, actor: Actor, data: object, token_kind: object,
                serial: object, code: object, now: datetime | None = None) -> Created:
    """«Crear Usuario»: checks everything, then the token code, then writes the user, the
    token, the outbox message with the temporary password and the audit. Caller commits."""
    now = now or utcnow()
    data, fob = check_new(db, actor, data, token_kind, serial)
    auth.confirm_with_token(db, actor, code, action="usuario_creado", target=data.username,
                            now=now)
    password = fields.temporary_password()
    user = User(company_id=actor.company_id, username=data.username,
                full_name=data.full_name, email=data.email, is_admin=data.is_admin,
                password_hash=security.hash_password(password), own_image="",
                profile_id=data.profile_id or None, document_type=data.document_type,
                document_number=data.document_number, phone=data.phone,
                channel_portal=data.channel_portal, channel_app=data.channel_app,
                password_temporary_until=now + timedelta(hours=TEMPORARY_HOURS),
                created_at=now, updated_at=now)
    db.add(user)
    db.flush()
    code_shown, expires = "", ""
    if fob:
        token = tk.issue_physical_token(db, user, fob)
        tv.record_event(db, user, tv.EV_ASIGNADO, token=token, detail=f"Serial {fob}",
                        actor_id=actor.user_id, channel=actor.channel, now=now)
        token_label = f"Físico {fob}"
    else:
        code_shown, expires = _first_virtual(db, actor, user, now)
        token_label = "Virtual"
    outbox.enqueue(db, user, "clave_temporal", "Su usuario de OcciRed",
                   temporary_password_body(user, actor.company_name, password, now))
    audit.record(db, "usuario_creado", company_id=actor.company_id, user_id=actor.user_id,
                 target=user.username, ip=actor.ip, channel=actor.channel,
                 after={**_public(data, _profile_name(db, data)), "token": token_label})
    return Created(user.username, token_label, code_shown, expires, user.email)


def _first_virtual(db: Session, actor: Actor, user: User, now: datetime) -> tuple[str, str]:
    """A released virtual token and its first activation code (an approved request)."""
    token = Token(user_id=user.id, kind=tk.VIRTUAL, state=tk.LIBERADO, state_changed_at=now,
                  created_at=now, updated_at=now)
    db.add(token)
    db.flush()
    request = TokenRequest(company_id=user.company_id, user_id=user.id, token_id=token.id,
                           action="liberar", reason="primera_activacion",
                           state=tv.R_APROBADA, requested_by=actor.user_id, requested_at=now,
                           expires_at=now, decided_by=actor.user_id, decided_at=now,
                           decided_channel=actor.channel)
    db.add(request)
    db.flush()
    code = activation.issue(db, request, now, timedelta(hours=TEMPORARY_HOURS))
    tv.record_event(db, user, tv.EV_LIBERADO, token=token, reason="primera_activacion",
                    actor_id=actor.user_id, channel=actor.channel, request_id=request.id,
                    detail="con código de activación", now=now,
                    notify=False)  # the temporary password's message says it all
    return code, local_moment(request.activation_expires_at)


def temporary_password_body(user: User, company_name: str, password: str,
                            now: datetime) -> str:
    until = local_moment(user.password_temporary_until or now)
    return (f"Hola {user.full_name}:\n\n"
            f"Su usuario del portal OcciRed de {company_name} es: {user.username}\n"
            f"Su clave temporal es: {password}\n\n"
            f"Vale hasta el {until} (hora de Bogotá) y sirve para un solo ingreso: al "
            "entrar elegirá su propia clave y su imagen propia. Para ingresar necesita "
            "también su token.\n\n"
            "Nadie del Banco le pedirá esta clave. Si no esperaba este mensaje, "
            "comuníquese con el administrador de su empresa.\n")


def check_update(db: Session, actor: Actor, user_id: object, data: object
                 ) -> tuple[User, UserData, UserData, dict[str, tuple[str, str]]]:
    """Everything «Modificar» checks before the token code: the user, the clean data, the
    data before and what changes (field → before, after)."""
    user = reach.managed_user(db, actor, SERVICE, catalog.ACCESO, user_id)
    data = clean(replace(data, username=user.username) if isinstance(data, UserData) else data)
    before = data_of(user)
    role_changed = (data.is_admin, data.profile_id, data.channel_portal, data.channel_app) != (
        before.is_admin, before.profile_id, before.channel_portal, before.channel_app)
    if user.id == actor.user_id and role_changed:
        raise ValidationError(OWN_ROLE)
    if data.profile_id != before.profile_id or data.is_admin != before.is_admin:
        _check_role(db, actor, data)
    _document_free(db, actor, data, user.id)
    old = _public(before, _profile_name(db, before) if before.profile_id or before.is_admin
                  else "Sin perfil")
    new = _public(data, _profile_name(db, data))
    changes = {k: (str(old[k]), str(new[k])) for k in new if old[k] != new[k]}
    if not changes:
        raise ValidationError("No hay cambios para guardar.")
    return user, data, before, changes


def data_of(user: User) -> UserData:
    return UserData(user.username, user.document_type, user.document_number, user.full_name,
                    user.email, user.phone, user.is_admin, user.profile_id or 0,
                    user.channel_portal, user.channel_app)


def update_user(db: Session, actor: Actor, user_id: object, version: object, data: object,
                code: object, now: datetime | None = None) -> dict[str, tuple[str, str]]:
    """«Modificar»: the usuario never changes; the rest as for a new user, except that
    nobody changes their own role or channels here, and an administrator demoted leaves
    another active one. Returns what changed (field → before, after). Caller commits."""
    now = now or utcnow()
    user, data, before, changes = check_update(db, actor, user_id, data)
    auth.confirm_with_token(db, actor, code, action="usuario_modificado", target=user.username,
                            now=now)
    if before.is_admin and not data.is_admin:
        reach.lock_company(db, actor.company_id)
    user = db.get(User, user.id, populate_existing=True)
    if version_of(user) != version:
        raise StaleUser(STALE)
    if before.is_admin and not data.is_admin:
        reach.keep_an_admin(db, actor, user)
    for name in ("document_type", "document_number", "full_name", "email", "phone",
                 "is_admin", "channel_portal", "channel_app"):
        setattr(user, name, getattr(data, name))
    user.profile_id = data.profile_id or None
    user.updated_at = now
    db.add(user)
    audit.record(db, "usuario_modificado", company_id=actor.company_id, user_id=actor.user_id,
                 target=user.username, ip=actor.ip, channel=actor.channel,
                 before={k: old for k, (old, _new) in changes.items()},
                 after={k: new for k, (_old, new) in changes.items()})
    return changes
