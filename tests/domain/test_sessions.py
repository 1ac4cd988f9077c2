"""Portal sessions: only a hash is stored, idle and absolute timeouts, logout, forged ids,
users disabled after login, and sessions ended when their token is blocked."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from occireflex.domain import deferred, sessions
from occireflex.domain.errors import SessionExpired
from occireflex.models import Account, AuditEvent, LoginSession, User
from occireflex.settings import settings
from tests.helpers import login, steps_apart, token_of

NOW = datetime(2026, 3, 2, 8, 0, 5, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)  # the module's data is built at NOW
IDLE = timedelta(seconds=settings.idle_timeout_seconds)
ABSOLUTE = timedelta(seconds=settings.absolute_timeout_seconds)


def session_row(engine, raw: str) -> LoginSession:
    """The session as committed, read through a new database session."""
    with Session(engine) as other:
        return other.exec(select(LoginSession).where(
            LoginSession.token_hash == hashlib.sha256(raw.encode()).hexdigest())).one()


def expired_message(db: Session, raw: object, now: datetime) -> str:
    with pytest.raises(SessionExpired) as exc:
        sessions.resolve_session(db, raw, now)
    return exc.value.message


def set_user(db: Session, username: str, **values) -> User:
    user = db.exec(select(User).where(User.username == username)).one()
    for key, value in values.items():
        setattr(user, key, value)
    db.add(user)
    db.commit()
    return user


def test_session_id_resolves_and_only_its_sha256_is_stored(demo, db):
    raw = login(db, "admin.demo", now=NOW, ip="10.7.7.7", channel="web").session_token
    row = sessions.resolve_session(db, raw, NOW + timedelta(minutes=1))
    admin = db.exec(select(User).where(User.username == "admin.demo")).one()
    assert row.user_id == admin.id and row.company_id == admin.company_id
    assert row.ip == "10.7.7.7" and row.ended_at is None
    (stored,) = db.exec(select(LoginSession)).all()
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert stored.token_hash != raw
    assert raw not in " ".join(str(v) for v in stored.model_dump().values())
    # The stored hash itself is not a usable session id.
    assert expired_message(db, stored.token_hash, NOW) == sessions.ENDED_MESSAGE


def test_idle_session_expires_and_is_ended_as_inactividad(demo, db):
    raw = login(db, "admin.demo", now=NOW).session_token
    sessions.resolve_session(db, raw, NOW + IDLE)  # exactly at the limit: still alive
    db.commit()
    idle_from = NOW + IDLE
    message = expired_message(db, raw, idle_from + IDLE + timedelta(seconds=1))
    assert message == sessions.IDLE_MESSAGE
    db.rollback()  # the caller's work is refused; the ending must persist anyway
    row = session_row(demo, raw)
    assert row.end_reason == "inactividad"
    assert row.ended_at == idle_from + IDLE + timedelta(seconds=1)
    with Session(demo) as other:
        ended = other.exec(select(AuditEvent).where(AuditEvent.action == "sesion_terminada")).all()
    assert [e.target for e in ended] == ["inactividad"]
    # And it stays ended: coming back later is not a new idle expiry.
    assert expired_message(db, raw, idle_from + IDLE + timedelta(minutes=1)) == \
        sessions.ENDED_MESSAGE


def test_activity_every_ten_minutes_keeps_the_session_until_the_absolute_limit(demo, db):
    raw = login(db, "admin.demo", now=NOW).session_token
    now = NOW
    while now + timedelta(minutes=10) <= NOW + ABSOLUTE:
        now += timedelta(minutes=10)
        sessions.resolve_session(db, raw, now)
        db.commit()
    assert now == NOW + ABSOLUTE  # 72 events, the last exactly at 12 h
    deferred.flush()  # activity is written by the flusher, within a second
    assert session_row(demo, raw).last_seen_at == now
    assert expired_message(db, raw, now + timedelta(minutes=10)) == sessions.ABSOLUTE_MESSAGE
    assert session_row(demo, raw).end_reason == "absoluto"


def test_periodic_check_without_touch_does_not_reset_the_idle_clock(demo, db):
    raw = login(db, "admin.demo", now=NOW).session_token
    for minutes in (5, 10, 14):
        sessions.resolve_session(db, raw, NOW + timedelta(minutes=minutes), touch=False)
        db.commit()
    assert session_row(demo, raw).last_seen_at == NOW
    assert expired_message(db, raw, NOW + IDLE + timedelta(seconds=1)) == sessions.IDLE_MESSAGE


def test_logout_ends_the_session_and_only_that_one(demo, db):
    raw = login(db, "admin.demo", now=NOW).session_token
    other = login(db, "admin.demo", now=steps_apart(NOW, 2)).session_token
    sessions.logout(db, raw, NOW + timedelta(minutes=3))
    db.commit()
    row = session_row(demo, raw)
    assert row.end_reason == "cierre_usuario"
    assert row.ended_at == NOW + timedelta(minutes=3)
    assert expired_message(db, raw, NOW + timedelta(minutes=4)) == sessions.ENDED_MESSAGE
    assert sessions.resolve_session(db, other, NOW + timedelta(minutes=4)).ended_at is None


@pytest.mark.parametrize("raw", [None, "", 12345, "x" * 1000, b"bytes-session-id-123456789"])
def test_malformed_session_id_is_refused(raw):
    # db=None: refused before any database work.
    with pytest.raises(SessionExpired) as exc:
        sessions.resolve_session(None, raw, NOW)
    assert exc.value.message == sessions.ENDED_MESSAGE


def test_unknown_session_id_is_refused_and_logout_of_garbage_is_harmless(demo, db):
    live = login(db, "admin.demo", now=NOW).session_token
    for forged in (secrets.token_urlsafe(32), live[:-1] + ("A" if live[-1] != "A" else "B"),
                   live.upper() if live.upper() != live else live.lower(), "a" * 100):
        assert expired_message(db, forged, NOW) == sessions.ENDED_MESSAGE
        sessions.logout(db, forged, NOW)
    for junk in (None, "", 42):
        sessions.logout(db, junk, NOW)
    db.commit()
    assert sessions.resolve_session(db, live, NOW).ended_at is None


def test_session_of_a_user_disabled_after_login_is_refused(demo, db):
    changes = {"prepara.demo": {"locked_at": NOW}, "autoriza.demo": {"is_active": False}}
    raws = {name: login(db, name, now=NOW).session_token for name in changes}
    ends = {"prepara.demo": ("usuario_inhabilitado", sessions.ENDED_MESSAGE),
            "autoriza.demo": (sessions.REASON_INACTIVATED, sessions.INACTIVE_MESSAGE)}
    for name, change in changes.items():
        set_user(db, name, **change)
        reason, message = ends[name]
        assert expired_message(db, raws[name], NOW + timedelta(minutes=1)) == message, name
        row = session_row(demo, raws[name])
        assert row.end_reason == reason and row.ended_at is not None
        # and the same reason at every later event
        assert expired_message(db, raws[name], NOW + timedelta(minutes=2)) == message
        # Re-enabling the user does not bring the ended session back.
        set_user(db, name, locked_at=None, is_active=True)
        assert expired_message(db, raws[name], NOW + timedelta(minutes=2)) == \
            sessions.ENDED_MESSAGE


def test_blocking_a_token_ends_the_sessions_opened_with_it(demo, db):
    first = login(db, "admin.demo", now=NOW).session_token
    second = login(db, "admin.demo", now=steps_apart(NOW, 2)).session_token
    other_user = login(db, "prepara.demo", now=NOW).session_token
    token = token_of(db, "admin.demo")
    assert session_row(demo, first).token_id == token.id
    later = NOW + timedelta(minutes=5)
    assert sessions.end_sessions_using_token(db, token.id, "token_bloqueado", later) == 2
    db.commit()
    for raw in (first, second):
        assert session_row(demo, raw).end_reason == "token_bloqueado"
        assert expired_message(db, raw, later) == sessions.ENDED_MESSAGE
    assert sessions.resolve_session(db, other_user, later).ended_at is None
    # Nothing left to end.
    assert sessions.end_sessions_using_token(db, token.id, "token_bloqueado", later) == 0


def test_expiring_a_session_does_not_commit_the_callers_pending_changes(demo, db):
    raw = login(db, "admin.demo", now=NOW).session_token
    account = db.exec(select(Account).where(Account.number == "256034567")).one()
    account.available += 1  # work in progress of the refused operation
    db.add(account)
    with pytest.raises(SessionExpired):
        sessions.resolve_session(db, raw, NOW + IDLE + timedelta(seconds=1))
    db.rollback()
    assert session_row(demo, raw).end_reason == "inactividad"
    with Session(demo) as other:
        stored = other.exec(select(Account).where(Account.number == "256034567")).one()
    assert stored.available == 30243
