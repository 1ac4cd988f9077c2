"""«Cambio de Clave e Imagen Propia» in Chromium (issue 13, points 4 and 7): in the portal a
user changes the password (and logs in again with it) and another the «imagen propia»
(the login then shows it); in the App a new administrator's first access with the
temporary password, then «Cambio de Clave». Desktop and phone screenshots of both screens.

Users of their own (admin.otra, opera.otra, a company onboarded here): the other browser
tests log in with the demo password. Each user's token codes are one per 30 s step, so the
two portal users take turns."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    DEMO_PASSWORD,
    E2EServer,
    fresh_code,
    login,
    login_until_password,
)
from tests.e2e.test_token_virtual import submit_app_login

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

PAGE = "/administracion/usuarios/cambio-clave-imagen"
NEW = "tres tigres comen trigo en Cali"
NEWER = "el río Cauca pasa por Cali de noche"
STRONG = re.compile("Seguridad: (Fuerte|Muy fuerte)")


def full_page(page: Page, path) -> None:
    """The whole page from its top (the App's bar is sticky: scrolled, it would cover the
    middle of a full-page capture)."""
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=path, full_page=True)


def scrolled_to_the_end(page: Page, path) -> None:
    """The screen as the phone shows it at the end of a long form: the App's menu is fixed
    at the bottom, and the last button must stand above it."""
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.screenshot(path=path)


def fill_new_password(page: Page, password: str) -> None:
    """Nueva clave (the meter measures it as it is typed) and its confirmation."""
    page.locator("#nueva").fill("password1")
    expect(page.locator("#medidor")).to_have_text("Seguridad: Muy débil")
    page.locator("#nueva").fill(password)
    expect(page.locator("#medidor")).to_have_text(STRONG)
    page.locator("#repetir").fill(password)


def log_out(page: Page) -> None:
    """«Cerrar sesión», and the login page its script opens (not one opened before it)."""
    page.get_by_role("button", name="Cerrar sesión").click()
    page.wait_for_url(re.compile(r"/login"))
    expect(page.get_by_text("Su sesión se cerró correctamente.")).to_be_visible()


def open_own_account(page: Page) -> None:
    page.goto(PAGE)
    expect(page.get_by_role("heading", name="Cambio de Clave e Imagen Propia")).to_be_visible()
    expect(page.get_by_role("tab", name="Cambio de Clave")).to_be_visible()


def test_portal_password_and_image(e2e_server: E2EServer, new_context, screenshots_dir):
    admin, other = new_context().new_page(), new_context().new_page()
    login(admin, e2e_server, "admin.otra")
    login(other, e2e_server, "opera.otra")

    # «Cambio de Clave»: admin.otra
    open_own_account(admin)
    admin.locator("#actual").fill(DEMO_PASSWORD)
    fill_new_password(admin, NEW)
    admin.screenshot(path=screenshots_dir / "cambio-clave-imagen-desktop.png")
    admin.locator("#token").fill(fresh_code(e2e_server, "admin.otra"))
    admin.get_by_role("button", name="Cambiar Clave").click()
    expect(admin.get_by_text("Su clave fue cambiada. Úsela desde su próximo ingreso."
                             )).to_be_visible()
    expect(admin.locator("#actual")).to_have_value("")
    expect(admin.locator("#medidor")).not_to_contain_text("Seguridad")
    phone = new_context(phone=True, storage_state=admin.context.storage_state()).new_page()
    open_own_account(phone)
    full_page(phone, screenshots_dir / "cambio-clave-imagen-phone.png")

    # «Imagen Propia»: opera.otra (her next code is due already)
    open_own_account(other)
    other.get_by_role("tab", name="Imagen Propia").click()
    expect(other.locator("#imagen-sol")).to_have_attribute("aria-label", "sol (su imagen actual)")
    change = other.get_by_role("button", name="Cambiar Imagen")
    expect(change).to_be_disabled()
    other.locator("#imagen-luna").click()
    expect(other.locator("#imagen-luna")).to_have_attribute("aria-pressed", "true")
    other.locator("#token-imagen").fill(fresh_code(e2e_server, "opera.otra"))
    other.screenshot(path=screenshots_dir / "imagen-propia-desktop.png")
    change.click()
    expect(other.get_by_text("Su imagen propia fue cambiada")).to_be_visible()
    expect(other.locator("#imagen-actual")).to_have_attribute("src", re.compile("luna"))
    log_out(other)
    login_until_password(other, e2e_server, "opera.otra")
    expect(other.get_by_alt_text("Imagen propia")).to_have_attribute("src", re.compile("luna"))

    # admin.otra logs out and in again with the new password (his next code is due now)
    log_out(admin)
    login(admin, e2e_server, "admin.otra", NEW)
    expect(admin.get_by_text("Otra Empresa S.A.S.").first).to_be_visible()


def test_app_first_access_then_cambio_de_clave(e2e_server: E2EServer, new_context,
                                               screenshots_dir):
    from occireflex.domain import nit

    base = "901666888"
    number = f"{base}-{nit.check_digit(base)}"
    e2e_server.cli("empresa", "crear", "--nit", number, "--nombre", "Comercial Andina S.A.S.")
    out = e2e_server.cli("usuario", "crear", "--admin", "--nit", number, "--usuario",
                         "gerencia.andina", "--nombre", "Julián Ortiz", "--correo",
                         "gerencia@andina.com", "--serial", "OCC-966688")
    temporary = re.search(r"Clave temporal: (\S+)", out).group(1)

    page = new_context(phone=True).new_page()
    submit_app_login(page, "gerencia.andina", fresh_code(e2e_server, "gerencia.andina"),
                     temporary)
    # a temporary password: the App opens the first access
    page.wait_for_url(f"{e2e_server.base_url}/app/clave")
    expect(page.get_by_role("heading", name="Primer ingreso")).to_be_visible()
    fill_new_password(page, NEW)
    page.locator("#imagen-colibri").click()
    page.locator("#token").fill(fresh_code(e2e_server, "gerencia.andina"))
    scrolled_to_the_end(page, screenshots_dir / "app-primer-ingreso-phone.png")
    page.get_by_role("button", name="Guardar y continuar").click()
    page.wait_for_url(f"{e2e_server.base_url}/app")
    expect(page.get_by_text("Julián Ortiz")).to_be_visible()
    # the whole App now: the administrator's tiles
    expect(page.get_by_role("link", name="Autorizaciones pendientes")).to_be_visible()

    # «Cambio de Clave» from its tile
    page.get_by_role("link", name="Cambio de Clave").click()
    page.wait_for_url(f"{e2e_server.base_url}/app/clave")
    expect(page.get_by_role("heading", name="Cambie su clave")).to_be_visible()
    page.locator("#actual").fill(NEW)
    fill_new_password(page, NEWER)
    full_page(page, screenshots_dir / "app-cambio-clave-phone.png")
    page.locator("#token").fill(fresh_code(e2e_server, "gerencia.andina"))
    page.get_by_role("button", name="Cambiar clave").click()
    expect(page.get_by_text("Su clave fue cambiada. Úsela desde su próximo ingreso.")
           ).to_be_visible()
    expect(page.locator("#actual")).to_have_value("")
    desktop = new_context(storage_state=page.context.storage_state()).new_page()
    desktop.goto("/app/clave")
    expect(desktop.get_by_role("heading", name="Cambie su clave")).to_be_visible()
    desktop.screenshot(path=screenshots_dir / "app-cambio-clave-desktop.png")
