"""Issue 14's «Done when» in Chromium, one scenario:

1. Administración de IP's: the warning before shutting out one's own address; then the
   portal restricted to the administrator's address. A second browser context, posing as
   another client through the X-Forwarded-For header the test server trusts (one hop),
   loses its session at its next event and is refused at login; the administrator keeps
   working.
2. Parámetros Generales y de Seguridad: today's and tomorrow's weekdays taken out of the
   days of operation (the dialog warns that it excludes now), confirmed with the token; a
   payment is then refused with the schedule.
3. Consulta de Actividad shows these changes and the refusals, exports them and says
   «Registro íntegro»; a row altered in the database turns the screen and ``occireflex
   auditoria verificar`` to the broken link.

Desktop and phone screenshots of the three screens.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    DEMO_PASSWORD,
    DESKTOP,
    ROOT,
    fresh_code,
    login,
    login_until_password,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

ACTIVITY = "/administracion/usuarios/actividad"
IPS = "/administracion/seguridad/ips"
PARAMS = "/administracion/seguridad/parametros"
SERVICIOS = "/transacciones/pagos/servicios"
OUTSIDER = "203.0.113.7"
WEEKDAYS = ("Lunes", "Martes", "Miércoles", "Jueves", "Viernes", "Sábado", "Domingo")


def _restrict_portal_to_own_address(page: Page, server, shots) -> str:
    page.goto(IPS)
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
    page.screenshot(path=shots / "administracion-ips-aviso-desktop.png")
    dialog.get_by_role("button", name="Cancelar").click()
    expect(dialog).to_have_count(0)
    # the portal restricted to the administrator's own address
    page.locator("#ip-red").fill(own_ip)
    page.locator("#ip-descripcion").fill("Oficina principal")
    page.get_by_role("button", name="Agregar", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).not_to_contain_text("quedaría por fuera")
    dialog.get_by_label("Ingrese Token").fill(fresh_code(server, "admin.demo"))
    dialog.get_by_role("button", name="Aceptar y Confirmar").click()
    expect(page.get_by_text("Se agregó la regla")).to_be_visible()
    expect(page.get_by_role("cell", name="Oficina principal")).to_be_visible()
    page.screenshot(path=shots / "administracion-ips-desktop.png", full_page=True)
    return own_ip


def _outsider_is_refused(outsider: Page, server) -> None:
    outsider.goto("/consultas/saldos/por-producto")
    outsider.wait_for_url("**/login**")
    expect(outsider.get_by_text("no está autorizada")).to_be_visible()
    login_until_password(outsider, server, "prepara.demo")
    outsider.locator("#clave").fill(DEMO_PASSWORD)
    outsider.get_by_role("button", name="Ingresar").click()
    expect(outsider.get_by_text(f"dirección IP {OUTSIDER} no está autorizado")).to_be_visible()


def _close_today(page: Page, server, shots) -> None:
    page.goto(PARAMS)
    # the server runs on the real clock: today and tomorrow both leave the days of
    # operation, so the test holds on any day, even when it runs across midnight
    weekday = datetime.now(ZoneInfo("America/Bogota")).weekday()
    closed = (WEEKDAYS[weekday], WEEKDAYS[(weekday + 1) % 7])
    expect(page.locator("#param-inactividad")).to_have_value("15")
    page.screenshot(path=shots / "parametros-seguridad-desktop.png", full_page=True)
    for day in closed:
        page.get_by_role("checkbox", name=day).click()
    page.get_by_role("button", name="Guardar").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Días de operación")
    expect(dialog.get_by_role("alert")).to_contain_text("ahora mismo su empresa no podría")
    page.wait_for_timeout(300)
    page.screenshot(path=shots / "parametros-seguridad-confirmar-desktop.png")
    dialog.get_by_label("Ingrese Token").fill(fresh_code(server, "admin.demo"))
    dialog.get_by_role("button", name="Aceptar y Confirmar").click()
    expect(page.get_by_text("Los parámetros quedaron guardados")).to_be_visible()


def _payment_is_refused(page: Page) -> None:
    page.goto(SERVICIOS)
    page.get_by_label("Pagar 0045123987").filter(visible=True).first.click()
    expect(page.get_by_text("Total a pagar")).to_be_visible()
    page.locator("#token-pago").fill("000000")  # the schedule is checked before the token
    page.get_by_role("button", name="Aceptar y Confirmar").click()
    expect(page.get_by_text("Su empresa permite hacer transacciones")).to_be_visible()
    expect(page.get_by_text("Resultado del pago")).to_have_count(0)


def _choose(page: Page, select_id: str, option: str) -> None:
    page.locator(select_id).click()
    page.get_by_role("option", name=option, exact=True).click()


def _activity_shows_it_all(page: Page, shots) -> None:
    page.goto(ACTIVITY)
    expect(page.locator("#integridad")).to_contain_text("Registro íntegro")
    _choose(page, "#act-servicio", "IP's, parámetros y horario")
    page.get_by_role("button", name="Consultar").click()
    for event in ("Parametros actualizados", "Ip regla creada", "Transaccion fuera de horario"):
        expect(page.get_by_role("cell", name=event, exact=True).first).to_be_visible()
    page.screenshot(path=shots / "consulta-actividad-desktop.png", full_page=True)
    page.get_by_role("button", name="Ver detalle del evento").first.click()
    expect(page.get_by_role("dialog")).to_contain_text("Objeto")
    page.keyboard.press("Escape")
    _choose(page, "#act-servicio", "Todos")
    _choose(page, "#act-resultado", "Denegado")
    page.get_by_role("button", name="Consultar").click()
    expect(page.get_by_role("cell", name="Login denegado", exact=True).first).to_be_visible()
    expect(page.get_by_role("cell", name=OUTSIDER).first).to_be_visible()
    expect(page.get_by_role("cell", name="Transaccion fuera de horario").first).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Exportar a Excel").click()
    assert download.value.suggested_filename == "consulta-actividad.xlsx"


def _reset(server) -> None:
    """The bank clears the IP list and the schedule goes back to every day (the other tests
    of the session log in and pay as before)."""
    assert "Se eliminaron" in server.cli("ips", "limpiar", "--empresa", "900123456-7")
    con = sqlite3.connect(server.db_path, timeout=10)
    try:
        con.execute("DELETE FROM securityparams")
        con.commit()
    finally:
        con.close()


def test_ip_restriction_hours_and_the_activity_trail(e2e_server, browser, logged_in,
                                                     screenshots_dir):
    outsider_ctx = browser.new_context(base_url=e2e_server.base_url, locale="es-CO",
                                       extra_http_headers={"X-Forwarded-For": OUTSIDER},
                                       **DESKTOP)
    outsider_ctx.set_default_timeout(20_000)
    try:
        outsider = outsider_ctx.new_page()
        login(outsider, e2e_server, "prepara.demo")
        page = logged_in("admin.demo")
        _restrict_portal_to_own_address(page, e2e_server, screenshots_dir)
        _outsider_is_refused(outsider, e2e_server)
        page.reload()  # the administrator keeps working
        expect(page.get_by_role("cell", name="Oficina principal")).to_be_visible()
        phone = logged_in("admin.demo", phone=True)
        phone.goto(IPS)
        expect(phone.get_by_text("Oficina principal").last).to_be_visible()  # its card
        phone.screenshot(path=screenshots_dir / "administracion-ips-phone.png", full_page=True)

        _close_today(page, e2e_server, screenshots_dir)
        _payment_is_refused(page)
        phone.goto(PARAMS)
        expect(phone.locator("#param-inactividad")).to_have_value("15")
        phone.screenshot(path=screenshots_dir / "parametros-seguridad-phone.png",
                         full_page=True)

        _activity_shows_it_all(page, screenshots_dir)
        phone.goto(ACTIVITY)
        expect(phone.locator("#integridad")).to_contain_text("Registro íntegro")
        phone.screenshot(path=screenshots_dir / "consulta-actividad-phone.png", full_page=True)
    finally:
        outsider_ctx.close()
        _reset(e2e_server)

    # an intruder edits one event of the company straight in the database
    con = sqlite3.connect(e2e_server.db_path, timeout=10)
    try:
        con.execute("UPDATE auditevent SET ip = '6.6.6.6' WHERE id = (SELECT min(a.id) FROM "
                    "auditevent a JOIN company c ON c.id = a.company_id "
                    "WHERE c.name = 'Empresa Demo S.A.S.')")
        con.commit()
    finally:
        con.close()
    page.reload()
    expect(page.locator("#integridad")).to_contain_text("Registro alterado en el evento 1")
    result = subprocess.run([sys.executable, "-m", "occireflex", "auditoria", "verificar"],
                            cwd=ROOT, env=e2e_server.env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1 and "Registro alterado en el evento 1" in result.stdout
