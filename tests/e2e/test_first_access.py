"""A company onboarded by the bank's CLI; its administrator's first access in Chromium:
temporary password → «Primer ingreso» (new password with the meter, image, token) → the
portal; phone and desktop screenshots of the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import fresh_code, login_until_password

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

NIT = "901555777"  # check digit computed below: any base works
NEW = "tres tigres comen trigo en Cali"


def test_the_bank_onboards_a_company_and_its_admin_chooses_password_and_image(
        e2e_server, new_context, screenshots_dir):
    from occireflex.domain import nit

    number = f"{NIT}-{nit.check_digit(NIT)}"
    e2e_server.cli("empresa", "crear", "--nit", number, "--nombre", "Nueva Empresa S.A.S.")
    e2e_server.cli("cuenta", "crear", "--nit", number, "--tipo", "corriente", "--numero",
                   "301555777", "--saldo", "25.000.000")
    out = e2e_server.cli("usuario", "crear", "--admin", "--nit", number, "--usuario",
                         "tesoreria.nueva", "--nombre", "Marta Lucía Díaz", "--correo",
                         "tesoreria@nueva.com", "--serial", "OCC-955577")
    temporary = re.search(r"Clave temporal: (\S+)", out).group(1)

    ctx = new_context()
    page = ctx.new_page()
    login_until_password(page, e2e_server, "tesoreria.nueva")
    page.locator("#clave").fill(temporary)
    page.get_by_role("button", name="Ingresar").click()
    page.wait_for_url(f"{e2e_server.base_url}/primer-ingreso")
    expect(page.get_by_text("Bienvenido, Marta Lucía Díaz")).to_be_visible()
    # another address of the portal leads back here
    page.goto("/transacciones/pagos/servicios")
    page.wait_for_url(f"{e2e_server.base_url}/primer-ingreso")

    page.locator("#nueva").fill("password1")
    expect(page.locator("#medidor")).to_have_text("Seguridad: Muy débil")
    page.locator("#nueva").fill(NEW)
    expect(page.locator("#medidor")).to_have_text(re.compile("Seguridad: (Fuerte|Muy fuerte)"))
    page.locator("#repetir").fill(NEW)
    save = page.get_by_role("button", name="Guardar y continuar")
    expect(save).to_be_disabled()  # no image yet
    page.locator("#imagen-palmera").click()
    expect(page.locator("#imagen-palmera")).to_have_attribute("aria-pressed", "true")
    page.screenshot(path=screenshots_dir / "primer-ingreso-desktop.png", full_page=True)
    phone = new_context(phone=True, storage_state=ctx.storage_state()).new_page()
    phone.goto("/primer-ingreso")
    expect(phone.get_by_text("Bienvenido, Marta Lucía Díaz")).to_be_visible()
    phone.screenshot(path=screenshots_dir / "primer-ingreso-phone.png", full_page=True)

    page.locator("#token").fill(fresh_code(e2e_server, "tesoreria.nueva"))
    save.click()
    page.wait_for_url(f"{e2e_server.base_url}/")
    expect(page.get_by_text("Nueva Empresa S.A.S.").first).to_be_visible()
