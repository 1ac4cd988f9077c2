"""The acting user kept between events (domain/actor_cache.py): one indexed read per event,
and every change that decides access still applies at the user's next event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from occireflex import catalog
from occireflex.domain import access, deferred, profiles, sessions
from occireflex.domain.errors import SessionExpired
from occireflex.models import Grant, LoginSession, Profile, User, utcnow
from occireflex.settings import settings
from tests.helpers import code_for, login

SALDOS = "consultas.saldos.por_producto"


@pytest.fixture
def statements(engine):
    """The SQL statements the code under test sends."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield sent
    event.remove(engine, "before_cursor_execute", record)


def _event(engine, raw: str, **kw) -> access.Actor:
    """What one portal event does: its own session, the actor, commit."""
    with Session(engine, expire_on_commit=False) as db:
        actor = access.load_actor(db, raw, **kw)
        db.commit()
    return actor


@pytest.fixture
def preparer(demo, db):
    return login(db, "prepara.demo").session_token


def test_second_event_reads_one_row_and_writes_nothing(demo, preparer, statements):
    first = _event(demo, preparer)
    statements.clear()
    again = _event(demo, preparer)
    assert again == first and again.can(SALDOS)
    assert len(statements) == 1 and statements[0].lstrip().upper().startswith("SELECT")


def test_profile_saved_by_an_administrator_applies_at_the_next_event(demo, db, preparer):
    assert _event(demo, preparer).can(SALDOS)
    admin_sid = login(db, "admin.demo").session_token
    admin = _event(demo, admin_sid)
    profile = db.exec(select(Profile).where(Profile.name == "Prepara y Autoriza")).one()
    detail = profiles.get_profile(db, admin, profile.id)
    fewer = frozenset(g for g in detail.grants if g[0] != SALDOS)
    now = utcnow()
    profiles.save_profile(db, admin, profile.id, detail.version, detail.data, fewer,
                          code_for(db, "admin.demo", now, 1), now)
    db.commit()
    assert not _event(demo, preparer).can(SALDOS)


def test_grant_rows_edited_outside_the_portal_apply_too(demo, db, preparer):
    assert _event(demo, preparer).can(SALDOS)
    profile = db.exec(select(Profile).where(Profile.name == "Prepara y Autoriza")).one()
    for grant in db.exec(select(Grant).where(Grant.profile_id == profile.id,
                                             Grant.service_code == SALDOS)).all():
        db.delete(grant)
    db.commit()
    assert not _event(demo, preparer).can(SALDOS)
    db.add(Grant(profile_id=profile.id, service_code=SALDOS, action_code=catalog.ACCESO))
    db.commit()
    assert _event(demo, preparer).can(SALDOS)


@pytest.mark.parametrize("change", ["locked", "inactive", "profile_removed", "made_admin",
                                    "renamed"])
def test_user_changes_apply_at_the_next_event(demo, db, preparer, change):
    before = _event(demo, preparer)
    user = db.exec(select(User).where(User.username == "prepara.demo")).one()
    if change == "locked":
        user.locked_at = utcnow()
    elif change == "inactive":
        user.is_active = False
    elif change == "profile_removed":
        user.profile_id = None
    elif change == "made_admin":
        user.is_admin = True
    else:
        user.full_name = "Pedro G. Gómez"
    db.add(user)
    db.commit()
    if change in ("locked", "inactive"):
        with pytest.raises(SessionExpired):
            _event(demo, preparer)
        return
    after = _event(demo, preparer)
    assert after != before
    if change == "profile_removed":
        assert after.grants == frozenset()
    elif change == "made_admin":
        assert after.is_admin and after.can(profiles.PERFILES)
    else:
        assert after.full_name == "Pedro G. Gómez"


def test_session_ended_elsewhere_ends_here_at_the_next_event(demo, db, preparer):
    _event(demo, preparer)
    with Session(demo) as other:  # e.g. another worker, or the App locking the user
        sessions.logout(other, preparer)
        other.commit()
    with pytest.raises(SessionExpired):
        _event(demo, preparer)


def test_idle_and_absolute_timeouts_still_end_a_cached_session(demo, db, preparer,
                                                               pinned_clock):
    _event(demo, preparer)
    pinned_clock.advance(timedelta(seconds=settings.idle_timeout_seconds + 1))
    with pytest.raises(SessionExpired, match="inactividad"):
        _event(demo, preparer)
    fresh = login(db, "prepara.demo").session_token
    step = settings.idle_timeout_seconds - 60
    for _ in range(settings.absolute_timeout_seconds // step + 1):
        _event(demo, fresh)  # active all along
        deferred.flush()
        pinned_clock.advance(timedelta(seconds=step))
    with pytest.raises(SessionExpired, match="tiempo máximo"):
        _event(demo, fresh)


def test_activity_is_noted_without_writing_in_the_event(demo, db, preparer, pinned_clock,
                                                        statements):
    _event(demo, preparer)
    at = pinned_clock.advance(timedelta(minutes=5))
    statements.clear()
    _event(demo, preparer)
    assert not any(s.lstrip().upper().startswith("UPDATE") for s in statements)
    assert deferred.flush() == 1
    row = db.exec(select(LoginSession).where(LoginSession.user_id == _user_id(db))).first()
    db.refresh(row)
    assert row.last_seen_at.replace(tzinfo=None) == at.replace(tzinfo=None)


def test_a_portal_session_never_serves_the_app_even_when_cached(demo, preparer):
    _event(demo, preparer)
    with pytest.raises(SessionExpired):
        _event(demo, preparer, app=True)


def _user_id(db) -> int:
    return db.exec(select(User.id).where(User.username == "prepara.demo")).one()
