"""The gate in front of Reflex's ``/_upload``: refuse before reading the body.

Reflex accepts any upload for any client token and handler name and reads the whole body
first. Here a request passes only when it names one of our upload handlers, carries a live
portal session (the HttpOnly cookie) whose user holds that handler's service, and declares
a size within the limit; the size is enforced again while the body streams in. Refusals
are short Spanish JSON answers (400/401/403/413), never a traceback. The public upload
folder is never served: this portal keeps uploads in the database.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from occireflex.db import session_scope
from occireflex.domain.access import load_actor
from occireflex.domain.errors import SessionExpired
from occireflex.settings import settings
from occireflex.web.cookies import cookie_value

UPLOAD_PATH = "/_upload"
MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around the one file

NO_SESSION = "Su sesión ha terminado. Ingrese nuevamente para cargar el archivo."
NOT_ALLOWED = "No tiene permiso para cargar archivos en este servicio."
TOO_LARGE = "El archivo supera el tamaño máximo de {mb} MB."
BAD_REQUEST = "La carga no es válida: use el botón «Cargar Archivo» del portal."


def _answer(status: int, message: str) -> tuple[Message, Message]:
    body = json.dumps({"error": message}, ensure_ascii=False).encode()
    start = {"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store")]}
    return start, {"type": "http.response.body", "body": body}


class UploadGate:
    """``handlers`` maps each upload handler's full Reflex name to (service, max bytes)."""

    def __init__(self, app: ASGIApp, handlers: Callable[[], dict[str, tuple[str, int]]]):
        self.app = app
        self._handlers = handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == UPLOAD_PATH
                                            or path.startswith(UPLOAD_PATH + "/")):
            await self.app(scope, receive, send)
            return
        if path != UPLOAD_PATH or scope.get("method") != "POST":
            await self._refuse(send, 404, "No encontrado.")
            return
        headers = Headers(scope=scope)
        rule = self._handlers().get(headers.get("reflex-event-handler", ""))
        if rule is None or not headers.get("reflex-client-token"):
            await self._refuse(send, 403, NOT_ALLOWED)
            return
        service, limit = rule
        if not headers.get("content-type", "").startswith("multipart/form-data"):
            await self._refuse(send, 400, BAD_REQUEST)
            return
        refusal = await run_in_threadpool(self._check_user, headers, scope, service)
        if refusal is not None:
            await self._refuse(send, *refusal)
            return
        allowed = limit + MULTIPART_OVERHEAD
        too_large = _answer(413, TOO_LARGE.format(mb=limit // (1024 * 1024)))
        declared = headers.get("content-length")
        if declared is not None:
            if not (declared.isascii() and declared.isdigit()):
                await self._refuse(send, 400, BAD_REQUEST)
                return
            if int(declared) > allowed:
                await self._send(send, too_large)
                return
        await self._stream_within(scope, receive, send, allowed, too_large)

    def _check_user(self, headers: Headers, scope: Scope, service: str) -> tuple[int, str] | None:
        raw = cookie_value(headers.get("cookie", ""), settings.session_cookie)
        client = scope.get("client") or ("", 0)
        try:
            with session_scope() as db:
                actor = load_actor(db, raw, user_agent=headers.get("user-agent", ""),
                                   ip=client[0])
        except SessionExpired:
            return 401, NO_SESSION
        return None if actor.can(service) else (403, NOT_ALLOWED)

    async def _stream_within(self, scope: Scope, receive: Receive, send: Send, allowed: int,
                             too_large: tuple[Message, Message]) -> None:
        """Count the body as it arrives; past the limit, stop reading and answer 413."""
        seen = 0
        over = False

        async def counted() -> Message:
            nonlocal seen, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > allowed:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        answered = False

        async def guarded(message: Message) -> None:
            nonlocal answered
            if over:  # whatever Reflex answers to the cut-off body, the user gets the 413
                if not answered:
                    answered = True
                    await self._send(send, too_large)
                return
            await send(message)

        await self.app(scope, counted, guarded)
        if over and not answered:
            await self._send(send, too_large)

    @staticmethod
    async def _send(send: Send, answer: tuple[Message, Message]) -> None:
        await send(answer[0])
        await send(answer[1])

    async def _refuse(self, send: Send, status: int, message: str) -> None:
        await self._send(send, _answer(status, message))
