"""Browser tests of the portal: login (seed 000), menus by profile, favorites, logout,
access guards, the phone layout, and documentation screenshots."""

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
    open_login,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

LOGIN_URL = re.compile(r"/login/?(\?.*)?$")
SALDOS = "/consultas/saldos/por-producto"
PERFILES = "/administracion/usuarios/perfiles"
GENERIC_FAILURE = "Los datos ingresados no son correctos"
DENIED = "No tiene permiso para acceder a este servicio"
NO_BALANCES = "Su perfil no tiene habilitada la consulta de saldos"
MODULES = ("Consultas", "Transacciones", "Servicio al Cliente", "Administración", "Ayudas",
           "Archivos")


def home_url(server: E2EServer) -> str:
    return f"{server.base_url}/"


def expect_demo_balances(page: Page, *, phone: bool = False) -> None:
    """Home / Por Producto of Empresa Demo S.A.S.: the balances of seed 001.

    Wide screens show a table; phones show one card per account instead.
    """
    checking = page.get_by_test_id("cuentas-corrientes")
    expect(checking.get_by_role("heading", name="Cuentas Corrientes")).to_be_visible()
    if phone:
        expect(checking.get_by_role("table")).to_be_hidden()
        number = checking.get_by_text("No. 256034567").filter(visible=True)
        expect(number).to_have_count(1)
        card = number.locator("xpath=..")
        expect(card).to_contain_text("Cuenta Corriente Principal")
        expect(card).to_have_text(re.compile(
            r"Saldo Disponible:\s*\$302\.43\s*Saldo Canje:\s*\$0\.00\s*"
            r"Saldo Actual:\s*\$302\.43"))
    else:
        row = checking.get_by_role("row").filter(has_text="256034567")
        expect(row).to_be_visible()
        expect(row.get_by_role("cell")).to_have_text(
            [re.compile(r"Cuenta Corriente Principal\s*No\. 256034567"),
             "$302.43", "$0.00", "$302.43"])
    savings = page.get_by_test_id("cuentas-ahorros")
    expect(savings.get_by_role("heading", name="Cuentas Ahorros")).to_be_visible()
    expect(savings.get_by_text("No existen registros")).to_be_visible()


def expect_coming_soon(menu, name: str) -> None:
    """An unbuilt service: greyed text with a «próximamente» badge, not a link."""
    entry = menu.locator('[aria-disabled="true"]').filter(has_text=name)
    expect(entry).to_be_visible()
    expect(entry).to_contain_text("próximamente")
    expect(menu.get_by_role("link", name=name)).to_have_count(0)


def open_module_menu(page: Page, module: str):
    page.get_by_role("button", name=f"Menú {module}").click()
    menu = page.get_by_role("dialog")
    expect(menu).to_be_visible()
    return menu


def expect_at_login(page: Page) -> None:
    expect(page).to_have_url(LOGIN_URL)
    expect(page.locator("#usuario")).to_be_visible()


# ------------------------------------------------------------------------------ 1


