"""Issue 16, point 5, end to end: the administrator releases consulta.demo's token, sees
«Pendiente de autorización» with the verification number and where to authorize it, and
cancels the request with the token from the phone; the token goes back to «Sin token»."""

from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import E2EServer, fresh_code
from tests.e2e.test_token_virtual import TOKEN_PAGE, confirm_change, open_change, virtual_cell

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

USER = "consulta.demo"


def request_states(server: E2EServer, username: str) -> list[str]:
    con = sqlite3.connect(f"file:{server.db_path}?mode=ro", uri=True, timeout=10)
    try:
        return [r[0] for r in con.execute(
            'SELECT r.state FROM tokenrequest r JOIN "user" u ON u.id = r.user_id '
            "WHERE u.username = ? ORDER BY r.id", (username,)).fetchall()]
    finally:
        con.close()


def settled(page: Page) -> None:
    """Wait for the dialog's open animation (and any other finite one), for the picture."""
    page.evaluate("""() => Promise.all(document.getAnimations()
        .filter(a => a.effect && a.effect.getTiming().iterations !== Infinity)
        .map(a => a.finished.catch(() => null)))""")


def visible_change_button(page: Page, username: str):
    """The row's button in the table (desktop) or its card (phone): the one on screen."""
    return page.get_by_role(
        "button", name=f"Cambiar Estado del Token Virtual de {username}").locator("visible=true")


def test_a_pending_release_is_shown_and_cancelled_with_the_token(
        e2e_server: E2EServer, logged_in, screenshots_dir):
    portal = logged_in("admin.demo")
    portal.goto(TOKEN_PAGE)
    expect(virtual_cell(portal, USER)).to_have_text("Sin token")
    open_change(portal, USER)
    confirm_change(portal, e2e_server, "Liberar", "Cambio de dispositivo")
    expect(portal.get_by_text("Solicitud de liberación registrada para")).to_be_visible()
    verification = portal.locator(".rt-CalloutRoot .rt-Badge").first.inner_text()
    assert re.fullmatch(r"\d{2}", verification)
    portal.get_by_role("button", name="Entendido").click()
    # the grid: the state and the number the App shows
    expect(virtual_cell(portal, USER)).to_contain_text("Pendiente de autorización")
    expect(virtual_cell(portal, USER)).to_contain_text(f"Verificación {verification}")

    # «Cambiar Estado del Token Virtual»: no greyed-out form, but where and how to decide it
    open_change(portal, USER)
    dialog = portal.get_by_role("dialog")
    expect(dialog).to_contain_text("Liberación pendiente de autorización")
    expect(dialog.locator(".occi-pending-verification")).to_have_text(verification)
    expect(dialog).to_contain_text("«Autorizaciones pendientes» (verá este mismo número)")
    expect(dialog).to_contain_text("Liberaciones pendientes por autorizar")
    expect(dialog.get_by_text("no permite cambios desde aquí")).to_have_count(0)
    expect(dialog.get_by_role("radio")).to_have_count(0)
    settled(portal)
    portal.screenshot(path=str(screenshots_dir / "token-pendiente-desktop.png"))
    dialog.get_by_role("button", name="Cerrar").click()
    expect(portal.get_by_role("dialog")).to_have_count(0)

    # the same administrator on the phone cancels it with the token
    phone = logged_in("admin.demo", phone=True)
    phone.goto(TOKEN_PAGE)
    visible_change_button(phone, USER).click()
    dialog = phone.get_by_role("dialog")
    expect(dialog.locator(".occi-pending-verification")).to_have_text(verification)
    settled(phone)
    phone.screenshot(path=str(screenshots_dir / "token-pendiente-phone.png"))
    dialog.get_by_role("button", name=f"Cancelar la solicitud de liberación de {USER}").click()
    expect(dialog.get_by_role("heading", name="Cancelar solicitud de liberación")).to_be_visible()
    expect(dialog).to_contain_text("Cambio de dispositivo")
    dialog.get_by_label("Ingrese Token").fill("000000")
    dialog.get_by_role("button", name="Aceptar y Confirmar").click()
    expect(dialog.get_by_text("token no es válido")).to_be_visible()
    assert request_states(e2e_server, USER) == ["pendiente"]
    phone.screenshot(path=str(screenshots_dir / "token-cancelar-solicitud-phone.png"))
    dialog.get_by_label("Ingrese Token").fill(fresh_code(e2e_server, "admin.demo"))
    dialog.get_by_role("button", name="Aceptar y Confirmar").click()
    expect(phone.get_by_role("dialog")).to_have_count(0)
    done = phone.get_by_text(
        f"Solicitud de liberación de {USER} cancelada. Su token virtual quedó como estaba: "
        "Sin token.")
    expect(done).to_be_visible()
    phone.evaluate("window.scrollTo(0, 0)")
    assert request_states(e2e_server, USER) == ["cancelada"]
    phone.screenshot(path=str(screenshots_dir / "token-cancelada-phone.png"))

    # the desktop sees the token back where it was, and nothing left to authorize
    portal.reload()
    expect(virtual_cell(portal, USER)).to_have_text("Sin token")
    expect(portal.locator("#liberaciones-pendientes")).to_have_count(0)
    open_change(portal, USER)
    expect(portal.get_by_role("dialog").get_by_role("radio", name="Liberar")).to_be_enabled()
    expect(portal.get_by_role("dialog")).not_to_contain_text("pendiente de autorización")
    portal.get_by_role("dialog").get_by_role("button", name="Cancelar").click()
    expect(portal.get_by_role("dialog")).to_have_count(0)
