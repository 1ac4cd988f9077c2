"""«Cambio de Clave para Usuarios» and «Activación/Inactivación», confirmed with the acting
user's token. Both end the user's sessions at once (portal and App: their next event leads
to the login with the reason) and tell the user out of band (outbox). Tokens are left as
they are: inactivating a user is not blocking their token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from occireflex import catalog
from occireflex.domain import audit, auth, outbox, security, sessions
from occireflex.domain.access import Actor
from occireflex.domain.bogota import local_moment
from occireflex.domain.errors import ValidationError
from occireflex.domain.tokens.virtual import lock_user
from occireflex.domain.users import fields, reach
from occireflex.domain.users.changes import TEMPORARY_HOURS, temporary_password_body
from occireflex.models import User, utcnow

RESET_SERVICE = catalog.CAMBIO_CLAVE_USUARIOS
ACTIVATION_SERVICE = catalog.ACTIVACION_USUARIOS
INACTIVATE_REASONS = {
    "retiro": "Retiro de la empresa",
    "licencia": "Vacaciones, licencia o incapacidad",
    "cambio_cargo": "Cambio de cargo",
    "seguridad": "Motivos de seguridad",
    "otro": "Otra causa",
}
ACTIVATE_REASONS = {
    "reintegro": "Reintegro a la empresa",
    "fin_licencia": "Fin de vacaciones, licencia o incapacidad",
    "error": "Inactivación por error",
    "otro": "Otra causa",
}
NOT_ON_SELF_RESET = ("Su propia clave se cambia en «Cambio de Clave e Imagen Propia».")
NOT_ON_SELF_STATE = "No puede inactivar su propio usuario."
ALREADY = {True: "El usuario ya está activo.", False: "El usuario ya está inactivo."}


@dataclass(frozen=True)
class Reset:
    username: str
    email: str
    sessions_ended: int


def reset_password(db: Session, actor: Actor, user_id: object, code: object,
                   now: datetime | None = None) -> Reset:
    """A new temporary password (valid ``TEMPORARY_HOURS``) sent to the user's correo; the
    user's sessions end and the next login is a first access. Caller commits."""
    now = now or utcnow()
    user = reach.managed_user(db, actor, RESET_SERVICE, catalog.ACCESO, user_id)
    if user.id == actor.user_id:
        raise ValidationError(NOT_ON_SELF_RESET)
    if not user.is_active:
        raise ValidationError("El usuario está inactivo: actívelo antes de cambiarle la clave.")
    auth.confirm_with_token(db, actor, code, action="clave_restablecida", target=user.username,
                            now=now)
    lock_user(db, user.id)
    user = db.get(User, user.id, populate_existing=True)
    password = fields.temporary_password()
    user.password_hash = security.hash_password(password)
    user.password_temporary_until = now + timedelta(hours=TEMPORARY_HOURS)
    user.updated_at = now
    db.add(user)
    ended = sessions.end_user_sessions(db, user.id, sessions.REASON_PASSWORD_RESET, now)
    outbox.enqueue(db, user, "clave_temporal", "Su nueva clave temporal de OcciRed",
                   temporary_password_body(user, actor.company_name, password, now))
    audit.record(db, "clave_restablecida", company_id=actor.company_id, user_id=actor.user_id,
                 target=user.username, ip=actor.ip, channel=actor.channel,
                 after={"clave_temporal_hasta": local_moment(user.password_temporary_until),
                        "sesiones_terminadas": ended})
    return Reset(user.username, user.email, ended)


def reasons_for(active: bool) -> dict[str, str]:
    """The causales of «Activar» (``active`` True) or «Inactivar»."""
    return ACTIVATE_REASONS if active else INACTIVATE_REASONS


@dataclass(frozen=True)
class StateChange:
    username: str
    active: bool
    sessions_ended: int


def set_active(db: Session, actor: Actor, user_id: object, active: object, reason: object,
               code: object, now: datetime | None = None) -> StateChange:
    """«Inactivar» (sessions end at once, login refused with a clear message) or «Activar»,
    with its causal. The company keeps an active administrator. Caller commits."""
    now = now or utcnow()
    user = reach.managed_user(db, actor, ACTIVATION_SERVICE, catalog.ACCESO, user_id)
    if not isinstance(active, bool):
        raise ValidationError("Elija si va a activar o inactivar el usuario.")
    if user.id == actor.user_id:
        raise ValidationError(NOT_ON_SELF_STATE)
    causes = reasons_for(active)
    if reason not in causes:
        raise ValidationError("Elija la causal.")
    if user.is_active == active:
        raise ValidationError(ALREADY[active])
    auth.confirm_with_token(db, actor, code, action="usuario_activado" if active
                            else "usuario_inactivado", target=user.username, now=now)
    reach.lock_company(db, actor.company_id)
    user = db.get(User, user.id, populate_existing=True)
    if user.is_active == active:  # another administrator did it meanwhile
        raise ValidationError(ALREADY[active])
    if not active and user.is_admin:
        reach.keep_an_admin(db, actor, user)
    user.is_active, user.state_reason, user.updated_at = active, reason, now
    db.add(user)
    ended = 0 if active else sessions.end_user_sessions(
        db, user.id, sessions.REASON_INACTIVATED, now)
    verb = "activado" if active else "inactivado"
    body = (f"Hola {user.full_name}:\n\nSu usuario {user.username} del portal OcciRed de "
            f"{actor.company_name} fue {verb} el {local_moment(now)} (hora de Bogotá). "
            f"Causal: {causes[reason]}.\n\n"
            + ("Ya puede ingresar con su clave y su token.\n" if active else
               "No podrá ingresar al portal ni a la App hasta que el administrador de su "
               "empresa lo active de nuevo.\n")
            + "Si tiene preguntas, comuníquese con el administrador de su empresa.\n")
    outbox.enqueue(db, user, f"usuario_{verb}", f"Su usuario de OcciRed fue {verb}", body)
    audit.record(db, f"usuario_{verb}", company_id=actor.company_id, user_id=actor.user_id,
                 target=user.username, ip=actor.ip, channel=actor.channel,
                 before={"estado": "Inactivo" if active else "Activo"},
                 after={"estado": "Activo" if active else "Inactivo",
                        "causal": causes[reason], "sesiones_terminadas": ended})
    return StateChange(user.username, active, ended)