def test_full_login_shows_home_balances(page: Page, e2e_server: E2EServer, auth_states):
    open_login(page)
    expect(page.get_by_role("heading", name="Ingreso al portal")).to_be_visible()
    expect(page.get_by_text("1. Ingrese su usuario")).to_be_visible()
    page.locator("#usuario").fill("admin.demo")
    page.get_by_role("button", name="Siguiente").click()

    expect(page.get_by_text("2. Ingrese el número del token")).to_be_visible()
    expect(page.get_by_text("Usuario: admin.demo")).to_be_visible()
    page.locator("#token").fill(fresh_code(e2e_server, "admin.demo"))
    page.get_by_role("button", name="Siguiente").click()

    expect(page.get_by_text("3. Acepte las condiciones de seguridad")).to_be_visible()
    checkbox = page.get_by_role("checkbox", name="Acepto las condiciones de seguridad")
    continuar = page.get_by_role("button", name="Continuar")
    expect(checkbox).not_to_be_checked()
    expect(continuar).to_be_disabled()
    checkbox.click()
    expect(checkbox).to_be_checked()
    expect(continuar).to_be_enabled()
    checkbox.click()
    expect(continuar).to_be_disabled()
    checkbox.click()
    continuar.click()

    expect(page.get_by_text("4. Ingrese su clave")).to_be_visible()
    image = page.get_by_alt_text("Imagen propia")
    expect(image).to_be_visible()
    expect(image).to_have_attribute("src", re.compile(r"/propia/faro\.svg$"))
    # the image really loaded (not a broken <img>)
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    page.locator("#clave").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Ingresar").click()

    page.wait_for_url(home_url(e2e_server))
    expect(page.get_by_role("heading", name="Ana María Rodríguez")).to_be_visible()
    expect(page.get_by_text("Empresa Demo S.A.S.").first).to_be_visible()
    expect_demo_balances(page)
    auth_states.remember("admin.demo", page.context.storage_state())


# ------------------------------------------------------------------------------ 2


def test_wrong_password_is_rejected(page: Page, e2e_server: E2EServer):
    login_until_password(page, e2e_server, "prepara.demo")
    page.locator("#clave").fill("NoEsLaClave1*")
    page.get_by_role("button", name="Ingresar").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(GENERIC_FAILURE)
    expect(page.locator("#usuario")).to_be_visible()  # back at step 1
    expect(page.get_by_text("1. Ingrese su usuario")).to_be_visible()
    expect(page.locator("#clave")).to_have_count(0)
    expect(page).to_have_url(LOGIN_URL)
    assert not any(c["name"] == "occi_sid" and c["value"] for c in page.context.cookies())

    page.goto("/")
    page.wait_for_url(LOGIN_URL)
    expect_at_login(page)
    expect(page.get_by_text("Cuentas Corrientes")).to_have_count(0)


# ------------------------------------------------------------------------------ 3


def test_menus_are_filtered_by_profile(logged_in):
    page = logged_in("consulta.demo")
    page.goto("/")
    expect(page.get_by_role("button", name="Menú Consultas")).to_be_visible()
    for hidden in ("Transacciones", "Servicio al Cliente", "Ayudas", "Archivos"):
        expect(page.get_by_role("button", name=f"Menú {hidden}")).to_have_count(0)
    # Administración: every user's own account (Cambio de Clave e Imagen Propia)
    expect(page.get_by_role("button", name="Menú Administración")).to_be_visible()

    menu = open_module_menu(page, "Consultas")
    expect(menu.get_by_role("link", name="Por Producto")).to_be_visible()
    expect(menu.get_by_role("link", name="Por Producto")).to_have_attribute("href", SALDOS)
    for name, href in (("Detalles de Movimientos", "/consultas/movimientos/detalles"),
                       ("Transacciones Realizadas", "/consultas/transacciones-realizadas")):
        expect(menu.get_by_role("link", name=name)).to_have_attribute("href", href)
    expect(menu.get_by_role("link")).to_have_count(3)  # exactly the profile's services
    expect(menu.get_by_text("Consolidados")).to_have_count(0)
    expect(menu.get_by_text("Notas Débito y Crédito")).to_have_count(0)
    expect(menu.get_by_text("Mi Banco")).to_have_count(0)

    page = logged_in("admin.demo")
    page.goto("/")
    for module in MODULES:
        expect(page.get_by_role("button", name=f"Menú {module}")).to_be_visible()
    menu = open_module_menu(page, "Administración")
    for group in ("Usuarios", "Productos", "Seguridad"):
        expect(menu.get_by_text(group, exact=True)).to_be_visible()
    # «Perfiles» and the token services are built (links); their neighbours are still
    # «próximamente»
    perfiles = menu.get_by_role("link", name="Perfiles", exact=True)
    expect(perfiles).to_be_visible()
    expect(perfiles).to_have_attribute("href", PERFILES)
    expect(menu.get_by_role("link", name="Administración de Token")).to_have_attribute(
        "href", "/administracion/seguridad/token")
    expect(menu.get_by_role("link", name="Consulta de Token")).to_have_attribute(
        "href", "/administracion/seguridad/consulta-token")
    expect(menu.get_by_role("link", name="Configuración de Usuarios")).to_have_attribute(
        "href", "/administracion/usuarios/configuracion")
    expect(menu.get_by_role("link", name="Inscripción de Alertas")).to_have_attribute(
        "href", "/administracion/usuarios/alertas")
    expect(menu.get_by_role("link", name="Configuración de Autorizaciones")
           ).to_have_attribute("href", "/administracion/seguridad/autorizaciones")
    expect(menu.get_by_role("link", name="Parámetros Generales y de Seguridad")
           ).to_have_attribute("href", "/administracion/seguridad/parametros")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    menu = open_module_menu(page, "Consultas")
    expect_coming_soon(menu, "Consolidados")


