"""Security headers on every response: pages, assets, API routes and the upload endpoint.

Pages get a Content-Security-Policy without 'unsafe-inline' or 'unsafe-eval' for scripts:
the production build's few inline scripts (router context, hydration) are allowed by their
SHA-256, computed from the very document being sent, so the policy always matches the
build. Nothing may frame the portal (``frame-ancestors 'none'`` and X-Frame-Options).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
from functools import lru_cache

import anyio
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from occireflex.web.cookies import is_https

_INLINE_SCRIPT = re.compile(rb"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)
_HAS_SRC = re.compile(rb"\bsrc\s*=", re.I)

PAGE_POLICY = (
    "default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; "
    "manifest-src 'self'; worker-src 'self'"
)
# JSON, scripts, styles, images: nothing in them may run or be framed
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'"

COMMON = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


@lru_cache(maxsize=256)
def page_policy(document: bytes) -> str:
    """The page policy for this HTML document: its inline scripts allowed by hash."""
    hashes = []
    for match in _INLINE_SCRIPT.finditer(document):
        if _HAS_SRC.search(match.group("attrs")):
            continue
        digest = base64.b64encode(hashlib.sha256(match.group("body")).digest()).decode()
        hashes.append(f"'sha256-{digest}'")
    return PAGE_POLICY.format(hashes=" ".join(dict.fromkeys(hashes)))


def _wants_html(scope: Scope) -> bool:
    for key, value in scope.get("headers", ()):
        if key == b"accept":
            return b"text/html" in value
    return False


_FRESH_PAGE_DROPS = (b"accept-encoding", b"if-none-match", b"if-modified-since")


def _fresh_page_request(scope: Scope) -> Scope:
    """A page is hashed as sent: ask the static files for the whole document, uncompressed
    (a few KB) and never as «304 Not Modified», whose headers would replace the cached
    page's policy with one that does not list its scripts."""
    headers = [(k, v) for k, v in scope.get("headers", ()) if k not in _FRESH_PAGE_DROPS]
    return {**scope, "headers": headers}


def _plain(start: Message, document: bytes) -> bytes:
    encoding = MutableHeaders(raw=list(start.get("headers", []))).get("content-encoding")
    return gzip.decompress(document) if encoding == "gzip" else document


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = is_https(scope.get("scheme", "http"))
        if _wants_html(scope):
            scope = _fresh_page_request(scope)
        held: Message | None = None
        body: list[bytes] = []

        def finish(start: Message, policy: str) -> Message:
            headers = MutableHeaders(raw=list(start.get("headers", [])))
            for name, value in COMMON.items():
                headers[name] = value
            headers["content-security-policy"] = policy
            if https:
                headers["strict-transport-security"] = HSTS
            return {**start, "headers": headers.raw}

        async def send_with_headers(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                content_type = MutableHeaders(raw=list(message.get("headers", []))).get(
                    "content-type", "")
                if content_type.startswith("text/html"):
                    held = message  # the policy depends on the document: wait for it
                    return
                await send(finish(message, OTHER_POLICY))
                return
            if held is not None and message["type"] == "http.response.pathsend":
                # the server sends the file itself: read it to hash its scripts
                document = await anyio.Path(message["path"]).read_bytes()
                await send(finish(held, page_policy(_plain(held, document))))
                await send(message)
                return
            if held is None or message["type"] != "http.response.body":
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            document = b"".join(body)
            await send(finish(held, page_policy(_plain(held, document))))
            await send({"type": "http.response.body", "body": document})

        await self.app(scope, receive, send_with_headers)
