"""What the HTTP gates cost per request: security headers (with the page's CSP hashes) and
the upload gate's refusal, against the bare ASGI app measured in the same run.

    .venv/bin/python bench/http_gates.py [--page .web-e2e/build/client/login/index.html]

The page defaults to a production build's login page when one exists (else a synthetic
page of the same shape). Figures are medians over many calls, and ratios to the floor.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OCCIREFLEX_INSTANCE_DIR", tempfile.mkdtemp(prefix="occi-bench-"))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from occireflex.web.headers import SecurityHeaders, page_policy  # noqa: E402
from occireflex.web.upload_gate import UploadGate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PAGE = ROOT / ".web-e2e" / "build" / "client" / "login" / "index.html"


def _app(body: bytes, content_type: bytes):
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", content_type),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
    return app


async def _call(app, path: str, headers: list[tuple[bytes, bytes]], method: str = "GET") -> None:
    scope = {"type": "http", "method": method, "path": path, "headers": headers,
             "scheme": "http", "client": ("127.0.0.1", 1), "query_string": b""}

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_message):
        return None

    await app(scope, receive, send)


def _median_us(app, path, headers, n: int, method: str = "GET") -> float:
    async def many() -> list[float]:
        samples = []
        for _ in range(n):
            t0 = time.perf_counter()
            await _call(app, path, headers, method)
            samples.append(time.perf_counter() - t0)
        return samples

    return statistics.median(asyncio.run(many())) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--page", type=Path, default=DEFAULT_PAGE)
    parser.add_argument("-n", type=int, default=20000)
    args = parser.parse_args()
    if args.page.exists():
        page = args.page.read_bytes()
        source = str(args.page.relative_to(ROOT)) if args.page.is_relative_to(ROOT) else args.page
    else:
        page = (b"<html><head>" + b"<script>window.x=1;</script>" * 9 + b"</head><body>"
                + b"<div>" * 2000 + b"</body></html>")
        source = "synthetic page"
    html, json_body = _app(page, b"text/html; charset=utf-8"), _app(b'{"ok":1}', b"application/json")
    accept_html = [(b"accept", b"text/html")]
    n = args.n
    floor_json = _median_us(json_body, "/ping", [], n)
    gated_json = _median_us(SecurityHeaders(json_body), "/ping", [], n)
    floor_html = _median_us(html, "/login", accept_html, n)
    gated_html = _median_us(SecurityHeaders(html), "/login", accept_html, n)
    page_policy.cache_clear()
    t0 = time.perf_counter()
    for _ in range(200):
        page_policy.__wrapped__(page)
    uncached = (time.perf_counter() - t0) / 200 * 1e6
    refusal = _median_us(SecurityHeaders(UploadGate(json_body, lambda: {})), "/_upload",
                         [(b"reflex-event-handler", b"x"), (b"reflex-client-token", b"t")],
                         n, "POST")
    print(f"page: {source} ({len(page):,} bytes, "
          f"{page_policy(page).count('sha256-')} inline scripts hashed)")
    print(f"JSON response: bare {floor_json:.1f} us, with headers {gated_json:.1f} us "
          f"(x{gated_json / floor_json:.2f}, +{gated_json - floor_json:.1f} us)")
    print(f"page response: bare {floor_html:.1f} us, with CSP {gated_html:.1f} us "
          f"(x{gated_html / floor_html:.2f}, +{gated_html - floor_html:.1f} us; policy cached)")
    print(f"page policy computed afresh (first request of a page): {uncached:.1f} us")
    print(f"upload refused for an unknown handler (no body read, no database): {refusal:.1f} us "
          f"(x{refusal / floor_json:.2f} the bare JSON response)")


if __name__ == "__main__":
    main()