# ------------------------------------------------------------------------------ 4


def test_favorite_survives_reload(logged_in):
    page = logged_in("admin.demo")
    page.goto(SALDOS)
    crumbs = page.get_by_role("navigation", name="Ruta de navegación")
    expect(crumbs).to_contain_text(re.compile(r"Consultas\s*Saldos\s*Por Producto"))
    expect_demo_balances(page)

    page.get_by_role("button", name="Agregar a Favoritos").click()
    expect(page.get_by_role("button", name="Quitar de Favoritos")).to_be_visible()

    page.reload()
    expect(page.get_by_role("button", name="Quitar de Favoritos")).to_be_visible()
    expect(page.get_by_role("button", name="Agregar a Favoritos")).to_have_count(0)
    page.get_by_role("button", name="Favoritos", exact=True).click()
    favs = page.get_by_role("dialog")
    expect(favs.get_by_role("link", name="Por Producto")).to_have_attribute("href", SALDOS)
    page.keyboard.press("Escape")
    expect(favs).to_have_count(0)

    page.get_by_role("button", name="Quitar de Favoritos").click()
    expect(page.get_by_role("button", name="Agregar a Favoritos")).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Agregar a Favoritos")).to_be_visible()
    page.get_by_role("button", name="Favoritos", exact=True).click()
    favs = page.get_by_role("dialog")
    expect(favs).to_contain_text("Aún no tiene favoritos")
    expect(favs.get_by_role("link", name="Por Producto")).to_have_count(0)


# ------------------------------------------------------------------------------ 5


def test_logout_ends_the_session(page: Page, e2e_server: E2EServer, new_context):
    login(page, e2e_server, "autoriza.demo")
    expect(page.get_by_role("heading", name="Laura Martínez")).to_be_visible()
    before_logout = page.context.storage_state()

    page.get_by_role("button", name="Cerrar sesión").click()
    page.wait_for_url(LOGIN_URL)
    expect(page.get_by_text("Su sesión se cerró correctamente.")).to_be_visible()
    expect(page.locator("#usuario")).to_be_visible()

    page.goto("/")
    page.wait_for_url(LOGIN_URL)
    expect_at_login(page)
    page.goto(SALDOS)
    page.wait_for_url(LOGIN_URL)
    expect_at_login(page)

    # the old session id no longer works either: it was ended on the server
    stale = new_context(storage_state=before_logout).new_page()
    stale.goto("/")
    stale.wait_for_url(LOGIN_URL)
    expect_at_login(stale)
    expect(stale.get_by_text("Cuentas Corrientes")).to_have_count(0)


# ------------------------------------------------------------------------------ 6


