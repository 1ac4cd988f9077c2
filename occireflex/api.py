"""HTTP routes beside Reflex's websocket: the one-time hand-over of a new token's seed.

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
from occireflex.domain import enrollment
from occireflex.domain.access import load_actor
from occireflex.domain.errors import DomainError, SessionExpired
from occireflex.settings import settings

ENROLLMENT_PATH = "/api/app/token/enrolamiento"
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
        provisioning = enrollment.deliver(db, actor, ticket)
    return {"uri": provisioning.uri, "secret": provisioning.secret,
            "qr": qr_svg(provisioning.uri)}


async def enrollment_seed(request: Request) -> JSONResponse:
    origin = request.headers.get("origin")
    if origin is not None and origin not in settings.allowed_origins:
        return _error("Origen no permitido.", 403)
    body = await request.body()
    if len(body) > _MAX_BODY:
        return _error("Solicitud demasiado grande.", 413)
    try:
        ticket = json.loads(body or b"{}").get("ticket")
    except (ValueError, AttributeError):
        return _error("Solicitud no válida.", 400)
    raw_session = request.cookies.get(settings.app_session_cookie, "")
    client = request.client.host if request.client else ""
    try:
        data = await run_in_threadpool(_deliver, raw_session, ticket, client,
                                       request.headers.get("user-agent", ""))
    except SessionExpired as exc:
        return _error(exc.message, 401)
    except DomainError as exc:
        return _error(exc.message, 409)
    return JSONResponse(data, headers=NO_STORE)


def build() -> Starlette:
    return Starlette(routes=[Route(ENROLLMENT_PATH, enrollment_seed, methods=["POST"])])
