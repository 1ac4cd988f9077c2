"""HTTP routes beside Reflex's websocket: the session cookies and the one-time hand-over
of a new token's seed.

Sessions: a login over the websocket yields a one-time ticket; the page's script posts it
to ``/api/sesion`` and the answer sets the session id in an HttpOnly cookie, which the
websocket reads from its handshake after the page reloads. ``/api/sesion/salir`` ends the
session and clears the cookie.

The seed must reach the device once (QR code and the App's own copy) but never a Reflex
state var, where it would be kept in the state manager and re-sent with every delta. So
the App's page asks this route, with its App session cookie and the one-time ticket of
the enrollment it started; the answer is not cached and cannot be asked for twice.
"""

from __future__ import annotations

import json
import re

import qrcode
import qrcode.image.svg
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from occireflex.db import session_scope
from occireflex.domain import network, sessions
from occireflex.domain.access import load_actor
from occireflex.domain.errors import DomainError, SessionExpired
from occireflex.domain.tokens import device
from occireflex.settings import settings
from occireflex.web.cookies import clear_session_cookie, cookie_name, is_https, set_session_cookie

ENROLLMENT_PATH = "/api/app/token/enrolamiento"
SESSION_PATH = "/api/sesion"
LOGOUT_PATH = "/api/sesion/salir"
NO_STORE = {"Cache-Control": "no-store, max-age=0", "Pragma": "no-cache"}
_MAX_BODY = 1024


def qr_svg(text: str) -> str:
    """The QR code as inline SVG on white, sized by its container."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathFillImage, border=4,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    svg = image.to_string(encoding="unicode")
    return re.sub(r'width="[^"]+" height="[^"]+"', 'width="100%" height="100%" role="img" '
                  'aria-label="Código QR del token virtual"', svg, count=1)


def _error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=NO_STORE)


def _deliver(raw_session: str, ticket: object, ip: str, user_agent: str) -> dict[str, str]:
    with session_scope() as db:
        actor = load_actor(db, raw_session, app=True, ip=ip, user_agent=user_agent)
        provisioning = device.deliver(db, actor, ticket)
    return {"uri": provisioning.uri, "secret": provisioning.secret,
            "qr": qr_svg(provisioning.uri)}


class _Refused(Exception):
    def __init__(self, response: JSONResponse):
        self.response = response


async def _small_json(request: Request) -> dict:
    """The body of a same-origin POST from the page's script, at most 1 KiB of JSON."""
    origin = request.headers.get("origin")
    if origin is not None and origin not in settings.allowed_origins:
        raise _Refused(_error("Origen no permitido.", 403))
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise _Refused(_error("Origen no permitido.", 403))
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > _MAX_BODY:
            raise _Refused(_error("Solicitud demasiado grande.", 413))
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise _Refused(_error("Solicitud no válida.", 400))
    return data


def _redeem(ticket: object) -> sessions.Redeemed:
    with session_scope() as db:
        return sessions.redeem_ticket(db, ticket)


async def redeem_session(request: Request) -> JSONResponse:
    """Trade a login's one-time ticket for the HttpOnly session cookie."""
    try:
        ticket = (await _small_json(request)).get("ticket")
    except _Refused as refused:
        return refused.response
    try:
        redeemed = await run_in_threadpool(_redeem, ticket)
    except SessionExpired as exc:
        return _error(exc.message, 401)
    response = JSONResponse({"next": "/app" if redeemed.app else "/"}, headers=NO_STORE)
    set_session_cookie(response, app=redeemed.app, session_id=redeemed.session_id,
                       https=is_https(request.url.scheme))
    return response


def _logout(raw_session: str) -> None:
    with session_scope() as db:
        sessions.logout(db, raw_session)


async def end_session(request: Request) -> JSONResponse:
    """«Cerrar sesión»: end the session (if still open) and clear its cookie."""
    try:
        app = (await _small_json(request)).get("superficie") == "app"
    except _Refused as refused:
        return refused.response
    await run_in_threadpool(_logout, request.cookies.get(cookie_name(app), ""))
    response = JSONResponse({"next": "/app" if app else "/login"}, headers=NO_STORE)
    clear_session_cookie(response, app=app, https=is_https(request.url.scheme))
    return response


async def enrollment_seed(request: Request) -> JSONResponse:
    try:
        ticket = (await _small_json(request)).get("ticket")
    except _Refused as refused:
        return refused.response
    raw_session = request.cookies.get(settings.app_session_cookie, "")
    client = network.client_address(request.client.host if request.client else "",
                                    request.headers.get("x-forwarded-for", ""))
    try:
        data = await run_in_threadpool(_deliver, raw_session, ticket, client,
                                       request.headers.get("user-agent", ""))
    except SessionExpired as exc:
        return _error(exc.message, 401)
    except DomainError as exc:
        return _error(exc.message, 409)
    return JSONResponse(data, headers=NO_STORE)


def build() -> Starlette:
    return Starlette(routes=[
        Route(SESSION_PATH, redeem_session, methods=["POST"]),
        Route(LOGOUT_PATH, end_session, methods=["POST"]),
        Route(ENROLLMENT_PATH, enrollment_seed, methods=["POST"]),
    ])
