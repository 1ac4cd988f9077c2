"""«Cambio de Clave e Imagen Propia»: every user, on their own account, confirmed with the
token. No grant is needed (it is one's own account, ``catalog.SELF_SERVICE``); a live
session is (``Actor``), and a temporary password opens only ``complete_first_access``.
Every function acts on the actor's own user: none takes a user id.

A changed password is told to the user out of band (``outbox``, in the same transaction):
whoever changed it, the owner learns it from a channel the session does not control."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, delete, select

from occireflex import catalog
from occireflex.domain import audit, auth, outbox, passwords, security, security_params, tokens
from occireflex.domain.access import APP, RESPONSIVE, WEB, require
from occireflex.domain.bogota import local_date, local_time
from occireflex.domain.errors import ValidationError
from occireflex.domain.tokens.virtual import lock_user
from occireflex.models import Company, PasswordHistory, User, utcnow

WRONG_CURRENT = "La clave actual no es correcta."
NOT_REPEATED = "La nueva clave y su confirmación no coinciden."
SAME_AS_CURRENT = "La nueva clave debe ser distinta de la actual."
UNKNOWN_IMAGE = "Elija una de las imágenes de la galería."
NOT_FIRST_ACCESS = "Su clave ya fue cambiada: ingrese al portal."
SERVICE = catalog.CAMBIO_CLAVE_IMAGEN
CHANGED_KIND = "clave_cambiada"
CHANGED_SUBJECT = "Su clave fue cambiada"
# the channel as the notice names it
CHANNEL_NAMES = {WEB: "el Portal Empresarial", RESPONSIVE: "el Portal Empresarial (celular)",
                 APP: "la App Banco de Occidente Empresas"}


def current_image(db: Session, actor) -> str:
    """The actor's «imagen propia» ("" before the first access chose one)."""
    user = db.get(User, actor.user_id)
    return user.own_image if user.own_image in auth.OWN_IMAGES else ""


def token_kind(db: Session, actor) -> str:
    """The kind of the actor's active token (``tokens.VIRTUAL`` or ``tokens.FISICO``), the
    one that confirms a change; "" when there is none yet (a new user given a virtual token
    enrolls it in the App before the first access)."""
    active = tokens.active_tokens(db, actor.user_id)
    return active[0].kind if active else ""


def _history(db: Session, user: User) -> list[str]:
    """The hashes of the user's last ``passwords.HISTORY`` passwords, the current one last."""
    older = db.exec(select(PasswordHistory.password_hash)
                    .where(PasswordHistory.user_id == user.id)
                    .order_by(col(PasswordHistory.id).desc())
                    .limit(passwords.HISTORY - 1)).all()
    return [*reversed(older), user.password_hash]


def _checked(db: Session, user: User, new: object, repeat: object) -> str:
    """The new password typed twice and accepted by the policy, normalized."""
    if not isinstance(new, str) or new != repeat:
        raise ValidationError(NOT_REPEATED)
    company = db.get(Company, user.company_id)
    return passwords.check(new, username=user.username, company_name=company.name,
                           min_length=min_password_length(db, user.company_id),
                           previous_hashes=_history(db, user))


def min_password_length(db: Session, company_id: int) -> int:
    """The company's minimum (Parámetros Generales y de Seguridad), for the check and the
    screens' hint."""
    return security_params.of_company(db, company_id).min_password_length


def _replace_password(db: Session, actor, clean: str, code: object, action: str,
                      now: datetime) -> User:
    """Spend the token code, then store the new password; the old one joins the history
    (pruned to the last ``passwords.HISTORY``) and a temporary password ends."""
    auth.confirm_with_token(db, actor, code, action=action, target=actor.username, now=now)
    user = db.get(User, actor.user_id)  # confirm_with_token may have rolled back
    db.add(PasswordHistory(user_id=user.id, password_hash=user.password_hash, created_at=now))
    user.password_hash = security.hash_password(clean)
    user.password_temporary_until = None
    user.password_changed_at = user.updated_at = now
    db.add(user)
    db.flush()
    keep = select(PasswordHistory.id).where(PasswordHistory.user_id == user.id).order_by(
        col(PasswordHistory.id).desc()).limit(passwords.HISTORY - 1)
    db.exec(delete(PasswordHistory).where(PasswordHistory.user_id == user.id,
                                          col(PasswordHistory.id).not_in(keep)))
    return user


