"""Issue 13's «Done when» in Chromium: a company onboarded by the bank's CLI; its
administrator's first access (temporary password → «Primer ingreso»: new password with the
meter, image, token → the portal); the administrator creates a profile and a secondary user
with it; the user's temporary password arrives by SMTP (a real local server, aiosmtpd); the
user's first access; inactivated while logged in (their next event ends the session with
the reason), reactivated, logs in again. Phone and desktop screenshots of «Primer ingreso»."""

from __future__ import annotations

import re
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Page, expect

from tests.e2e.conftest import E2EServer, fresh_code, login_until_password
from tests.e2e.test_profiles import action_box, set_box
from tests.e2e.test_users import fill_user_form

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

NIT = "901555777"  # check digit computed below: any base works
NEW = "tres tigres comen trigo en Cali"


def test_the_bank_onboards_a_company_whose_admin_runs_its_users(
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

    _admin_creates_a_profile_and_a_user(page, e2e_server)
    temporary = _temporary_password_by_smtp(e2e_server, "pagos@nueva.com")

    user = new_context().new_page()
    _first_access(user, e2e_server, "pagos.nueva", temporary)
    expect(user.get_by_text("Andrés Pérez").first).to_be_visible()

    # inactivated while logged in: the user's next event ends the session, with the reason
    _change_state(page, e2e_server, "Inactivar pagos.nueva", "Retiro de la empresa",
                  "fue inactivado")
    user.reload()
    user.wait_for_url(re.compile(r"/login"))
    expect(user.get_by_text("Su usuario está inactivo")).to_be_visible()
    _change_state(page, e2e_server, "Activar pagos.nueva", "Reintegro a la empresa",
                  "fue activado")
    login_until_password(user, e2e_server, "pagos.nueva")
    expect(user.get_by_alt_text("Imagen propia")).to_have_attribute("src", re.compile("rio"))
    user.locator("#clave").fill(USER_PASSWORD)
    user.get_by_role("button", name="Ingresar").click()
    user.wait_for_url(f"{e2e_server.base_url}/")
    expect(user.get_by_text("Nueva Empresa S.A.S.").first).to_be_visible()


USER_PASSWORD = "la ruana de mi abuela es de lana"


def _confirm(page: Page, server: E2EServer, username: str = "tesoreria.nueva") -> None:
    page.get_by_label("Ingrese Token").fill(fresh_code(server, username))
    page.get_by_role("button", name="Aceptar y Confirmar").click()


def _admin_creates_a_profile_and_a_user(page: Page, server: E2EServer) -> None:
    page.goto("/administracion/usuarios/perfiles/crear")
    page.get_by_label("Nombre Perfil").fill("Tesorería")
    page.get_by_label("Descripción").fill("Consulta los saldos")
    page.get_by_role("button", name="Expandir Todos").click()
    set_box(action_box(page, "consultas.saldos.por_producto", "Consultar"), True)
    page.get_by_role("button", name="Continuar").click()
    _confirm(page, server)
    expect(page).to_have_url(re.compile(r"perfiles/?$"))

    page.goto("/administracion/usuarios/configuracion/crear")
    fill_user_form(page, "pagos.nueva", "Andrés Pérez", "80123456", "pagos@nueva.com",
                   "3104445566", "Tesorería")
    page.locator("#serial").fill("OCC-955578")
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_text("Confirme el nuevo usuario")).to_be_visible()
    _confirm(page, server)
    expect(page.get_by_text("Usuario pagos.nueva creado")).to_be_visible()
    expect(page.get_by_text("pagos@nueva.com")).to_be_visible()


class _Inbox:
    def __init__(self) -> None:
        self.received: list = []

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.received.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _temporary_password_by_smtp(server: E2EServer, address: str) -> str:
    """The sidecar's delivery (``occireflex outbox --enviar``) to a real SMTP server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        server.cli("outbox", "--enviar", env={"OCCIREFLEX_SMTP_URL": f"smtp://127.0.0.1:{port}"})
    finally:
        controller.stop()
    [mail] = [m for m in inbox.received if m["To"] == address]
    assert mail["Subject"] == "Su usuario de OcciRed"
    return re.search(r"Su clave temporal es: (\S+)", mail.get_content()).group(1)


def _first_access(page: Page, server: E2EServer, username: str, temporary: str) -> None:
    login_until_password(page, server, username)
    page.locator("#clave").fill(temporary)
    page.get_by_role("button", name="Ingresar").click()
    page.wait_for_url(f"{server.base_url}/primer-ingreso")
    page.locator("#nueva").fill(USER_PASSWORD)
    page.locator("#repetir").fill(USER_PASSWORD)
    page.locator("#imagen-rio").click()
    page.locator("#token").fill(fresh_code(server, username))
    page.get_by_role("button", name="Guardar y continuar").click()
    page.wait_for_url(f"{server.base_url}/")


def _change_state(page: Page, server: E2EServer, button: str, causal: str,
                  done: str) -> None:
    page.goto("/administracion/usuarios/activacion")
    page.get_by_role("button", name=button).click()
    dialog = page.get_by_role("dialog")
    dialog.locator("#causal-usuario").click()
    page.get_by_role("option", name=causal).click()
    expect(dialog.locator("#causal-usuario")).to_have_text(causal)
    dialog.get_by_label("Ingrese Token").fill(fresh_code(server, "tesoreria.nueva"))
    dialog.get_by_role("button", name="Aceptar y Confirmar").click()
    expect(page.get_by_text(done)).to_be_visible()
