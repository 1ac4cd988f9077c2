"""Issue 16 point 6: every page passes an axe-core audit with no serious or critical
violation, on a desktop (1366×768) and on a phone (390×844).

axe-core comes from npm (``make axe``, which ``make test`` runs: ``.tools/axe``); its
``axe.min.js`` is added to each page (the contexts bypass the portal's CSP, which would
block the injected script) and ``axe.run`` audits the whole document once the page has
loaded its data. Pages: every route the app registers (the portal's services with their
sub-pages, ``/login``, the App's screens), as admin.demo, who sees everything; «Primer
ingreso» as an administrator onboarded by the bank's CLI, with the login's steps.
"""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import (
    DESKTOP,
    PHONE,
    ROOT,
    E2EServer,
    fresh_code,
    login_until_password,
    open_login,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

AXE_JS = Path(os.environ.get(
    "OCCIREFLEX_AXE_JS", ROOT / ".tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"))
BLOCKING = ("serious", "critical")
VIEWPORTS = {"escritorio": DESKTOP, "celular": PHONE}
USER = "admin.demo"
NIT = "901777444"  # its own company: test_own_account creates 901666888

# axe's violations, reduced to what a failure message needs
RUN_AXE = r"""async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
    targets: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
    first: (v.nodes[0].failureSummary || '').replace(/\s+/g, ' ').slice(0, 240),
    html: v.nodes[0].html.slice(0, 200),
  }));
}"""


def _portal_routes() -> list[str]:
    from occireflex.components.routing import marked_pages
    from occireflex.occireflex import PAGE_MODULES

    return [spec["route"] for _, spec in marked_pages(PAGE_MODULES)]


ROUTES = _portal_routes()
APP_ROUTES = [r for r in ROUTES if r == "/app" or r.startswith("/app/")]
# pages audited apart: the login (steps) and «Primer ingreso» (a first-access session)
PORTAL_ROUTES = [r for r in ROUTES if r not in ("/login", "/primer-ingreso")
                 and r not in APP_ROUTES]


def _one(server: E2EServer, sql: str) -> int:
    con = sqlite3.connect(f"file:{server.db_path}?mode=ro", uri=True, timeout=10)
    try:
        row = con.execute(sql, (USER,)).fetchone()
    finally:
        con.close()
    return row[0] if row and row[0] else 0


def _with_ids(server: E2EServer, route: str) -> str:
    """The address of a sub-page that shows one record (``?id=``), with a record of
    admin.demo's company (a payment only if another test made one: else the page's
    «not found» state)."""
    company = 'SELECT company_id FROM "user" WHERE username = ?'
    ids = {
        "/administracion/usuarios/perfiles/modificar":
            f"SELECT min(id) FROM profile WHERE company_id = ({company})",
        "/administracion/usuarios/perfiles/ver":
            f"SELECT min(id) FROM profile WHERE company_id = ({company})",
        "/administracion/usuarios/configuracion/modificar":
            f'SELECT max(id) FROM "user" WHERE company_id = ({company})',
        "/consultas/transacciones-realizadas/detalle":
            f"SELECT max(id) FROM payment WHERE company_id = ({company})",
    }
    if route in ids:
        return f"{route}?id={_one(server, ids[route])}"
    return route


def _axe_context(browser: Browser, server: E2EServer, viewport: dict,
                 storage_state: dict | None = None) -> BrowserContext:
    ctx = browser.new_context(base_url=server.base_url, locale="es-CO", bypass_csp=True,
                              storage_state=storage_state, **viewport)
    ctx.set_default_timeout(20_000)
    return ctx


def audit(page: Page, where: str) -> list[str]:
    """The serious and critical violations of the page as it is now, one line each."""
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)  # the page's data, sent over the websocket after hydration
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    lines = []
    for v in page.evaluate(RUN_AXE):
        if v["impact"] in BLOCKING:
            lines.append(f"{where}: [{v['impact']}] {v['id']} — {v['help']} "
                         f"({v['count']} nodos: {' | '.join(v['targets'])})\n"
                         f"    {v['html']}\n    {v['first']}")
    return lines


def _report(found: list[str]) -> str:
    return f"{len(found)} violaciones serias o críticas de axe-core:\n" + "\n".join(found)


