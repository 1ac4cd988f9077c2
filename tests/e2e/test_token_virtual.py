"""Seed 002 end to end, in two browser contexts: the administrator releases
prepara.demo's token in the portal and authorizes it in the App; prepara.demo enrolls a
new virtual token in the App (its code computed from the QR code's otpauth URI), logs into
the portal with it while the physical token's code is refused; then the administrator
blocks it and prepara.demo's open sessions end. A secondary user never gets the service."""

from __future__ import annotations

import io
import re
import sqlite3
import time

import pyotp
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    DEMO_PASSWORD,
    TOTP_STEP,
    E2EServer,
    fresh_code,
    login,
)
from tests.e2e.device_token import (
    assert_no_seed_in_web_storage,
    assert_sealed_key,
    shown_code_matches,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

TOKEN_PAGE = "/administracion/seguridad/token"
HISTORY_PAGE = "/administracion/seguridad/consulta-token"
LOGIN_URL = re.compile(r"/login/?(\?.*)?$")


def app_may_approve(server: E2EServer, allowed: bool) -> None:
    """The demo company's «Autorizaciones desde la App» set straight in the database (the
    screen that sets it is tested in test_activity)."""
    con = sqlite3.connect(server.db_path, timeout=10)
    try:
        con.execute("DELETE FROM securityparams")
        if not allowed:
            con.execute(
                "INSERT INTO securityparams (company_id, version, idle_minutes, "
                "absolute_minutes, max_failed_attempts, min_password_length, "
                "password_expiry_days, allowed_days, open_from, open_until, app_may_approve, "
                "token_free_up_to, updated_at) SELECT id, 1, 15, 720, 5, 8, 0, '0123456', 0, "
                "1440, 0, 0, '2026-01-01 00:00:00.000000' FROM company "
                "WHERE name = 'Empresa Demo S.A.S.'")
        con.commit()
    finally:
        con.close()


def open_change(page: Page, username: str) -> None:
    page.get_by_role("button", name=f"Cambiar Estado del Token Virtual de {username}").first.click()
    expect(page.get_by_role("dialog")).to_contain_text(username)


def confirm_change(page: Page, server: E2EServer, action: str, causal: str) -> None:
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("radio", name=action).click()
    expect(dialog.get_by_role("radio", name=action)).to_be_checked()
    dialog.get_by_role("combobox", name="Causal").click()
    page.get_by_role("option", name=causal).click()
    dialog.get_by_role("button", name="Continuar").click()
    expect(dialog.get_by_text(causal)).to_be_visible()
    dialog.get_by_label("Ingrese Token").fill(fresh_code(server, "admin.demo"))
    dialog.get_by_role("button", name="Aceptar y Confirmar").click()
    expect(page.get_by_role("dialog")).to_have_count(0)


def virtual_cell(page: Page, username: str):
    return page.locator(f"tr[data-user='{username}'] td").nth(3)


def submit_app_login(page: Page, username: str, factor: str,
                     password: str = DEMO_PASSWORD) -> None:
    """The App's login form, filled and sent."""
    page.goto("/app")
    expect(page.locator("#app-usuario")).to_be_visible()
    page.locator("#app-usuario").fill(username)
    page.locator("#app-clave").fill(password)
    page.locator("#app-factor").fill(factor)
    page.get_by_role("button", name="Ingresar").click()


def app_login(page: Page, username: str, factor: str) -> None:
    submit_app_login(page, username, factor)
    expect(page.get_by_text("Token Virtual", exact=True).first).to_be_visible()
    expect(page.get_by_role("button", name="Salir de la App")).to_be_visible()


def open_sessions(server: E2EServer, username: str) -> int:
    con = sqlite3.connect(f"file:{server.db_path}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute(
            'SELECT count(*) FROM loginsession s JOIN "user" u ON u.id = s.user_id '
            "WHERE u.username = ? AND s.ended_at IS NULL", (username,)).fetchone()[0]
    finally:
        con.close()


def physical_code(server: E2EServer, username: str) -> str:
    return server.cli("token-code", "--fisico", username)


def decode_qr(page: Page) -> str:
    box = page.locator("#occi-qr[data-listo='si']")
    expect(box).to_be_visible()
    image = Image.open(io.BytesIO(box.screenshot()))
    results = zxingcpp.read_barcodes(image)
    assert results, "no se pudo leer el código QR"
    return results[0].text


def next_code(totp: pyotp.TOTP, used_step: int) -> str:
    """A code of a later time step than ``used_step`` (each step is accepted once)."""
    while int(time.time()) // TOTP_STEP <= used_step:
        time.sleep(0.5)
    return totp.now()


def token_states(server: E2EServer, username: str) -> list[tuple[str, str]]:
    con = sqlite3.connect(f"file:{server.db_path}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute(
            'SELECT t.kind, t.state FROM token t JOIN "user" u ON u.id = t.user_id '
            "WHERE u.username = ? ORDER BY t.id", (username,)).fetchall()
    finally:
        con.close()


@pytest.fixture
def fob_back(e2e_server: E2EServer):
    """After the test, the bank gives a user left with no active token their key fob back
    (direct SQL, as only the bank could), so later tests can still log them in."""
    users: list[str] = []
    yield users.append
    con = sqlite3.connect(str(e2e_server.db_path), timeout=30)
    try:
        for username in users:
            con.execute(
                "UPDATE token SET state = 'activo' WHERE kind = 'fisico' AND user_id = "
                '(SELECT id FROM "user" WHERE username = ?) AND NOT EXISTS (SELECT 1 FROM '
                "token t WHERE t.user_id = token.user_id AND t.state = 'activo')", (username,))
        con.commit()
    finally:
        con.close()


def test_secondary_user_never_gets_token_administration(e2e_server: E2EServer, new_context):
    page = new_context().new_page()
    login(page, e2e_server, "autoriza.demo")  # «Autorizador todo» grants every service
    page.get_by_role("button", name="Menú Administración").click()
    expect(page.get_by_role("link", name="Perfiles")).to_be_visible()
    expect(page.get_by_role("link", name="Administración de Token")).to_have_count(0)
    page.goto(TOKEN_PAGE)
    expect(page.get_by_text("No tiene permiso para acceder a este servicio")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Cambiar Estado"))).to_have_count(0)


def test_release_authorize_enroll_login_and_block(e2e_server: E2EServer, new_context,
                                                  screenshots_dir, fob_back):
    fob_back("prepara.demo")
    admin_ctx, user_ctx = new_context(), new_context(phone=True)

    # 1-8. the administrator: Administración > Administración de Token > Token Virtual
    portal = admin_ctx.new_page()
    login(portal, e2e_server, "admin.demo")
    portal.get_by_role("button", name="Menú Administración").click()
    portal.get_by_role("link", name="Administración de Token").click()
    expect(portal).to_have_url(re.compile(TOKEN_PAGE))
    expect(virtual_cell(portal, "prepara.demo")).to_have_text("Sin token")
    expect(virtual_cell(portal, "autoriza.demo")).to_have_text("Activo")
    portal.screenshot(path=str(screenshots_dir / "token-virtual-desktop.png"))
    open_change(portal, "prepara.demo")
    # a token with no virtual token can be released, not blocked
    expect(portal.get_by_role("dialog").get_by_role("radio", name="Bloquear")).to_be_disabled()
    confirm_change(portal, e2e_server, "Liberar", "Solo liberación de semilla")
    expect(portal.get_by_text("Solicitud de liberación registrada para")).to_be_visible()
    verification = portal.locator(".rt-CalloutRoot .rt-Badge").first.inner_text()
    expect(virtual_cell(portal, "prepara.demo")).to_contain_text("Pendiente de autorización")

    # 9. ... opens the App and authorizes the release
    app = admin_ctx.new_page()
    app_login(app, "admin.demo", fresh_code(e2e_server, "admin.demo"))
    app.get_by_role("link", name=re.compile("Autorizaciones pendientes")).click()
    card = app.locator("[data-request]").filter(has_text="prepara.demo")
    expect(card).to_contain_text("Solo liberación de semilla")
    expect(card).to_contain_text(verification)
    card.get_by_role("button", name="Autorizar la liberación de prepara.demo").click()
    app.get_by_role("button", name="Sí, autorizar").click()
    expect(app.get_by_text("Liberación autorizada")).to_be_visible()
    expect(app.locator("[data-request]")).to_have_count(0)
    # prepara.demo keeps the physical token to log into the App: no activation code needed
    expect(app.locator(".occi-activation-code")).to_have_count(0)

    # the user enrolls a new device in the App (phone)
    phone = user_ctx.new_page()
    app_login(phone, "prepara.demo", fresh_code(e2e_server, "prepara.demo"))
    phone.get_by_role("link", name="Token Virtual").click()
    expect(phone.get_by_text("Liberado", exact=True)).to_be_visible()
    phone.get_by_label("Nombre del dispositivo").fill("Celular de Pedro")
    phone.get_by_role("button", name="Enrolar token virtual").click()
    uri = decode_qr(phone)
    totp = pyotp.parse_uri(uri)
    assert uri.startswith("otpauth://totp/") and "prepara.demo" in uri
    assert len(totp.secret) == 32  # 160 bits, base32
    # the App computes the same code on the device
    expect(phone.locator("[data-occi-pending='si'] .occi-vt-digits")).to_have_attribute(
        "data-code", re.compile(r"^\d{6}$"))
    assert shown_code_matches(phone, "[data-occi-pending='si'] .occi-vt-digits", totp.secret)
    # ... from a non-extractable key in IndexedDB; no storage holds the seed
    assert_no_seed_in_web_storage(phone, totp.secret)
    assert_sealed_key(phone, "pendiente:prepara.demo", totp.secret)
    phone.screenshot(path=str(screenshots_dir / "app-enrolamiento-phone.png"))
    activation_step = int(time.time()) // TOTP_STEP
    phone.get_by_label("Código actual del token").fill(totp.now())
    phone.get_by_role("button", name="Activar token virtual").click()
    expect(phone.get_by_text("Su token físico quedó inhabilitado")).to_be_visible()
    expect(phone.locator("[data-occi-pending='no'] .occi-vt-digits")).to_have_attribute(
        "data-code", re.compile(r"^\d{6}$"))
    assert shown_code_matches(phone, "[data-occi-pending='no'] .occi-vt-digits", totp.secret)
    # the pending key became the active one
    keys = assert_sealed_key(phone, "activo:prepara.demo", totp.secret)
    assert "pendiente:prepara.demo" not in keys
    assert_no_seed_in_web_storage(phone, totp.secret)
    phone.screenshot(path=str(screenshots_dir / "app-token-phone.png"))
    # the seed never reached the server's log
    assert totp.secret not in e2e_server.log_path.read_text(errors="replace")
    # seed 002 step 10: physical disabled in the same transaction
    assert ("fisico", "inhabilitado") in token_states(e2e_server, "prepara.demo")
    assert ("virtual", "activo") in token_states(e2e_server, "prepara.demo")

    # the portal login refuses the physical token's code, accepts the virtual one
    user_portal = user_ctx.new_page()
    user_portal.goto("/login")
    expect(user_portal.locator("#usuario")).to_be_focused()
    user_portal.locator("#usuario").fill("prepara.demo")
    user_portal.get_by_role("button", name="Siguiente").click()
    user_portal.locator("#token").fill(physical_code(e2e_server, "prepara.demo"))
    user_portal.get_by_role("button", name="Siguiente").click()
    user_portal.get_by_role("checkbox", name="Acepto las condiciones de seguridad").click()
    user_portal.get_by_role("button", name="Continuar").click()
    user_portal.locator("#clave").fill(DEMO_PASSWORD)
    user_portal.get_by_role("button", name="Ingresar").click()
    expect(user_portal.get_by_text("Los datos ingresados no son correctos")).to_be_visible()
    user_portal.get_by_role("button", name="Siguiente").wait_for()
    user_portal.locator("#usuario").fill("prepara.demo")
    user_portal.get_by_role("button", name="Siguiente").click()
    user_portal.locator("#token").fill(next_code(totp, activation_step))
    user_portal.get_by_role("button", name="Siguiente").click()
    user_portal.get_by_role("checkbox", name="Acepto las condiciones de seguridad").click()
    user_portal.get_by_role("button", name="Continuar").click()
    user_portal.locator("#clave").fill(DEMO_PASSWORD)
    user_portal.get_by_role("button", name="Ingresar").click()
    user_portal.wait_for_url(f"{e2e_server.base_url}/")

    # the administrator sees the new state, then blocks the token: it ends at once
    portal.reload()
    expect(virtual_cell(portal, "prepara.demo")).to_have_text("Activo")
    expect(portal.locator("tr[data-user='prepara.demo']")).to_contain_text("Celular de Pedro")
    expect(portal.locator("tr[data-user='prepara.demo'] td").nth(2)).to_contain_text("Inhabilitado")
    open_change(portal, "prepara.demo")
    confirm_change(portal, e2e_server, "Bloquear", "Pérdida o robo del dispositivo")
    # every session of the user ends, this test's two and any other still open
    expect(portal.get_by_text(re.compile(
        r"Token virtual de prepara\.demo bloqueado\. Se cerraron sus [2-9] sesión"))).to_be_visible()
    assert open_sessions(e2e_server, "prepara.demo") == 0
    expect(virtual_cell(portal, "prepara.demo")).to_have_text("Bloqueado")
    # the user's next action in the portal finds the session ended
    user_portal.get_by_role("link", name="OcciReflex inicio").first.click()
    expect(user_portal).to_have_url(LOGIN_URL)
    expect(user_portal.get_by_text("Su sesión ha terminado")).to_be_visible()
    # and in the App
    phone.get_by_role("link", name="Inicio", exact=True).click()
    expect(phone.locator("#app-usuario")).to_be_visible()

    # Consulta de Token: the whole history, with causal, who and channel
    portal.goto(HISTORY_PAGE)
    portal.get_by_role("combobox", name="Usuario").click()
    portal.get_by_role("option", name=re.compile("prepara.demo")).click()
    table = portal.get_by_role("table")
    for event in ("Bloqueado", "Token físico inhabilitado", "Enrolado en la App",
                  "Liberación aprobada", "Liberación solicitada", "Token asignado"):
        expect(table.get_by_role("row").filter(has_text=event).first).to_be_visible()
    blocked = table.get_by_role("row").filter(has_text="Bloqueado").first
    expect(blocked).to_contain_text("Pérdida o robo del dispositivo")
    expect(blocked).to_contain_text("Ana María Rodríguez")
    expect(table.get_by_role("row").filter(has_text="Liberación aprobada")).to_contain_text("App")
    portal.screenshot(path=str(screenshots_dir / "consulta-token-desktop.png"))


def test_device_change_with_the_activation_code(e2e_server: E2EServer, new_context,
                                                 screenshots_dir):
    """autoriza.demo's only token is the virtual one: once released she has none, so the
    administrator hands over the App's single-use activation code in person."""
    admin_ctx, user_ctx = new_context(), new_context(phone=True)
    portal = admin_ctx.new_page()
    login(portal, e2e_server, "admin.demo")
    portal.goto(TOKEN_PAGE)
    expect(virtual_cell(portal, "autoriza.demo")).to_have_text("Activo")
    open_change(portal, "autoriza.demo")
    confirm_change(portal, e2e_server, "Liberar", "Cambio de dispositivo")
    expect(virtual_cell(portal, "autoriza.demo")).to_contain_text("Pendiente de autorización")

    # the company does not let the App approve (Parámetros Generales y de Seguridad): the
    # App shows the request without its buttons, and the portal authorizes it with the token
    app_may_approve(e2e_server, False)
    try:
        app = admin_ctx.new_page()
        app.set_viewport_size({"width": 390, "height": 844})
        app_login(app, "admin.demo", fresh_code(e2e_server, "admin.demo"))
        app.get_by_role("link", name=re.compile("Autorizaciones pendientes")).click()
        request = app.locator("[data-request]").filter(has_text="autoriza.demo")
        expect(request).to_contain_text("Cambio de dispositivo")
        expect(request).to_contain_text("Su empresa autoriza estas solicitudes en el portal")
        expect(app.get_by_role("button", name="Autorizar la liberación de autoriza.demo")
               ).to_have_count(0)
        app.screenshot(path=str(screenshots_dir / "app-autorizaciones-phone.png"))

        portal.reload()  # the parameter was set after the page loaded
        expect(portal.locator("#liberaciones-pendientes")).to_contain_text(
            "no permite autorizarlas desde la App")
        portal.get_by_role("button", name="Autorizar la liberación de autoriza.demo").click()
        dialog = portal.get_by_role("dialog")
        dialog.get_by_label("Ingrese Token").fill(fresh_code(e2e_server, "admin.demo"))
        dialog.get_by_role("button", name="Aceptar y Confirmar").click()
        code = portal.locator(".occi-activation-code")
        expect(code).to_have_text(re.compile(r"^\d{4} \d{4}$"))
        activation = code.inner_text()
        expect(virtual_cell(portal, "autoriza.demo")).to_have_text("Liberado")  # the grid too
        portal.screenshot(path=str(screenshots_dir / "liberacion-autorizada-portal-desktop.png"))
        assert ("virtual", "liberado") in token_states(e2e_server, "autoriza.demo")
    finally:
        app_may_approve(e2e_server, True)

    # autoriza.demo: the old token's code is gone; the activation code opens the App once
    phone = user_ctx.new_page()
    app_login(phone, "autoriza.demo", activation)
    phone.get_by_role("link", name="Token Virtual").click()
    phone.get_by_label("Nombre del dispositivo").fill("Nuevo celular de Laura")
    phone.get_by_role("button", name="Enrolar token virtual").click()
    totp = pyotp.parse_uri(decode_qr(phone))
    phone.get_by_label("Código actual del token").fill(totp.now())
    phone.get_by_role("button", name="Activar token virtual").click()
    expect(phone.get_by_text("Token virtual activo en «Nuevo celular de Laura»")).to_be_visible()
    # a second login with the same activation code is refused
    other = new_context(phone=True).new_page()
    other.goto("/app")
    other.locator("#app-usuario").fill("autoriza.demo")
    other.locator("#app-clave").fill(DEMO_PASSWORD)
    other.locator("#app-factor").fill(activation)
    other.get_by_role("button", name="Ingresar").click()
    expect(other.get_by_text("Los datos ingresados no son correctos")).to_be_visible()

    portal.reload()
    expect(virtual_cell(portal, "autoriza.demo")).to_have_text("Activo")
    expect(portal.locator("tr[data-user='autoriza.demo']")).to_contain_text(
        "Nuevo celular de Laura")
