"""The one-time hand-over of a new token's seed (``POST /api/app/token/enrolamiento``):
only to the App session that started the enrollment, once, never cached."""

from __future__ import annotations

import pyotp
import pytest
from starlette.testclient import TestClient

from occireflex import api
from occireflex.db import session_scope
from occireflex.domain.access import load_actor
from occireflex.domain.tokens import admin as ta
from occireflex.domain.tokens import device as enrollment
from occireflex.models import utcnow
from occireflex.settings import settings
from tests.helpers import actor_at, app_login, code_for, login

ORIGIN = {"origin": settings.allowed_origins[0]}


@pytest.fixture
def started(demo, db):
    """prepara.demo released and authorized, logged into the App, enrollment begun."""
    now = utcnow()
    admin = actor_at(db, "admin.demo", now)
    user_id = next(r.user_id for r in ta.list_users(db, admin)[0] if r.username == "prepara.demo")
    ta.request_release(db, admin, user_id, "solo_semilla",
                       code_for(db, "admin.demo", now, 1), now)
    db.commit()
    request_id = ta.pending_requests(db, admin, now)[0].id
    ta.approve(db, admin, request_id, now)
    db.commit()
    raw = app_login(db, "prepara.demo", now=now).session_token
    with session_scope() as session:
        actor = load_actor(session, raw, app=True)
        ticket = enrollment.begin(session, actor, "Celular", now).ticket
    return raw, ticket


@pytest.fixture
def client():
    return TestClient(api.build())


def post(client, body, sid=None, headers=ORIGIN):
    cookies = {settings.app_session_cookie: sid} if sid else {}
    client.cookies.clear()
    for name, value in cookies.items():
        client.cookies.set(name, value)
    return client.post(api.ENROLLMENT_PATH, content=body, headers=headers)


def test_the_seed_is_handed_over_once_to_its_app_session(started, client):
    raw, ticket = started
    response = post(client, f'{{"ticket": "{ticket}"}}', raw)
    assert response.status_code == 200
    assert response.headers["cache-control"].startswith("no-store")
    data = response.json()
    assert pyotp.parse_uri(data["uri"]).secret == data["secret"]
    assert data["qr"].startswith("<svg") and 'aria-label="Código QR del token virtual"' in data["qr"]
    again = post(client, f'{{"ticket": "{ticket}"}}', raw)
    assert again.status_code == 409 and again.json()["error"] == enrollment.SHOWN_ONCE
    assert "secret" not in again.json()


def test_refusals_say_why_and_hand_over_nothing(started, client, demo, db):
    raw, ticket = started
    body = f'{{"ticket": "{ticket}"}}'
    cases = [
        (post(client, body), 401),  # no App session
        (post(client, body, "x" * 43), 401),  # an unknown session
        (post(client, body, raw, {"origin": "https://evil.example"}), 403),
        (post(client, "no es json", raw), 400),
        (post(client, "[1, 2]", raw), 400),
        (post(client, "x" * 5000, raw), 413),
        (post(client, '{"ticket": "' + "A" * 43 + '"}', raw), 409),  # another ticket
        (post(client, '{"ticket": 5}', raw), 409),
    ]
    for response, status in cases:
        assert response.status_code == status, response.text
        assert "error" in response.json() and "secret" not in response.json()
    assert post(client, body, raw).status_code == 200  # still deliverable once


def test_a_portal_session_cannot_fetch_it(started, client, demo, db):
    _, ticket = started
    portal_sid = login(db, "autoriza.demo").session_token
    response = post(client, f'{{"ticket": "{ticket}"}}', portal_sid)
    assert response.status_code == 401