@pytest.fixture(scope="module", autouse=True)
def _axe_available():
    if not AXE_JS.is_file():
        pytest.fail(f"Falta axe-core en {AXE_JS}: instálelo con «make axe»")


@pytest.fixture(scope="module")
def admin_state(browser: Browser, e2e_server: E2EServer, auth_states) -> dict:
    """admin.demo's portal session and, beside it, an App session."""
    ctx = _axe_context(browser, e2e_server, PHONE, auth_states.get(USER))
    try:
        page = ctx.new_page()
        page.goto("/app")
        expect(page.locator("#app-usuario")).to_be_visible()
        page.locator("#app-usuario").fill(USER)
        page.locator("#app-clave").fill("Demo2026*")
        page.locator("#app-factor").fill(fresh_code(e2e_server, USER))
        page.get_by_role("button", name="Ingresar").click()
        expect(page.get_by_role("button", name="Salir de la App")).to_be_visible()
        return ctx.storage_state()
    finally:
        ctx.close()


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_every_page_has_no_serious_violations(device, browser, e2e_server, admin_state):
    found: list[str] = []
    # the login's first step and the App's login form, without a session
    anonymous = _axe_context(browser, e2e_server, VIEWPORTS[device])
    try:
        page = anonymous.new_page()
        open_login(page)
        found += audit(page, "/login (usuario)")
        page.goto("/app")
        expect(page.locator("#app-usuario")).to_be_visible()
        found += audit(page, "/app (ingreso)")
    finally:
        anonymous.close()

    ctx = _axe_context(browser, e2e_server, VIEWPORTS[device], admin_state)
    try:
        page = ctx.new_page()
        for route in PORTAL_ROUTES:
            page.goto(_with_ids(e2e_server, route))
            expect(page.get_by_role("button", name="Cerrar sesión").first).to_be_attached()
            expect(page.get_by_text("No tiene permiso")).to_have_count(0)
            found += audit(page, route)
        # the bell's notices, open over the page
        page.goto("/")
        page.locator("#alert-bell").click()
        expect(page.locator("#alert-bell-read-all")).to_be_visible()
        found += audit(page, "/ (notificaciones abiertas)")
        page.keyboard.press("Escape")
        expect(page.locator("#alert-bell-read-all")).to_have_count(0)
        # the menu, open: a module's on a desktop, the whole menu on a phone
        menu = "Abrir menú" if device == "celular" else "Menú Transacciones"
        page.get_by_role("button", name=menu).click()
        expect(page.get_by_role("dialog")).to_be_visible()
        found += audit(page, f"/ ({menu.lower()})")
        page.keyboard.press("Escape")
        for route in APP_ROUTES:
            page.goto(route)
            expect(page.get_by_role("button", name="Salir de la App")).to_be_attached()
            found += audit(page, route)
    finally:
        ctx.close()
    assert not found, _report(found)


def test_the_login_steps_and_first_access_have_no_serious_violations(
        browser, e2e_server: E2EServer):
    from occireflex.domain import nit

    number = f"{NIT}-{nit.check_digit(NIT)}"
    e2e_server.cli("empresa", "crear", "--nit", number, "--nombre", "Accesible S.A.S.")
    out = e2e_server.cli("usuario", "crear", "--admin", "--nit", number, "--usuario",
                         "admin.accesible", "--nombre", "Ana Accesible", "--correo",
                         "ana@accesible.com", "--serial", "OCC-977744")
    temporary = re.search(r"Clave temporal: (\S+)", out).group(1)

    found: list[str] = []
    ctx = _axe_context(browser, e2e_server, DESKTOP)
    try:
        page = ctx.new_page()
        login_until_password(page, e2e_server, "admin.accesible")
        found += audit(page, "/login (clave)")
        page.locator("#clave").fill(temporary)
        page.get_by_role("button", name="Ingresar").click()
        page.wait_for_url(f"{e2e_server.base_url}/primer-ingreso")
        expect(page.locator("#nueva")).to_be_visible()
        found += audit(page, "/primer-ingreso (escritorio)")
        state = ctx.storage_state()
    finally:
        ctx.close()
    phone = _axe_context(browser, e2e_server, PHONE, state)
    try:
        page = phone.new_page()
        page.goto("/primer-ingreso")
        expect(page.locator("#nueva")).to_be_visible()
        found += audit(page, "/primer-ingreso (celular)")
    finally:
        phone.close()
    assert not found, _report(found)
