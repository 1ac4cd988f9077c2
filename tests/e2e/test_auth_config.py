"""Configuración de Autorizaciones in Chromium: admin.demo changes the rule of «Pago de
facturas» (up to $ 1.000.000 without authorization, above it one) with the token, and puts
the server's «firma única» back (one range, no authorization) so the other browser tests
keep paying directly. Desktop and phone screenshots."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from occireflex import catalog
from tests.e2e.conftest import E2EServer, fresh_code

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

ROUTE = catalog.get_service(catalog.CONFIGURACION_AUTORIZACIONES).route


def _choose(page: Page, select_id: str, option: str) -> None:
    page.locator(select_id).click()
    page.get_by_role("option", name=option, exact=True).click()


def _confirm(page: Page, server: E2EServer) -> None:
    page.locator("#auth-token").fill(fresh_code(server, "admin.demo"))
    page.locator("#auth-confirm").click()
    expect(page.get_by_text("quedó guardada")).to_be_visible()


def test_the_pago_rule_changed_and_restored(logged_in, e2e_server: E2EServer,
                                            screenshots_dir):
    page = logged_in("admin.demo")
    page.goto(ROUTE)
    expect(page.locator("#auth-kind")).to_be_visible()
    expect(page.get_by_text("Por defecto toda operación requiere 1 autorización")).to_be_visible()
    expect(page.get_by_text("Cualquier monto: sin autorización").first).to_be_visible()
    page.locator("#auth-add-range").click()
    expect(page.locator("#auth-range-to-1")).to_be_visible()
    page.locator("#auth-range-to-0").fill("1.000.000")
    _choose(page, "#auth-range-req-1", "1 autorización")
    expect(page.get_by_text("Más de $ 1.000.000", exact=True)).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")  # a full-page capture of a scrolled page
    page.screenshot(path=screenshots_dir / "configuracion-autorizaciones-desktop.png",
                    full_page=True)
    page.locator("#auth-save").click()
    expect(page.get_by_text("Hasta $ 1.000.000: sin autorización; Más de $ 1.000.000: "
                            "1 autorización").first).to_be_visible()
    _confirm(page, e2e_server)
    expect(page.get_by_text("Hasta $ 1.000.000: sin autorización; Más de $ 1.000.000: "
                            "1 autorización").first).to_be_visible()

    # the limits tab opens with the company's default chosen
    page.locator("#auth-tab-limites").click()
    expect(page.locator("#limit-per-operation")).to_be_visible()
    expect(page.locator("#limit-clear")).to_be_disabled()
    page.locator("#auth-tab-autorizaciones").click()

    # back to the server's «firma única»
    page.locator("#auth-remove-range-1").click()
    expect(page.locator("#auth-range-to-1")).to_have_count(0)
    expect(page.locator("#auth-range-to-0")).to_have_value("")
    page.locator("#auth-save").click()
    _confirm(page, e2e_server)
    expect(page.get_by_text("Cualquier monto: sin autorización").first).to_be_visible()

    phone = logged_in("admin.demo", phone=True)
    phone.goto(ROUTE)
    expect(phone.locator("#auth-kind")).to_be_visible()
    phone.evaluate("window.scrollTo(0, 0)")  # draws the sticky bar mid-page otherwise
    phone.screenshot(path=screenshots_dir / "configuracion-autorizaciones-phone.png",
                     full_page=True)
