"""«Cambio de Clave e Imagen Propia»: every user, on their own account, confirmed with the
token. No grant is needed (it is one's own account); a live session is (``Actor``)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, delete, select

from occireflex.domain import audit, auth, passwords, security
from occireflex.domain.errors import ValidationError
from occireflex.domain.tokens.virtual import lock_user
from occireflex.models import Company, PasswordHistory, User, utcnow

WRONG_CURRENT = "La clave actual no es correcta."
NOT_REPEATED = "La nueva clave y su confirmación no coinciden."
SAME_AS_CURRENT = "La nueva clave debe ser distinta de la actual."
UNKNOWN_IMAGE = "Elija una de las imágenes de la galería."
NOT_FIRST_ACCESS = "Su clave ya fue cambiada: ingrese al portal."


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
                           previous_hashes=_history(db, user))


def _replace_password(db: Session, actor, clean: str, code: object, action: str,
                      now: datetime) -> User:
    """Spend the token code, then store the new password; the old one joins the history
    (pruned to the last ``passwords.HISTORY``) and a temporary password ends."""
    auth.confirm_with_token(db, actor, code, action=action, target=actor.username, now=now)
    user = db.get(User, actor.user_id)  # confirm_with_token may have rolled back
    db.add(PasswordHistory(user_id=user.id, password_hash=user.password_hash, created_at=now))
    user.password_hash = security.hash_password(clean)
    user.password_temporary_until = None
    user.updated_at = now
    db.add(user)
    db.flush()
    keep = select(PasswordHistory.id).where(PasswordHistory.user_id == user.id).order_by(
        col(PasswordHistory.id).desc()).limit(passwords.HISTORY - 1)
    db.exec(delete(PasswordHistory).where(PasswordHistory.user_id == user.id,
                                          col(PasswordHistory.id).not_in(keep)))
    return user


def change_own_password(db: Session, actor, current: object, new: object, repeat: object,
                        code: object, now: datetime | None = None) -> None:
    """Checks in this order, each with its own Spanish message, before the token is spent:
    current password, a different one, confirmation, policy; then the token code; then the
    change. The caller commits."""
    now = now or utcnow()
    lock_user(db, actor.user_id)  # two changes at once: one after the other
    user = db.get(User, actor.user_id)
    if not isinstance(current, str) or not security.verify_password(
            user.password_hash, passwords.normalize(current)):
        raise ValidationError(WRONG_CURRENT)
    if isinstance(new, str) and passwords.normalize(new) == passwords.normalize(current):
        raise ValidationError(SAME_AS_CURRENT)
    clean = _checked(db, user, new, repeat)
    user = _replace_password(db, actor, clean, code, "clave_cambiada", now)
    audit.record(db, "clave_cambiada", company_id=actor.company_id, user_id=actor.user_id,
                 target=user.username, ip=actor.ip, channel=actor.channel)


def change_own_image(db: Session, actor, image: object, code: object,
                     now: datetime | None = None) -> None:
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
