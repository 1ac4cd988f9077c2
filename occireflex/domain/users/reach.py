"""Who may act on whom in Administración > Usuarios.

- The service's grant (Configuración de Usuarios, Cambio de Clave para Usuarios,
  Activación/Inactivación), checked by ``Actor.can`` in the domain on every call.
- Only the company's own users, never another company's (a forged id is denied, audited).
- A non-administrator with the grant manages only users whose profile lies within their
  own grants, never an administrator, never gives a profile beyond their grants and never
  makes anyone an administrator (no escalation through a user).
- Nobody resets, inactivates, demotes or re-profiles themselves here (their own account is
  «Cambio de Clave e Imagen Propia»).
- A company always keeps at least one active administrator: changes that would remove one
  lock the company's row first, so two administrators demoting each other at once cannot
  both succeed.
"""

from __future__ import annotations

from sqlalchemy import func, update
from sqlmodel import Session, select

from occireflex.domain.access import Actor, company_row, deny, require
from occireflex.domain.errors import ValidationError
from occireflex.domain.profiles import grants_of
from occireflex.models import Company, Profile, User

USER_NOT_FOUND = "El usuario no existe en su empresa."
PROFILE_NOT_FOUND = "El perfil no existe en su empresa."
ADMINS_ONLY = "Solo un administrador puede modificar a otro administrador o crearlo."
BEYOND_REACH = ("No puede gestionar este usuario: su perfil tiene acciones que su propio "
                "perfil no tiene.")
PROFILE_BEYOND_REACH = "No puede asignar un perfil con acciones que su propio perfil no tiene."
LAST_ADMIN = "La empresa debe conservar al menos un administrador activo."
NOT_ADMIN_ANYMORE = "Usted ya no es administrador de la empresa."


def company_user(db: Session, actor: Actor, user_id: object) -> User:
    return company_row(db, actor, User, user_id, "usuario", USER_NOT_FOUND)


def company_profile(db: Session, actor: Actor, profile_id: object) -> Profile:
    return company_row(db, actor, Profile, profile_id, "perfil", PROFILE_NOT_FOUND)


def within_grants(db: Session, actor: Actor, profile_id: int | None) -> bool:
    """The profile gives nothing beyond the actor's own grants (administrators: always)."""
    if actor.is_admin or profile_id is None:
        return True
    return not grants_of(db, profile_id) - actor.grants


def problem_with(db: Session, actor: Actor, user: User,
                 known: dict[int | None, bool] | None = None) -> str | None:
    """Why the actor may not manage ``user`` (a page's row), or None. ``known`` keeps
    each profile's answer across a page's rows (one grants query per profile)."""
    if user.is_admin and not actor.is_admin:
        return ADMINS_ONLY
    known = {} if known is None else known
    if user.profile_id not in known:
        known[user.profile_id] = within_grants(db, actor, user.profile_id)
    return None if known[user.profile_id] else BEYOND_REACH


def managed_user(db: Session, actor: Actor, service: str, action: str,
                 user_id: object) -> User:
    """The user ``user_id`` of the actor's company that the actor may manage through
    ``service``; anything else is denied and audited."""
    require(db, actor, service, action)
    user = company_user(db, actor, user_id)
    if problem := problem_with(db, actor, user):
        deny(db, actor, f"usuario:{user.username}", problem)
    return user


def lock_company(db: Session, company_id: int) -> None:
    """Serialize the changes that may remove an administrator (PostgreSQL: the company's
    row lock; SQLite: the database's write lock, taken by this first write)."""
    db.exec(update(Company).where(Company.id == company_id).values(name=Company.name)
            .execution_options(synchronize_session=False))


def keep_an_admin(db: Session, actor: Actor, leaving: User) -> None:
    """After ``leaving`` stops being an active administrator, one must remain; the actor
    must still be one. Call after ``lock_company``: it reads the committed state."""
    acting = db.get(User, actor.user_id, populate_existing=True)
    if acting is None or not acting.is_admin or not acting.is_active:
        raise ValidationError(NOT_ADMIN_ANYMORE)
    others = db.exec(select(func.count()).select_from(User).where(
        User.company_id == actor.company_id, User.is_admin, User.is_active,
        User.id != leaving.id)).one()
    if others == 0:
        raise ValidationError(LAST_ADMIN)
