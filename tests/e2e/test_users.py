"""Administración > Usuarios in Chromium: Configuración de Usuarios (grid, Crear Usuario
with a virtual token and its activation code), Activación/Inactivación and Cambio de Clave
para Usuarios, desktop and phone; screenshots of each screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import fresh_code

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

CONFIG = "/administracion/usuarios/configuracion"


def shot(page, folder, name: str) -> None:
    page.screenshot(path=folder / f"{name}.png", full_page=True)


def fill_user_form(page, username: str, name: str, document: str, email: str, phone: str,
                   profile: str) -> None:
    """«Crear Usuario»'s data and profile (the token choice is the caller's)."""
    for field_id, value in (("#username", username), ("#full_name", name),
                            ("#document_number", document), ("#email", email),
                            ("#phone", phone)):
        page.locator(field_id).fill(value)
    page.locator("#perfil").click()
    page.get_by_role("option", name=profile).click()


def test_admin_creates_a_user_and_sees_the_users_screens(e2e_server, logged_in,
                                                         screenshots_dir):
    page = logged_in("admin.demo")
    page.goto(CONFIG)
    expect(page.get_by_role("cell", name="autoriza.demo", exact=True)).to_be_visible()
    shot(page, screenshots_dir, "usuarios-desktop")

    page.get_by_role("link", name="Crear Usuario").click()
    fill_user_form(page, "julian.restrepo", "Julián Restrepo", "1020304050",
                   "julian@empresa.com", "3001234567", "Pruebas1")
    page.get_by_role("radio", name=re.compile("Token virtual")).click()
    shot(page, screenshots_dir, "crear-usuario-desktop")
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_text("Confirme el nuevo usuario")).to_be_visible()
    page.get_by_label("Ingrese Token").fill(fresh_code(e2e_server, "admin.demo"))
    page.get_by_role("button", name="Aceptar y Confirmar").click()
    expect(page.get_by_text("Usuario julian.restrepo creado")).to_be_visible()
    expect(page.locator("#codigo-activacion")).to_have_text(re.compile(r"^\d{8}$"))
    shot(page, screenshots_dir, "usuario-creado-desktop")

    page.goto("/administracion/usuarios/activacion")
    page.get_by_role("button", name="Inactivar julian.restrepo").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Inactivar usuario")).to_be_visible()
    dialog.locator("#causal-usuario").click()
    page.get_by_role("option", name="Retiro de la empresa").click()
    expect(dialog.locator("#causal-usuario")).to_have_text("Retiro de la empresa")
    shot(page, screenshots_dir, "inactivar-usuario-desktop")
    dialog.get_by_label("Ingrese Token").fill(fresh_code(e2e_server, "admin.demo"))
    dialog.get_by_role("button", name="Aceptar y Confirmar").click()
    expect(page.get_by_text("El usuario julian.restrepo fue inactivado.")).to_be_visible()

    page.goto("/administracion/usuarios/cambio-clave-usuarios")
    page.get_by_role("button", name="Asignar clave temporal a consulta.demo").click()
    expect(page.get_by_role("dialog")).to_contain_text("consulta.demo@example.com")
    expect(page.get_by_label("Ingrese Token")).to_be_focused()  # the dialog has opened
    page.wait_for_timeout(300)  # its fade-in, for the picture
    shot(page, screenshots_dir, "cambio-clave-usuarios-desktop")

    phone = logged_in("admin.demo", phone=True)
    phone.goto(CONFIG)
    expect(phone.get_by_text("julian.restrepo", exact=True).last).to_be_visible()  # its card
    shot(phone, screenshots_dir, "usuarios-phone")
    phone.goto(f"{CONFIG}/crear")
    expect(phone.locator("#username")).to_be_visible()
    shot(phone, screenshots_dir, "crear-usuario-phone")
