"""The HTTP side, request by request: the session cookie's hand-over, the security headers
of every response, and the upload gate refusing before it reads a byte of the body."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from occireflex import api
from occireflex.domain import auth, bulk, sessions
from occireflex.models import LoginSession, utcnow
from occireflex.occireflex import http_gates, upload_handlers
from occireflex.settings import settings
from occireflex.web.cookies import cookie_value
from tests.helpers import DEMO_PASSWORD, code_for, login

ORIGIN = {"origin": settings.allowed_origins[0]}
PAGE = (b"<!DOCTYPE html><html><head><script>window.a = 1;</script>"
        b"<script type=\"module\" src=\"/assets/x.js\"></script></head><body>"
        b"<script>window.b = 2;</script></body></html>")
UPLOAD = next(iter(upload_handlers()))


def _sha(script: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"


# the session cookie -------------------------------------------------------------------------


def _ticket(db, username="admin.demo", app=False) -> str:
    now = utcnow()
    if app:
        result = auth.app_login(db, username, DEMO_PASSWORD, code_for(db, username, now), now=now)
    else:
        flow = auth.submit_username(username, now)
        flow = auth.submit_token(db, flow, code_for(db, username, now), now)
        result = auth.submit_password(db, auth.accept_conditions(flow, True, now),
                                      DEMO_PASSWORD, now=now)
    db.commit()
    return result.ticket


@pytest.mark.parametrize("base, secure", [("http://testserver", False),
                                          ("https://testserver", True)])
def test_the_ticket_becomes_an_httponly_strict_cookie(demo, db, base, secure):
    client = TestClient(api.build(), base_url=base)
    response = client.post(api.SESSION_PATH, json={"ticket": _ticket(db)}, headers=ORIGIN)
    assert response.status_code == 200 and response.json() == {"next": "/"}
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{settings.session_cookie}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert ("Secure" in cookie) is secure
    assert "Max-Age" not in cookie and "expires" not in cookie.lower()  # a browser session
    raw = cookie_value(cookie.split(";")[0], settings.session_cookie)
    assert sessions.resolve_session(db, raw).redeemed_at is not None


def test_the_app_gets_its_own_cookie(demo, db):
    client = TestClient(api.build())
    response = client.post(api.SESSION_PATH, json={"ticket": _ticket(db, "prepara.demo", True)},
                           headers=ORIGIN)
    assert response.json() == {"next": "/app"}
    assert response.headers["set-cookie"].startswith(f"{settings.app_session_cookie}=")


def test_a_ticket_works_once_and_refusals_set_nothing(demo, db):
    client = TestClient(api.build())
    ticket = _ticket(db)
    cases = [
        ({"ticket": ticket}, {"origin": "https://evil.example"}, 403),
        ({"ticket": ticket}, {**ORIGIN, "sec-fetch-site": "cross-site"}, 403),
        ({"ticket": "A" * 43}, ORIGIN, 401),
        ({"ticket": ["x"]}, ORIGIN, 401),
        ([1], ORIGIN, 400),
    ]
    for body, headers, status in cases:
        response = client.post(api.SESSION_PATH, json=body, headers=headers)
        assert response.status_code == status and "set-cookie" not in response.headers
    assert client.post(api.SESSION_PATH, json={"ticket": ticket}, headers=ORIGIN).status_code == 200
    again = client.post(api.SESSION_PATH, json={"ticket": ticket}, headers=ORIGIN)
    assert again.status_code == 401 and "set-cookie" not in again.headers


def test_logout_ends_the_session_and_clears_the_cookie(demo, db):
    raw = login(db, "admin.demo").session_token
    client = TestClient(api.build())
    client.cookies.set(settings.session_cookie, raw)
    response = client.post(api.LOGOUT_PATH, json={"superficie": "portal"}, headers=ORIGIN)
    assert response.json() == {"next": "/login"}
    cleared = response.headers["set-cookie"]
    assert cleared.startswith(f'{settings.session_cookie}=""') and "Max-Age=0" in cleared
    row = db.exec(select(LoginSession)).one()
    db.refresh(row)
    assert row.end_reason == "cierre_usuario"


# security headers ---------------------------------------------------------------------------


def _site() -> Starlette:
    async def page(request: Request) -> Response:
        return HTMLResponse(PAGE, headers={"etag": '"v1"'})

    async def data(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/pagina", page), Route("/datos", data)])


def test_pages_allow_exactly_their_inline_scripts_and_refuse_framing():
    client = TestClient(http_gates(_site()))
    response = client.get("/pagina", headers={"accept": "text/html"})
    policy = response.headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]+)", policy).group(1).split()
    assert script_src == ["'self'", _sha(b"window.a = 1;"), _sha(b"window.b = 2;")]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "strict-transport-security" not in response.headers  # plain http


def test_every_other_response_gets_the_headers_too():
    client = TestClient(http_gates(_site()), base_url="https://testserver")
    for response in (client.get("/datos"), client.get("/no-existe"),
                     client.post("/_upload", content=b"x")):
        assert response.headers["content-security-policy"].startswith("default-src 'none'")
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["strict-transport-security"].startswith("max-age=31536000")


def test_a_page_is_always_sent_whole_so_its_policy_matches():
    """A «304» would make the browser keep the cached page under the new headers."""
    client = TestClient(http_gates(_site()))
    response = client.get("/pagina", headers={"accept": "text/html", "if-none-match": '"v1"',
                                              "accept-encoding": "gzip"})
    assert response.status_code == 200 and response.content == PAGE


# the upload gate ----------------------------------------------------------------------------


class Downstream:
    """Stands for Reflex's /_upload: records whether it ran and what it read."""

    def __init__(self) -> None:
        self.calls = 0
        self.read = 0

    async def __call__(self, scope, receive, send):
        self.calls += 1
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            self.read += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        await Response("{}", media_type="application/json")(scope, receive, send)