def test_service_page_requires_session_and_grant(page: Page, e2e_server: E2EServer):
    page.goto(SALDOS)
    page.wait_for_url(LOGIN_URL)
    expect_at_login(page)

    login(page, e2e_server, "opera.otra")
    expect(page.get_by_role("heading", name="Sofía Torres")).to_be_visible()
    expect(page.get_by_text(NO_BALANCES)).to_be_visible()
    expect(page.get_by_test_id("cuentas-corrientes")).to_have_count(0)
    for module in MODULES:  # a profile without grants: only the own account's menu
        expect(page.get_by_role("button", name=f"Menú {module}")).to_have_count(
            1 if module == "Administración" else 0)

    page.goto(SALDOS)
    expect(page.get_by_role("alert")).to_contain_text(DENIED)
    expect(page.get_by_role("heading", name="Por Producto")).to_be_visible()
    expect(page.get_by_test_id("cuentas-corrientes")).to_have_count(0)
    expect(page.get_by_test_id("cuentas-ahorros")).to_have_count(0)
    expect(page.get_by_text("$", exact=False)).to_have_count(0)


# ------------------------------------------------------------------------------ 7


def test_phone_layout(new_context, e2e_server: E2EServer):
    page = new_context(phone=True).new_page()
    login(page, e2e_server, "admin.demo")
    menu_button = page.get_by_role("button", name="Abrir menú")
    expect(menu_button).to_be_visible()
    expect(page.get_by_role("button", name="Menú Consultas")).to_be_hidden()
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    expect_demo_balances(page, phone=True)

    menu_button.tap()
    menu = page.get_by_role("dialog")
    expect(menu).to_be_visible()
    for module in MODULES:
        expect(menu.get_by_role("button", name=module, exact=True)).to_be_visible()
    menu.get_by_role("button", name="Consultas", exact=True).tap()
    expect(menu.get_by_role("link", name="Por Producto")).to_be_visible()

    # «Pruebas1» lacks «Acceso Front Responsive»: nothing on a phone
    page = new_context(phone=True).new_page()
    login(page, e2e_server, "consulta.demo")
    expect(page.get_by_role("heading", name="Carlos Pérez")).to_be_visible()
    expect(page.get_by_text(NO_BALANCES)).to_be_visible()
    expect(page.get_by_test_id("cuentas-corrientes")).to_have_count(0)
    page.get_by_role("button", name="Abrir menú").tap()
    menu = page.get_by_role("dialog")
    expect(menu).to_contain_text("Carlos Pérez")
    for module in MODULES:  # only Administración, for the own account
        expect(menu.get_by_role("button", name=module, exact=True)).to_have_count(
            1 if module == "Administración" else 0)
    expect(menu.get_by_text("Por Producto")).to_have_count(0)


# ------------------------------------------------------------------------------ 8


def _no_horizontal_overflow(page: Page, width: int = 390) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url}: scrollWidth {scroll_width} > {width}"


def test_screenshots(new_context, auth_states, screenshots_dir):
    admin = auth_states.get("admin.demo")
    for kind in ("desktop", "phone"):
        phone = kind == "phone"

        page = new_context(phone=phone).new_page()
        open_login(page)
        expect(page.get_by_role("heading", name="Ingreso al portal")).to_be_visible()
        page.screenshot(path=screenshots_dir / f"login-{kind}.png", full_page=True)
        if phone:
            _no_horizontal_overflow(page)

        page = new_context(phone=phone, storage_state=admin).new_page()
        page.goto("/")
        expect_demo_balances(page, phone=phone)
        page.screenshot(path=screenshots_dir / f"home-{kind}.png", full_page=True)
        if phone:
            _no_horizontal_overflow(page)
            page.get_by_role("button", name="Abrir menú").tap()
            menu = page.get_by_role("dialog")
            menu.get_by_role("button", name="Administración", exact=True).tap()
        else:
            menu = open_module_menu(page, "Administración")
        expect(menu.get_by_role("link", name="Perfiles", exact=True)).to_be_visible()
        expect(menu.get_by_role("link", name="Inscripción de Alertas")).to_be_visible()
        page.wait_for_timeout(400)  # let the open animation finish
        page.screenshot(path=screenshots_dir / f"menu-{kind}.png")
        if phone:
            _no_horizontal_overflow(page)
