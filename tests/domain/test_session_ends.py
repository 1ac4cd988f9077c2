"""Losing the right to act ends every session of the user at once, portal and App, and
nothing revives them: a session that sat idle through a lock stays dead after the unlock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from occireflex.domain import access, auth, sessions
from occireflex.domain.errors import SessionExpired, ValidationError
from occireflex.models import LoginSession, User
from occireflex.settings import settings
from tests.helpers import app_login, code_for, login, steps_apart

NOW = datetime(2026, 3, 2, 8, 0, 5, tzinfo=UTC)


def _wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def _open_sessions(engine, username: str) -> list[LoginSession]:
    with Session(engine) as other:
        user = other.exec(select(User).where(User.username == username)).one()
        return list(other.exec(select(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))).all())


def _refused(db: Session, raw: str, now: datetime, *, app: bool = False) -> bool:
    try:
        access.load_actor(db, raw, now=now, app=app)
    except SessionExpired:
        return True
    return False


@pytest.fixture
def three_sessions(demo, db):
    """prepara.demo in two portal tabs and the App, all opened at NOW."""
    working = login(db, "prepara.demo", now=NOW).session_token
    idle = login(db, "prepara.demo", now=steps_apart(NOW, 2)).session_token
    app = app_login(db, "prepara.demo", now=steps_apart(NOW, 4)).session_token
    assert len(_open_sessions(demo, "prepara.demo")) == 3
    return working, idle, app


def test_wrong_token_codes_in_one_tab_end_every_session_at_once(demo, db, three_sessions):
    working, idle, app = three_sessions
    later = NOW + timedelta(minutes=3)
    actor = access.load_actor(db, working, now=later)
    for attempt in range(settings.login_max_failures):
        at = steps_apart(later, attempt * 2)
        with pytest.raises(ValidationError) as refused:
            auth.confirm_with_token(db, actor, _wrong(code_for(db, "prepara.demo", at)),
                                    action="prueba_token", target="prueba", now=at)
    assert refused.value.message == auth.TOKEN_LOCKED
    # the database proves it: nothing is left open, each ended for the lock
    assert _open_sessions(demo, "prepara.demo") == []
    with Session(demo) as other:
        reasons = {row.end_reason for row in other.exec(select(LoginSession)).all()}
    assert reasons == {"usuario_bloqueado"}
    # the bank unlocks the user: the idle tab and the App stay ended
    auth.unlock_user(db, "prepara.demo")
    db.commit()
    after = later + timedelta(minutes=5)
    assert _refused(db, idle, after) and _refused(db, working, after)
    assert _refused(db, app, after, app=True)


def test_lockout_at_the_login_page_ends_the_users_open_sessions(demo, db, three_sessions):
    working, idle, app = three_sessions
    later = NOW + timedelta(minutes=3)
    for attempt in range(settings.login_max_failures):
        at = steps_apart(later, attempt * 2)
        flow = auth.submit_username("prepara.demo", at)
        auth.submit_token(db, flow, _wrong(code_for(db, "prepara.demo", at)), at, ip="10.1.1.1")
        db.commit()
    assert _open_sessions(demo, "prepara.demo") == []
    auth.unlock_user(db, "prepara.demo")
    db.commit()
    assert _refused(db, idle, later + timedelta(minutes=1))
    assert _refused(db, app, later + timedelta(minutes=1), app=True)


def test_other_users_sessions_are_untouched(demo, db, three_sessions):
    other = login(db, "admin.demo", now=NOW).session_token
    sessions.end_user_sessions(db, db.exec(select(User).where(
        User.username == "prepara.demo")).one().id, "usuario_bloqueado", NOW)
    db.commit()
    assert _open_sessions(demo, "prepara.demo") == []
    assert not _refused(db, other, NOW + timedelta(minutes=1))