def _upload(client, *, sid=None, handler=UPLOAD, body=b"--x--", headers=None):
    client.cookies.clear()
    if sid:
        client.cookies.set(settings.session_cookie, sid)
    sent = {"reflex-client-token": "t" * 36, "reflex-event-handler": handler,
            "content-type": "multipart/form-data; boundary=x", **(headers or {})}
    return client.post("/_upload", content=body, headers=sent)


@pytest.fixture
def gate():
    downstream = Downstream()
    return downstream, TestClient(http_gates(downstream))


def test_anonymous_and_forged_uploads_are_refused_before_the_body(demo, db, gate):
    downstream, client = gate
    admin = login(db, "admin.demo").session_token
    consulta = login(db, "consulta.demo").session_token  # no Servicios Públicos grant
    cases = [
        (_upload(client), 401),
        (_upload(client, sid="A" * 43), 401),
        (_upload(client, sid=consulta), 403),
        (_upload(client, sid=admin, handler="reflex___state____state.logout"), 403),
        (_upload(client, sid=admin, handler=""), 403),
        (_upload(client, sid=admin, headers={"content-type": "application/json"}), 400),
        (_upload(client, sid=admin, headers={"content-length": "12abc"}), 400),
    ]
    for response, status in cases:
        assert response.status_code == status, response.text
        assert "Traceback" not in response.text and response.json()["error"]
    assert downstream.calls == 0 and downstream.read == 0


def test_declared_or_streamed_excess_gets_413(demo, db, gate):
    downstream, client = gate
    admin = login(db, "admin.demo").session_token
    declared = _upload(client, sid=admin, headers={"content-length": str(2**30)})
    assert declared.status_code == 413 and "20 MB" in declared.json()["error"]
    assert downstream.calls == 0

    def chunks():  # no content-length: the gate counts while it streams
        for _ in range(bulk.MAX_BYTES // 2**20 + 2):
            yield b"x" * 2**20

    streamed = _upload(client, sid=admin, body=chunks())
    assert streamed.status_code == 413
    assert downstream.read <= bulk.MAX_BYTES + 2**20


def test_an_allowed_upload_reaches_reflex(demo, db, gate):
    downstream, client = gate
    admin = login(db, "admin.demo").session_token
    assert _upload(client, sid=admin, body=b"--x\r\n" * 10).status_code == 200
    assert downstream.calls == 1 and downstream.read == 50


def test_the_public_upload_folder_is_never_served(gate):
    _, client = gate
    assert client.get("/_upload/anything.csv").status_code == 404