def change_own_password(db: Session, actor, current: object, new: object, repeat: object,
                        code: object, now: datetime | None = None) -> bool:
    """Checks in this order, each with its own Spanish message, before the token is spent:
    current password, a different one, confirmation, policy; then the token code; then the
    change and its notice. True when the notice was queued (the user has an address). The
    caller commits."""
    now = now or utcnow()
    require(db, actor, SERVICE)  # a temporary password changes only at the first access
    lock_user(db, actor.user_id)  # two changes at once: one after the other
    user = db.get(User, actor.user_id)
    if not isinstance(current, str) or not security.verify_password(
            user.password_hash, passwords.normalize(current)):
        raise ValidationError(WRONG_CURRENT)
    if isinstance(new, str) and passwords.normalize(new) == passwords.normalize(current):
        raise ValidationError(SAME_AS_CURRENT)
    clean = _checked(db, user, new, repeat)
    user = _replace_password(db, actor, clean, code, CHANGED_KIND, now)
    audit.record(db, CHANGED_KIND, company_id=actor.company_id, user_id=actor.user_id,
                 target=user.username, ip=actor.ip, channel=actor.channel)
    if not user.email:
        return False
    outbox.enqueue(db, user, CHANGED_KIND, CHANGED_SUBJECT,
                   _changed_notice(db, user, actor.channel, now))
    return True


def _changed_notice(db: Session, user: User, channel: str, now: datetime) -> str:
    """The notice of a changed password: when, where, what to do; never the password."""
    company = db.get(Company, user.company_id)
    where = CHANNEL_NAMES.get(channel, "la Banca Empresarial")
    return (f"Señor(a) {user.full_name}:\n\n"
            f"La clave de su usuario {user.username} de {company.name} en la Banca "
            f"Empresarial del Banco de Occidente fue cambiada el {local_date(now)} a las "
            f"{local_time(now)} (hora de Bogotá) desde {where}.\n\n"
            "Si usted hizo este cambio, no tiene que hacer nada más.\n"
            "Si usted no hizo este cambio, comuníquese con el administrador de su empresa o "
            "con la Banca Empresarial.\n\n"
            "Este es un mensaje automático: el Banco nunca le pedirá su clave ni los códigos "
            "de su token.\n")


def change_own_image(db: Session, actor, image: object, code: object,
                     now: datetime | None = None) -> None:
    require(db, actor, SERVICE)
    if image not in auth.OWN_IMAGES:
        raise ValidationError(UNKNOWN_IMAGE)
    user = db.get(User, actor.user_id)
    auth.confirm_with_token(db, actor, code, action="imagen_propia_cambiada",
                            target=user.username, now=now)
    user = db.get(User, actor.user_id)
    before, user.own_image = user.own_image, image
    user.updated_at = now or utcnow()
    db.add(user)
    audit.record(db, "imagen_propia_cambiada", company_id=actor.company_id,
                 user_id=actor.user_id, target=user.username, before={"imagen": before},
                 after={"imagen": image}, ip=actor.ip, channel=actor.channel)


def complete_first_access(db: Session, actor, new: object, repeat: object, image: object,
                          code: object, now: datetime | None = None) -> None:
    """The first access (or one after a reset): a new password and the «imagen propia»,
    before anything else; the temporary password was proved at login. The caller commits."""
    now = now or utcnow()
    lock_user(db, actor.user_id)
    user = db.get(User, actor.user_id)
    if user.password_temporary_until is None:
        raise ValidationError(NOT_FIRST_ACCESS)
    if image not in auth.OWN_IMAGES:
        raise ValidationError(UNKNOWN_IMAGE)
    clean = _checked(db, user, new, repeat)
    user = _replace_password(db, actor, clean, code, "primer_ingreso", now)
    before, user.own_image = user.own_image, image
    db.add(user)
    audit.record(db, "primer_ingreso", company_id=actor.company_id, user_id=actor.user_id,
                 target=user.username, before={"imagen": before}, after={"imagen": image},
                 ip=actor.ip, channel=actor.channel)
