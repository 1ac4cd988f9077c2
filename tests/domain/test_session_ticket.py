"""A login hands the page a one-time ticket, never the session id: the ticket is traded
once, within a minute, for the id that only the HttpOnly cookie will hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from occireflex.domain import auth, sessions
from occireflex.domain.errors import SessionExpired
from occireflex.models import LoginSession
from tests.helpers import DEMO_PASSWORD, code_for

NOW = datetime(2026, 3, 2, 8, 0, 5, tzinfo=UTC)


def _ticket(db, username: str = "admin.demo", now: datetime = NOW) -> str:
    flow = auth.submit_username(username, now)
    flow = auth.submit_token(db, flow, code_for(db, username, now), now)
    flow = auth.accept_conditions(flow, True, now)
    result = auth.submit_password(db, flow, DEMO_PASSWORD, now=now)
    db.commit()
    return result.ticket


def test_the_ticket_is_not_a_session_and_is_redeemed_once(demo, db):
    ticket = _ticket(db)
    with pytest.raises(SessionExpired):  # a pending login serves no event
        sessions.resolve_session(db, ticket, NOW)
    redeemed = sessions.redeem_ticket(db, ticket, NOW + timedelta(seconds=5))
    db.commit()
    assert not redeemed.app and redeemed.session_id != ticket
    row = sessions.resolve_session(db, redeemed.session_id, NOW + timedelta(seconds=6))
    assert row.redeemed_at is not None
    with pytest.raises(SessionExpired):  # twice: refused
        sessions.redeem_ticket(db, ticket, NOW + timedelta(seconds=7))
    with pytest.raises(SessionExpired):  # and the spent ticket is no session either
        sessions.resolve_session(db, ticket, NOW + timedelta(seconds=7))


def test_a_late_ticket_is_refused(demo, db):
    ticket = _ticket(db)
    with pytest.raises(SessionExpired):
        sessions.redeem_ticket(db, ticket, NOW + timedelta(seconds=sessions.TICKET_SECONDS + 1))
    (row,) = db.exec(select(LoginSession)).all()
    assert row.redeemed_at is None


@pytest.mark.parametrize("forged", [None, 7, "", "x" * 19, "x" * 101, ["a"], "a" * 43])
def test_forged_tickets_are_refused(demo, db, forged):
    _ticket(db)
    with pytest.raises(SessionExpired):
        sessions.redeem_ticket(db, forged, NOW)


def test_an_app_ticket_says_so(demo, db):
    result = auth.app_login(db, "prepara.demo", DEMO_PASSWORD, code_for(db, "prepara.demo", NOW),
                            now=NOW)
    db.commit()
    assert sessions.redeem_ticket(db, result.ticket, NOW).app
