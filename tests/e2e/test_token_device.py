"""The virtual token's seed on the device (issue 10, point 3): the App keeps it as a
non-extractable WebCrypto key in IndexedDB, never in localStorage.

autoriza.demo's virtual token is active in the demo data; these tests only log her into
the App (her token is left as it was). The device's seeds are pyotp seeds of the test's
own: the App computes codes from whatever key the device holds.

The enrollment flow itself (seed delivered by the server, pending then active key) is
checked in ``test_token_virtual.py``.
"""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import E2EServer, fresh_code
from tests.e2e.device_token import (
    assert_no_seed_in_web_storage,
    assert_sealed_key,
    device_keys,
    shown_code_matches,
    web_storage,
)
from tests.e2e.test_token_virtual import app_login

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

USER = "autoriza.demo"
ACTIVE_CODE = "[data-occi-token='autoriza.demo'][data-occi-pending='no']"
NO_HTTPS = "El token virtual necesita una conexión segura (HTTPS) en este dispositivo."


def old_format_storage(server: E2EServer, items: dict[str, str]) -> dict:
    """A storage state whose localStorage holds ``items`` as the old script left them."""
    return {"cookies": [], "origins": [{
        "origin": server.base_url,
        "localStorage": [{"name": k, "value": v} for k, v in items.items()],
    }]}


def open_token_screen(page, server: E2EServer) -> None:
    app_login(page, USER, fresh_code(server, USER))
    page.get_by_role("link", name="Token Virtual").click()
    expect(page.get_by_text("Código actual", exact=True)).to_be_visible()


def test_old_localstorage_seeds_move_to_sealed_keys(e2e_server: E2EServer, new_context,
                                                    screenshots_dir, tmp_path):
    """A device enrolled before the change: its seeds are imported at the App's first start,
    erased from localStorage, and the App keeps showing the right code."""
    active, pending, other = (pyotp.random_base32() for _ in range(3))
    ctx = new_context(phone=True, storage_state=old_format_storage(e2e_server, {
        f"occi-vt:{USER}": active,
        f"occi-vt-pendiente:{USER}": pending,
        "occi-vt:consulta.demo": other,  # another user of the same device
        "occi-vt:roto": "esto no es base32!",  # unusable: erased too
    }))
    page = ctx.new_page()
    page.goto("/app")
    expect(page.locator("#app-usuario")).to_be_visible()
    # the old seeds were there before the App started (the test could fail)
    open_token_screen(page, e2e_server)

    digits = page.locator(f"{ACTIVE_CODE} .occi-vt-digits")
    expect(digits).to_have_attribute("data-code", re.compile(r"^\d{6}$"))
    expect(page.locator(ACTIVE_CODE)).to_have_attribute("data-state", "listo")
    assert shown_code_matches(page, f"{ACTIVE_CODE} .occi-vt-digits", active)
    expect(digits).to_have_text(re.compile(r"^\d{3} \d{3}$"))

    assert_no_seed_in_web_storage(page, active, pending, other)
    keys = assert_sealed_key(page, f"activo:{USER}", active)
    assert_sealed_key(page, f"pendiente:{USER}", pending)
    assert_sealed_key(page, "activo:consulta.demo", other)
    assert sorted(keys) == ["activo:autoriza.demo", "activo:consulta.demo",
                            "pendiente:autoriza.demo"]

    # a reload (the script starts again) keeps the keys and shows the same code
    page.reload()
    expect(page.locator(f"{ACTIVE_CODE} .occi-vt-digits")).to_have_attribute(
        "data-code", re.compile(r"^\d{6}$"))
    assert shown_code_matches(page, f"{ACTIVE_CODE} .occi-vt-digits", active)
    assert_no_seed_in_web_storage(page, active, pending, other)
    page.screenshot(path=str(tmp_path / "app-token-migrado-phone.png"))

    # the same screen on a desktop browser (same context: the same device's keys)
    desktop = ctx.new_page()
    desktop.set_viewport_size({"width": 1366, "height": 768})
    desktop.goto("/app/token")
    expect(desktop.locator(f"{ACTIVE_CODE} .occi-vt-digits")).to_have_attribute(
        "data-code", re.compile(r"^\d{6}$"))
    assert shown_code_matches(desktop, f"{ACTIVE_CODE} .occi-vt-digits", active)
    desktop.screenshot(path=str(tmp_path / "app-token-desktop.png"))


def test_no_webcrypto_shows_why_and_keeps_the_old_seed(e2e_server: E2EServer, new_context,
                                                       tmp_path):
    """Without crypto.subtle (plain http on another host) the token box says HTTPS is
    needed instead of showing a code; an old seed it cannot seal is left for later."""
    seed = pyotp.random_base32()
    ctx = new_context(phone=True, storage_state=old_format_storage(
        e2e_server, {f"occi-vt:{USER}": seed}))
    # what a non-secure context looks like to the script
    ctx.add_init_script(
        "Object.defineProperty(Crypto.prototype, 'subtle', "
        "{ get() { return undefined; }, configurable: true });")
    page = ctx.new_page()
    open_token_screen(page, e2e_server)
    box = page.locator(ACTIVE_CODE)
    expect(box).to_have_attribute("data-state", "sin-soporte")
    expect(box.get_by_text(NO_HTTPS)).to_be_visible()
    expect(box.locator(".occi-vt-digits")).not_to_have_attribute("data-code", re.compile("."))
    expect(box.locator(".occi-vt-digits")).to_be_hidden()
    expect(box.locator(".occi-vt-missing")).to_be_hidden()
    page.screenshot(path=str(tmp_path / "app-token-sin-soporte-phone.png"))
    # nothing was imported, nothing lost
    assert web_storage(page)["local"].get(f"occi-vt:{USER}") == seed
    assert not device_keys(page)
