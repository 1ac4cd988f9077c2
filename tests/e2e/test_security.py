"""The portal as an attacker's page or script would meet it, in a real browser and over raw
HTTP: no script reads the session, every page runs under its Content-Security-Policy with
nothing refused, no other site can frame it, and uploads are refused before their body."""

from __future__ import annotations

import http.server
import socket
import threading
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from reflex_base.utils.format import format_event_handler

from occireflex import catalog
from occireflex.occireflex import upload_handlers
from occireflex.state.session import SessionState
from tests.e2e.conftest import DEMO_PASSWORD, E2EServer, fresh_code, login

PAGES = [s.route for s in catalog.SERVICES if s.built] + [
    "/", "/administracion/usuarios/perfiles/crear"]
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""
UPLOAD = next(iter(upload_handlers()))


def _violations(page: Page) -> list[str]:
    return page.evaluate("window.__csp || []")


def test_no_script_can_read_the_session_cookie(page: Page, e2e_server: E2EServer):
    login(page, e2e_server, "admin.demo")
    assert page.evaluate("document.cookie") == ""  # nothing a script could copy
    (session,) = [c for c in page.context.cookies() if c["name"] == "occi_sid"]
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    assert session["expires"] == -1  # a browser-session cookie
    page.goto("/consultas/saldos/por-producto")
    expect(page.get_by_text("Cuentas Corrientes")).to_be_visible()  # it still opens pages


def test_the_apps_cookie_is_invisible_too(new_context, e2e_server: E2EServer):
    page = new_context(phone=True).new_page()
    page.goto("/app")
    expect(page.locator("#app-usuario")).to_be_visible()
    page.locator("#app-usuario").fill("prepara.demo")
    page.locator("#app-clave").fill(DEMO_PASSWORD)
    page.locator("#app-factor").fill(fresh_code(e2e_server, "prepara.demo"))
    page.get_by_role("button", name="Ingresar").click()
    expect(page.get_by_role("button", name="Salir de la App")).to_be_visible()
    assert page.evaluate("document.cookie") == ""
    (session,) = [c for c in page.context.cookies() if c["name"] == "occi_app_sid"]
    assert session["httpOnly"] and session["sameSite"] == "Strict"


def test_every_page_works_under_its_policy(logged_in, e2e_server: E2EServer):
    page = logged_in("admin.demo")
    page.add_init_script(WATCH_CSP)
    for route in PAGES:
        response = page.goto(route)
        policy = response.headers["content-security-policy"]
        assert "'unsafe-eval'" not in policy and "script-src 'self' 'sha256-" in policy
        expect(page.get_by_role("button", name="Cerrar sesión").first).to_be_attached()
        expect(page.get_by_text("No tiene permiso")).to_have_count(0)
        assert _violations(page) == [], route
    # a command from the server (print, after the grant check) runs without eval
    page.goto("/administracion/usuarios/perfiles")
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.get_by_role("button", name="Imprimir").click()
    page.wait_for_function("window.__printed === true")
    assert _violations(page) == []


def test_the_app_and_the_login_work_under_their_policy(new_context):
    page = new_context(phone=True).new_page()
    page.add_init_script(WATCH_CSP)
    for route in ("/login", "/app"):
        response = page.goto(route)
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        expect(page.get_by_role("button", name="Siguiente").or_(
            page.get_by_role("button", name="Ingresar"))).to_be_visible()
        assert _violations(page) == [], route


@pytest.fixture
def other_site(e2e_server: E2EServer) -> Iterator[str]:
    """A page on another local origin that frames the portal, and a frameable page of
    its own (so the test also proves that framing works where it is allowed)."""
    pages = {
        "/marco": f'<iframe id="portal" src="{e2e_server.base_url}/login" width="800" '
                  'height="600"></iframe><iframe id="propio" src="/propio"></iframe>',
        "/propio": "<p id=propio-ok>enmarcable</p>",
    }

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_another_site_cannot_frame_the_portal(page: Page, other_site: str):
    refusals = []
    page.on("console", lambda m: refusals.append(m.text) if "frame-ancestors" in m.text else None)
    page.goto(f"{other_site}/marco")
    own = page.frame_locator("#propio")
    expect(own.locator("#propio-ok")).to_have_text("enmarcable")  # framing works here
    page.wait_for_timeout(1500)
    portal = page.locator("#portal").element_handle().content_frame()
    assert portal is not None and portal.locator("#usuario").count() == 0
    assert refusals, "Chromium did not report the frame-ancestors refusal"


# raw HTTP against the upload endpoint -------------------------------------------------------


def _raw_upload(server: E2EServer, *, handler: str = UPLOAD, cookie: str = "",
                length: int = 2**30, body: bytes = b"x" * 65536) -> tuple[int, bytes]:
    """Declare ``length`` bytes, send only ``body``, and read the answer: a gate that waits
    for the whole body would time out here."""
    head = (f"POST /_upload HTTP/1.1\r\nHost: localhost:{server.port}\r\n"
            f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {length}\r\n"
            f"reflex-client-token: {uuid.uuid4()}\r\nreflex-event-handler: {handler}\r\n"
            + (f"Cookie: {cookie}\r\n" if cookie else "") + "\r\n").encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head + body)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return int(answer.split(b" ", 2)[1]), answer


def _session_cookie(auth_states, username: str) -> str:
    (session,) = [c for c in auth_states.get(username)["cookies"] if c["name"] == "occi_sid"]
    return f"occi_sid={session['value']}"


def test_uploads_are_refused_before_their_body(e2e_server: E2EServer, auth_states):
    admin = _session_cookie(auth_states, "admin.demo")
    consulta = _session_cookie(auth_states, "consulta.demo")
    assert _raw_upload(e2e_server)[0] == 401  # anonymous, random token, 1 GiB declared
    assert _raw_upload(e2e_server, cookie="occi_sid=" + "A" * 43)[0] == 401
    assert _raw_upload(e2e_server, cookie=consulta)[0] == 403  # no grant for the service
    not_upload = format_event_handler(SessionState.logout)
    status, answer = _raw_upload(e2e_server, cookie=admin, handler=not_upload)
    assert status == 403 and b"Traceback" not in answer
    assert _raw_upload(e2e_server, cookie=admin)[0] == 413  # over the 20 MB limit
    log = e2e_server.log_path.read_text(errors="replace")
    assert "Traceback" not in log and "Unknown upload event handler" not in log
