"""The payment flow with the keyboard alone (issue 16, point 6): from the Inscripciones grid
to the receipt, every step reached with Tab and done with Enter or typing, never the mouse;
a dialog keeps the focus inside and gives it back to the button that opened it."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import E2EServer, fresh_code
from tests.e2e.test_payments import inscribe

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

SERVICIOS = "/transacciones/pagos/servicios"


def focused(page: Page, selector: str) -> bool:
    """``selector``: CSS, or «text=…» for the focused element's whole text."""
    if selector.startswith("text="):
        return page.evaluate("t => !!document.activeElement && "
                             "document.activeElement.textContent.trim() === t", selector[5:])
    return page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)",
                         selector)


def tab_to(page: Page, selector: str, limit: int = 120) -> None:
    """Press Tab until ``selector`` has the focus (it must be reachable by keyboard)."""
    for _ in range(limit):
        if focused(page, selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"«{selector}» no se alcanza con la tecla Tab")


def test_pay_a_bill_with_the_keyboard_alone(e2e_server: E2EServer, logged_in):
    page = logged_in("admin.demo")
    page.goto(SERVICIOS)
    ref = f"85{str(int(time.time()))[-6:]}"
    inscribe(page, "1004 · Vanti Gas Natural", ref, "Teclado")  # the set-up, not the flow
    page.goto(SERVICIOS)
    expect(page.get_by_role("heading", name="Servicios Públicos y Privados")).to_be_visible()

    tab_to(page, "[aria-label='Filtrar por referencia']")
    page.keyboard.type(ref)
    expect(page.get_by_text(re.compile(r"^·\s*1 inscripciones$")).first).to_be_visible()
    tab_to(page, f"[aria-label='Pagar {ref}']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Pagar facturas")).to_be_visible()

    tab_to(page, "#token-pago")
    page.keyboard.type(fresh_code(e2e_server, "admin.demo"))
    page.keyboard.press("Enter")  # submits «Aceptar y Confirmar»
    expect(page.get_by_text("Resultado del pago")).to_be_visible()
    expect(page.get_by_text("1 exitosa(s)")).to_be_visible()
    tab_to(page, "text=Volver a Inscripciones")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name=re.compile("Pagar seleccionadas"))).to_be_visible()

    # a dialog traps the focus and returns it: «Pagar con código de barras»
    tab_to(page, "#barcode-pagar")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    for _ in range(15):  # Tab cycles inside the dialog, never behind it
        page.keyboard.press("Tab")
        assert page.evaluate("() => !!document.activeElement.closest('[role=dialog]')")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    assert focused(page, "#barcode-pagar")
