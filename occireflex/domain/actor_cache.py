"""The acting user of a session, kept between events and checked by one indexed read.

Loading an Actor (session, user, company, profile and its grants) costs several queries.
Each event instead reads one row — the session joined to its user and the user's profile —
and reuses the Actor built earlier when nothing that decides access has changed since:
the session (ended, redeemed, channel), the user (active, locked, administrator, profile,
names) and the profile (its ``version``, raised by every save of its grants, its state,
and a fingerprint of its grant rows for edits made outside the portal). A profile change
therefore applies at the user's next event, in every worker, without a new login.
Anything unusual (timeouts, a locked user) goes to the full path, which ends the session
with its message. The stamp also carries the company's IP rules version, with which
``access.load_actor`` checks the event's address on either path (``ip_rules``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, literal_column, select
from sqlmodel import Session

from occireflex.domain import deferred, security
from occireflex.domain.security_params import timeouts_seconds
from occireflex.models import (
    Grant,
    IpRulesVersion,
    LoginSession,
    Profile,
    SecurityParams,
    User,
)

if TYPE_CHECKING:
    from occireflex.domain.access import Actor

MAX_ENTRIES = 20_000

# grants edited outside ``profiles.save`` (which raises the version) still change this
_GRANTS_PRINT = (
    select(func.count(Grant.id) * literal_column("1000003") + func.coalesce(func.sum(
        Grant.id * literal_column("31") + func.length(Grant.service_code) * literal_column("7")
        + func.length(Grant.action_code)), literal_column("0")))
    .where(Grant.profile_id == User.profile_id)
    .scalar_subquery()
)

_STAMP = (
    select(LoginSession.id, LoginSession.channel, LoginSession.created_at,
           LoginSession.last_seen_at, LoginSession.ended_at, LoginSession.redeemed_at,
           User.id.label("user_id"), User.company_id, User.is_active, User.locked_at,
           User.is_admin, User.profile_id, User.username, User.full_name,
           User.password_temporary_until, User.channel_portal, User.channel_app,
           Profile.version.label("profile_version"),
           Profile.is_active.label("profile_active"), _GRANTS_PRINT.label("grants_print"),
           IpRulesVersion.version.label("ip_rules_version"),
           SecurityParams.idle_minutes, SecurityParams.absolute_minutes)
    .join(User, User.id == LoginSession.user_id)
    .outerjoin(Profile, Profile.id == User.profile_id)
    .outerjoin(IpRulesVersion, IpRulesVersion.company_id == User.company_id)
    .outerjoin(SecurityParams, SecurityParams.company_id == User.company_id)
    .where(LoginSession.token_hash == bindparam("digest"))
)
# The stamp is read on every event: as SQL compiled once per database, sent straight to the
# driver (the ORM's statement and row handling cost several times the query itself).
_SQL: dict[str, str] = {}


def _instant(value: Any) -> datetime:
    """SQLite hands back stored text; PostgreSQL an aware datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Stamp:
    """What decides access, as read for this event; ``key`` compares it with the cache."""

    digest: str
    row: Any

    @property
    def key(self) -> tuple:
        r = self.row
        return (r.id, r.channel, r.ended_at, r.redeemed_at, r.user_id, r.company_id,
                r.is_active, r.locked_at, r.is_admin, r.profile_id, r.username, r.full_name,
                r.password_temporary_until, r.channel_portal, r.channel_app,
                r.profile_version, r.profile_active,
                r.grants_print)

    def live(self, now: datetime) -> bool:
        """No timeout (the company's, read with the stamp), no ending, no lock: the fast
        path may serve the event."""
        r = self.row
        idle, absolute = timeouts_seconds(r.idle_minutes, r.absolute_minutes)
        return (r.ended_at is None and r.redeemed_at is not None and r.is_active
                and r.locked_at is None
                and bool(r.channel_app if r.channel == "app" else r.channel_portal)
                and now - _instant(r.created_at)
                <= timedelta(seconds=absolute)
                and now - deferred.last_seen(r.id, self.last_seen_at)
                <= timedelta(seconds=idle))

    @property
    def last_seen_at(self) -> datetime:
        return _instant(self.row.last_seen_at)


_lock = threading.Lock()
_entries: OrderedDict[str, tuple[tuple, Actor]] = OrderedDict()


def read_stamp(db: Session, raw_session: object) -> Stamp | None:
    """The session's access stamp, or None for an id that cannot be a session's."""
    if not isinstance(raw_session, str) or not 20 <= len(raw_session) <= 100:
        return None
    digest = security.hash_session_token(raw_session)
    conn = db.connection()
    dialect = conn.dialect
    sql = _SQL.get(dialect.name)
    if sql is None:
        sql = _SQL[dialect.name] = str(_STAMP.compile(dialect=dialect))
    params = (digest,) if dialect.paramstyle in ("qmark", "format") else {"digest": digest}
    row = conn.exec_driver_sql(sql, params).first()
    return None if row is None else Stamp(digest, row)


def cached(stamp: Stamp, now: datetime) -> Actor | None:
    """The Actor built for this very stamp, if the session is still live."""
    with _lock:
        entry = _entries.get(stamp.digest)
        if entry is not None:
            _entries.move_to_end(stamp.digest)
    if entry is None or entry[0] != stamp.key or not stamp.live(now):
        return None
    return entry[1]


def remember(stamp: Stamp, actor: Actor) -> None:
    """Keep ``actor`` for the stamp read *before* it was loaded: a change committed in
    between makes the next event's stamp differ, so it never hides a change."""
    with _lock:
        _entries[stamp.digest] = (stamp.key, actor)
        _entries.move_to_end(stamp.digest)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)


def clear() -> None:
    with _lock:
        _entries.clear()
