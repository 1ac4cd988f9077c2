"""Seed 001 end to end: create a profile with the token, assign it, and watch it govern
what the user sees; then modify it and watch the user's menu change."""

from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import E2EServer, fresh_code, login

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

PERFILES = "/administracion/usuarios/perfiles"
NAME = "E2E Saldos y Ayudas"


def action_box(page: Page, service_code: str, action: str):
    return page.locator(f"[data-service='{service_code}']").get_by_role(
        "checkbox", name=action, exact=True)


def set_box(box, checked: bool) -> None:
    """Server-controlled checkbox: click, then wait for the server's answer to show."""
    box.click()
    if checked:
        expect(box).to_be_checked()
    else:
        expect(box).not_to_be_checked()


def confirm_with_token(page: Page, server: E2EServer) -> None:
    expect(page.get_by_role("button", name="Aceptar y Confirmar")).to_be_visible()
    page.get_by_label("Ingrese Token").fill(fresh_code(server, "admin.demo"))
    page.get_by_role("button", name="Aceptar y Confirmar").click()
    expect(page).to_have_url(re.compile(f"{PERFILES}/?$"))


def module_buttons(page: Page) -> list[str]:
    page.get_by_role("button", name="Cerrar sesión").first.wait_for()
    return [b.get_attribute("aria-label")
            for b in page.locator("button[aria-label^='Menú ']").all() if b.is_visible()]


def test_profile_created_with_token_governs_the_menu(e2e_server: E2EServer, new_context):
    admin = new_context().new_page()
    login(admin, e2e_server, "admin.demo")
    admin.goto(PERFILES)
    expect(admin.get_by_role("table").get_by_text("Autorizador todo")).to_be_visible()
    expect(admin.get_by_text("Administración", exact=True).first).to_be_visible()
    admin.get_by_role("link", name="Crear Perfil").click()

    admin.get_by_label("Nombre Perfil").fill(NAME)
    admin.get_by_label("Descripción").fill("Perfil creado por la prueba de extremo a extremo")
    admin.get_by_role("button", name="Expandir Todos").click()
    consultar = action_box(admin, "consultas.saldos.por_producto", "Consultar")
    set_box(consultar, True)
    # any other action implies «Acceso Funcionalidad»
    expect(action_box(admin, "consultas.saldos.por_producto", "Acceso Funcionalidad")
           ).to_be_checked()
    set_box(action_box(admin, "ayudas.ayudas.consultar", "Acceso Funcionalidad"), True)
    admin.get_by_role("button", name="Contraer Todos").click()
    expect(consultar).to_have_count(0)
    admin.get_by_role("button", name="Continuar").click()

    expect(admin.get_by_text("0 usuario(s) con este perfil")).to_be_visible()
    expect(admin.locator(".occi-chip-added")).to_have_count(3)
    confirm_with_token(admin, e2e_server)
    admin.get_by_label("Buscar perfil").fill("e2e")
    expect(admin.get_by_role("row").filter(has_text=NAME)).to_be_visible()

    # give it to prepara.demo from the profile's 🔍 view
    admin.get_by_role("link", name=f"Ver perfil {NAME}").click()
    expect(admin.get_by_text("Ningún usuario tiene este perfil.")).to_be_visible()
    admin.get_by_label("Usuario a asignar").click()
    admin.get_by_role("option", name=re.compile("prepara.demo")).click()
    admin.get_by_role("button", name="Asignar perfil").click()
    expect(admin.get_by_text("Pedro Gómez")).to_be_visible()

    user = new_context().new_page()
    try:
        login(user, e2e_server, "prepara.demo")
        # Administración holds every user's own account (Cambio de Clave e Imagen Propia)
        assert module_buttons(user) == ["Menú Consultas", "Menú Administración", "Menú Ayudas"]
        user.get_by_role("button", name="Menú Consultas").click()
        menu = user.get_by_role("dialog")
        expect(menu.get_by_role("link")).to_have_text(["Por Producto"])
        expect(menu.get_by_text("Consolidados")).to_have_count(0)
        user.keyboard.press("Escape")

        # modify: drop Ayudas, add Servicios Públicos y Privados
        admin.get_by_role("link", name="Modificar").click()
        expect(admin.get_by_label("Nombre Perfil")).to_have_value(NAME)
        admin.get_by_role("button", name="Expandir Todos").click()
        set_box(action_box(admin, "ayudas.ayudas.consultar", "Acceso Funcionalidad"), False)
        set_box(action_box(admin, "transacciones.pagos.servicios", "Acceso Funcionalidad"),
                True)
        admin.get_by_role("button", name="Continuar").click()
        expect(admin.get_by_text("1 usuario(s) con este perfil")).to_be_visible()
        expect(admin.locator(".occi-chip-removed")).to_have_count(1)
        expect(admin.locator(".occi-chip-added")).to_have_count(1)
        confirm_with_token(admin, e2e_server)

        user.reload()
        expect(user.get_by_role("button", name="Menú Transacciones")).to_be_visible()
        assert module_buttons(user) == ["Menú Consultas", "Menú Transacciones",
                                        "Menú Administración"]
    finally:
        con = sqlite3.connect(e2e_server.db_path, timeout=10)
        con.execute("UPDATE user SET profile_id = (SELECT id FROM profile WHERE name = "
                    "'Prepara y Autoriza') WHERE username = 'prepara.demo'")
        con.commit()
        con.close()


def test_profile_list_pages_and_guards(e2e_server: E2EServer, logged_in):
    admin = logged_in("admin.demo")
    admin.goto(PERFILES)
    expect(admin.get_by_text("Administración").first).to_be_visible()
    expect(admin.get_by_role("button", name="Exportar a Excel")).to_be_visible()
    rows = admin.locator("tbody tr")
    expect(rows).to_have_count(10)
    admin.get_by_role("button", name="Último").click()
    expect(rows).not_to_have_count(10)
    with admin.expect_download() as download:
        admin.get_by_role("button", name="Exportar a Excel").click()
    assert download.value.suggested_filename == "perfiles.xlsx"

    # a user whose profile lacks the service gets «sin permiso», not the data
    consulta = logged_in("consulta.demo")
    consulta.goto(PERFILES)
    expect(consulta.get_by_text("No tiene permiso para acceder a este servicio")).to_be_visible()
    expect(consulta.get_by_text("Autorizador todo")).to_have_count(0)
