"""«Favoritos»: the pages a user starred with ☆, kept per user."""

from __future__ import annotations

from sqlmodel import Session, select

from occireflex import catalog
from occireflex.domain import audit
from occireflex.domain.access import Actor, deny
from occireflex.models import Favorite


def list_favorites(db: Session, actor: Actor) -> list[catalog.Service]:
    """Starred services the actor may still open (grants may have changed since)."""
    codes = db.exec(
        select(Favorite.service_code).where(Favorite.user_id == actor.user_id)
        .order_by(Favorite.created_at, Favorite.id)
    ).all()
    services = (catalog.get_service(c) for c in codes)
    return [s for s in services if s is not None and s.built and actor.can(s.code)]


def set_favorite(db: Session, actor: Actor, service_code: object, starred: object) -> bool:
    """Star or unstar a page the actor may open; returns the new state."""
    service = catalog.get_service(service_code) if isinstance(service_code, str) else None
    if service is None or not service.built or not isinstance(starred, bool):
        deny(db, actor, f"favorito:{str(service_code)[:60]}", "Servicio no válido.")
    if not actor.can(service.code):
        deny(db, actor, f"favorito:{service.code}")
    existing = db.exec(select(Favorite).where(
        Favorite.user_id == actor.user_id, Favorite.service_code == service.code)).first()
    if starred and existing is None:
        db.add(Favorite(user_id=actor.user_id, service_code=service.code))
        audit.record(db, "favorito_agregado", company_id=actor.company_id, user_id=actor.user_id,
                     target=service.code, ip=actor.ip, channel=actor.channel)
    elif not starred and existing is not None:
        db.delete(existing)
        audit.record(db, "favorito_retirado", company_id=actor.company_id,
                     user_id=actor.user_id, target=service.code, ip=actor.ip,
                     channel=actor.channel)
    return starred
