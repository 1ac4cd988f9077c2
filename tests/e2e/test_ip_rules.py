"""Administración de IP's in Chromium (issue 14): the administrator restricts the portal to
their own address; a second browser context, posing as another client through the
X-Forwarded-For header the test server trusts (one hop), loses its session at its next
event and is refused at login, while the administrator keeps working; the warning before
shutting out one's own address; the bank's ``ips limpiar``. Desktop and phone screenshots."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, DESKTOP, fresh_code, login, login_until_password

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PAGE = "/administracion/seguridad/ips"
OUTSIDER = "203.0.113.7"


def test_restricting_the_portal_refuses_the_other_client(e2e_server, browser, logged_in,
                                                         screenshots_dir):
    outsider_ctx = browser.new_context(base_url=e2e_server.base_url, locale="es-CO",
                                       extra_http_headers={"X-Forwarded-For": OUTSIDER},
                                       **DESKTOP)
    outsider_ctx.set_default_timeout(20_000)
    try:
        outsider = outsider_ctx.new_page()
        login(outsider, e2e_server, "prepara.demo")

        page = logged_in("admin.demo")
        page.goto(PAGE)
        own = page.locator("#ip-propia")
        expect(own).not_to_have_text("")
        own_ip = own.inner_text()
        assert own_ip != OUTSIDER

        # an address that leaves oneself out: the warning and «Entiendo» before the token
        page.locator("#ip-red").fill("198.51.100.0/24")
        page.locator("#ip-canal").click()
        page.get_by_role("option", name="Portal", exact=True).click()
        page.get_by_role("button", name="Agregar", exact=True).click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("quedaría por fuera de la lista")
        expect(dialog.get_by_label("Ingrese Token")).to_have_count(0)
        page.wait_for_timeout(300)
        page.screenshot(path=screenshots_dir / "administracion-ips-aviso-desktop.png")
        dialog.get_by_role("button", name="Cancelar").click()
        expect(dialog).to_have_count(0)

        # the portal restricted to the administrator's own address
        page.locator("#ip-red").fill(own_ip)
        page.locator("#ip-descripcion").fill("Oficina principal")
        page.get_by_role("button", name="Agregar", exact=True).click()
        dialog = page.get_by_role("dialog")
        expect(dialog).not_to_contain_text("quedaría por fuera")
        dialog.get_by_label("Ingrese Token").fill(fresh_code(e2e_server, "admin.demo"))
        dialog.get_by_role("button", name="Aceptar y Confirmar").click()
        expect(page.get_by_text("Se agregó la regla")).to_be_visible()
        expect(page.get_by_role("cell", name="Oficina principal")).to_be_visible()
        page.screenshot(path=screenshots_dir / "administracion-ips-desktop.png", full_page=True)

        # the other client's next event ends its session; its login is refused
        outsider.goto("/consultas/saldos/por-producto")
        outsider.wait_for_url("**/login**")
        expect(outsider.get_by_text("no está autorizada")).to_be_visible()
        login_until_password(outsider, e2e_server, "prepara.demo")
        outsider.locator("#clave").fill(DEMO_PASSWORD)
        outsider.get_by_role("button", name="Ingresar").click()
        expect(outsider.get_by_text(f"dirección IP {OUTSIDER} no está autorizado")).to_be_visible()
        # the administrator keeps working
        page.reload()
        expect(page.get_by_role("cell", name="Oficina principal")).to_be_visible()

        phone = logged_in("admin.demo", phone=True)
        phone.goto(PAGE)
        expect(phone.get_by_text("Oficina principal").last).to_be_visible()  # its card
        phone.screenshot(path=screenshots_dir / "administracion-ips-phone.png", full_page=True)
    finally:
        outsider_ctx.close()
        # the bank clears the list (the other tests of the session log in as before)
        out = e2e_server.cli("ips", "limpiar", "--empresa", "900123456-7")
        assert "Se eliminaron" in out
