"""Who is acting, and what they may do: the check every domain function makes.

Every event checks the session, the user and their profile in one indexed read and reuses
the grants loaded earlier only while those are unchanged (``actor_cache``), so a profile
change takes effect at the user's next event without a new login. An «Inactivo» profile grants nothing.
Channels: ``web`` (desktop portal), ``responsive`` (phone browser: only services whose
grant includes «Acceso Front Responsive»), ``app`` (the App: «Acceso App»).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

from sqlmodel import Session, select

from occireflex import catalog
from occireflex.domain import actor_cache, audit, ip_rules
from occireflex.domain.errors import AccessDenied, SessionExpired
from occireflex.domain.sessions import (
    ENDED_MESSAGE,
    REASON_IP,
    end_now,
    note_activity,
    resolve_session,
)
from occireflex.models import Company, Grant, Profile, User, utcnow

WEB, RESPONSIVE, APP = "web", "responsive", "app"
_MOBILE_UA = re.compile(r"Mobi|Android|iPhone|iPod|Windows Phone|Opera Mini", re.I)

_CHANNEL_ACTION = {RESPONSIVE: catalog.RESPONSIVE, APP: catalog.APP}
T = TypeVar("T")


def valid_id(value: object) -> bool:
    """A database id as the browser may send it: a real int (not bool) in BIGINT range."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def channel_from_user_agent(user_agent: str) -> str:
    return RESPONSIVE if _MOBILE_UA.search(user_agent or "") else WEB


@dataclass(frozen=True)
class Actor:
    user_id: int
    company_id: int
    username: str
    full_name: str
    company_name: str
    company_nit: str
    is_admin: bool
    session_id: int
    channel: str
    ip: str
    grants: frozenset[tuple[str, str]]
    # a temporary password (first access, reset): nothing is allowed but choosing a new one
    must_change_password: bool = False

    def can(self, service_code: str, action: str = catalog.ACCESO) -> bool:
        if self.must_change_password:
            return False
        if service_code in catalog.SELF_SERVICE:
            return action in catalog.SELF_SERVICE_ACTIONS
        if (service_code, action) not in self.grants:
            return False
        if service_code in catalog.ADMIN_ONLY and not self.is_admin:
            return False
        channel_action = _CHANNEL_ACTION.get(self.channel)
        return channel_action is None or (service_code, channel_action) in self.grants

    def visible_services(self) -> tuple[catalog.Service, ...]:
        return tuple(s for s in catalog.SERVICES if self.can(s.code))


def grants_for(db: Session, user: User) -> frozenset[tuple[str, str]]:
    if user.is_admin:
        return frozenset((s.code, a) for s in catalog.SERVICES for a in s.actions)
    if user.profile_id is None:
        return frozenset()
    profile = db.get(Profile, user.profile_id)
    if profile is None or not profile.is_active or profile.company_id != user.company_id:
        return frozenset()
    rows = db.exec(select(Grant.service_code, Grant.action_code).where(
        Grant.profile_id == profile.id)).all()
    return frozenset((s, a) for s, a in rows if catalog.is_valid_grant(s, a))


def load_actor(
    db: Session,
    raw_session: object,
    *,
    user_agent: str = "",
    ip: str = "",
    channel: str | None = None,
    now: datetime | None = None,
    touch: bool = True,
    app: bool = False,
) -> Actor:
    """Resolve the browser's session id to an Actor; raises SessionExpired.

    A session opened in the App serves only the App (``app=True``, channel ``app``) and a
    portal session only the portal: an App login, which may rest on an activation code,
    never opens the portal.
    """
    now = now or utcnow()
    if app:
        channel = APP
    channel = channel or channel_from_user_agent(user_agent)
    stamp = actor_cache.read_stamp(db, raw_session)
    known = actor_cache.cached(stamp, now) if stamp is not None else None
    if known is not None and (stamp.row.channel == APP) == app:
        _enforce_ip(db, stamp.row.company_id, known.user_id, known.session_id,
                    stamp.row.channel, ip, stamp.row.ip_rules_version, now)
        if touch:
            note_activity(known.session_id, stamp.last_seen_at, now)
        return known if (known.channel, known.ip) == (channel, ip) else replace(
            known, channel=channel, ip=ip)
    session = resolve_session(db, raw_session, now, touch=touch)
    if (session.channel == APP) != app:
        raise SessionExpired(ENDED_MESSAGE)
    user = db.get(User, session.user_id)
    _enforce_ip(db, user.company_id, user.id, session.id, session.channel, ip,
                stamp.row.ip_rules_version if stamp is not None else ..., now)
    company = db.get(Company, user.company_id)
    actor = _actor(db, user, company, session.id, channel, ip)
    if stamp is not None:
        actor_cache.remember(stamp, actor)
    return actor


def _enforce_ip(db: Session, company_id: int, user_id: int, session_id: int, channel: str,
                ip: str, version: object, now: datetime) -> None:
    """A session whose address the company's rules no longer admit ends now, with why."""
    if not ip_rules.allowed(db, company_id, user_id, channel, ip, version):
        end_now(db, session_id, REASON_IP, now)


def _actor(db: Session, user: User, company: Company, session_id: int, channel: str,
           ip: str) -> Actor:
    return Actor(user_id=user.id, company_id=company.id, username=user.username,
                 full_name=user.full_name, company_name=company.name, company_nit=company.nit,
                 is_admin=user.is_admin, session_id=session_id, channel=channel, ip=ip,
                 grants=grants_for(db, user),
                 must_change_password=user.password_temporary_until is not None)


def actor_for_user(db: Session, user_id: int, company_id: int, *, channel: str,
                   inactive_message: str) -> Actor:
    """The Actor of a job acting for a user outside any session (the sidecar processing
    a user's upload): the user must still be active in that company, with the grants
    they hold now (a revoked grant stops the job); else AccessDenied(inactive_message)."""
    user = db.get(User, user_id)
    company = db.get(Company, company_id)
    if user is None or company is None or user.company_id != company_id or not user.is_active:
        raise AccessDenied(inactive_message)
    return _actor(db, user, company, 0, channel, "")


def company_row(db: Session, actor: Actor, model: type[T], row_id: object, kind: str,
                message: str, accept: Callable[[T], bool] | None = None) -> T:
    """The row ``row_id`` of ``model`` if it belongs to the actor's company (and passes
    ``accept``); a forged id or another company's row is denied and audited
    («{kind}:{id}») with the same ``message``."""
    if valid_id(row_id):
        row = db.get(model, row_id)
        if row is not None and row.company_id == actor.company_id and (
                accept is None or accept(row)):
            return row
    deny(db, actor, f"{kind}:{str(row_id)[:30]}", message)
    raise AssertionError  # deny always raises


def require(db: Session, actor: Actor, service_code: str, action: str = catalog.ACCESO) -> None:
    """Raise AccessDenied (and record it) unless the actor holds the grant."""
    if isinstance(actor, Actor) and isinstance(service_code, str) and actor.can(service_code, action):
        return
    deny(db, actor, f"{service_code}:{action}")


def deny(db: Session, actor: Actor, target: str, message: str | None = None) -> None:
    """Record a refused operation and raise AccessDenied.

    The caller's pending changes belong to the refused operation: they are rolled back,
    then the denial alone is committed.
    """
    db.rollback()
    if isinstance(actor, Actor):
        audit.record(db, "acceso_denegado", company_id=actor.company_id, user_id=actor.user_id,
                     target=str(target)[:120], outcome="denegado", ip=actor.ip,
                     channel=actor.channel)
        db.commit()
    raise AccessDenied(message or "No tiene permiso para realizar esta operación.")
