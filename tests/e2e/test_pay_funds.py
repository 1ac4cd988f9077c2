"""Pagos as a treasurer expects (issue 16): the confirmation panel flags the bills the chosen
account cannot cover before any token is asked, «Quitar» takes one out, another account
lets the payment go on; a refused payment reads «Rechazada», «No debitado», in
Transacciones Realizadas. Desktop and phone screenshots."""

from __future__ import annotations

import re
import sqlite3
import time

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import E2EServer
from tests.e2e.test_payments import inscribe, visible

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

SERVICIOS = "/transacciones/pagos/servicios"
REALIZADAS = "/consultas/transacciones-realizadas"


def _choose_account(page: Page, last_digits: str) -> None:
    page.get_by_role("combobox", name="Cuenta débito").click()
    page.get_by_role("option", name=re.compile(f"{last_digits}$")).click()


def _pay_two(page: Page, refs: list[str]) -> None:
    """Select both (found by the stamp they share: earlier tests inscribe more than a page
    of services) and open «Pagar facturas»."""
    page.goto(SERVICIOS)
    page.get_by_label("Filtrar por referencia").fill(refs[0][2:])
    expect(page.get_by_text(re.compile(r"^·\s*2 inscripciones$")).first).to_be_visible()
    for ref in refs:
        visible(page.get_by_label(f"Seleccionar {ref}")).click()
    page.get_by_role("button", name=re.compile(r"Pagar seleccionadas")).click()
    expect(page.get_by_text("Total a pagar")).to_be_visible()


def test_bills_the_account_cannot_cover_are_flagged_before_the_token(
        e2e_server: E2EServer, logged_in, screenshots_dir):
    page = logged_in("admin.demo")
    page.goto(SERVICIOS)
    stamp = str(int(time.time()))[-6:]
    refs = [f"81{stamp}", f"82{stamp}"]
    for i, ref in enumerate(refs):
        inscribe(page, "1004 · Vanti Gas Natural", ref, f"Fondos {i}")
    _pay_two(page, refs)

    _choose_account(page, "4567")  # $302.43
    short = page.locator("#pay-insufficient")
    expect(short).to_contain_text("no cubre 2 de las facturas")
    expect(page.locator("#token-pago")).to_have_count(0)  # no code asked for nothing
    expect(page.locator("#pay-confirm-disabled")).to_be_disabled()
    expect(page.locator(".occi-pay-short")).to_have_count(2)
    page.screenshot(path=str(screenshots_dir / "pago-fondos-insuficientes-desktop.png"))

    visible(page.get_by_label(f"Quitar del pago ref. {refs[0]}")).click()
    expect(page.locator(".occi-pay-short")).to_have_count(1)
    expect(short).to_contain_text("no cubre 1 de las facturas")

    _choose_account(page, "8765")
    expect(short).to_have_count(0)
    expect(page.locator("#token-pago")).to_be_visible()
    page.get_by_role("button", name="Volver").first.click()

    phone = logged_in("admin.demo", phone=True)
    _pay_two(phone, refs)
    _choose_account(phone, "4567")
    expect(phone.locator("#pay-insufficient")).to_be_visible()
    expect(phone.locator(".occi-pay-short-card")).to_have_count(2)  # cards, not a table
    expect(visible(phone.get_by_text("Fondos insuficientes"))).to_be_visible()
    phone.screenshot(path=str(screenshots_dir / "pago-fondos-insuficientes-phone.png"),
                     full_page=True)


def test_a_refused_payment_reads_rechazada_and_is_not_money(e2e_server: E2EServer,
                                                            logged_in):
    con = sqlite3.connect(e2e_server.db_path, timeout=10)
    try:
        [(company, enrollment, bill, account)] = con.execute(
            "SELECT e.company_id, e.id, b.id, a.id FROM enrollment e JOIN bill b ON "
            "b.biller_id = e.biller_id AND b.reference = e.reference JOIN account a ON "
            "a.number = '256034567' WHERE e.reference = '8012345678' LIMIT 1").fetchall()
        con.execute("INSERT INTO payment (company_id, enrollment_id, bill_id, account_id, "
                    "amount, channel, status, reason, created_at) VALUES (?, ?, ?, ?, "
                    "777700, 'manual', 'fallida', 'Fondos insuficientes en la cuenta "
                    "débito.', datetime('now'))", (company, enrollment, bill, account))
        con.commit()
    finally:
        con.close()
    page = logged_in("admin.demo")
    page.goto(REALIZADAS)
    row = page.get_by_role("row").filter(has_text="$7,777.00")
    expect(row).to_contain_text("Rechazada")
    expect(row).to_contain_text("No debitado")
    expect(row).to_contain_text("Fondos insuficientes")
    expect(page.get_by_text(re.compile(r"Pagado \(exitosas\)"))).not_to_contain_text("7,777")


def test_the_phone_shows_programada_tabs_on_one_line_and_results_first(
        e2e_server: E2EServer, logged_in, screenshots_dir):
    page = logged_in("admin.demo")
    page.goto(SERVICIOS)
    ref = f"83{str(int(time.time()))[-6:]}"
    inscribe(page, "1004 · Vanti Gas Natural", ref, "Programada")
    con = sqlite3.connect(e2e_server.db_path, timeout=10)
    try:  # a programming that never comes due: the sweep leaves it alone
        con.execute("INSERT INTO autopayrule (enrollment_id, company_id, account_id, "
                    "days_before, max_amount, start_on, end_on, is_active, updated_at) "
                    "SELECT id, company_id, account_id, 2, 100000000, '2099-01-01', NULL, 1, "
                    "datetime('now') FROM enrollment WHERE reference = ?", (ref,))
        con.commit()
    finally:
        con.close()

    phone = logged_in("admin.demo", phone=True)
    phone.goto(SERVICIOS)
    tabs = phone.locator(".occi-tabs").first
    tab_height = tabs.evaluate("el => el.getBoundingClientRect().height")
    button_height = tabs.locator("button").first.evaluate(
        "el => el.getBoundingClientRect().height")
    assert tab_height < 1.5 * button_height + 4  # one line (it scrolls sideways)
    phone.get_by_role("button", name="Inscripciones", exact=True).click()
    phone.get_by_label("Filtrar por referencia").fill(ref)
    expect(phone.get_by_text("Energía sede principal").filter(visible=True)).to_have_count(0)
    card = phone.locator(".occi-card-programmed").filter(visible=True)
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Programada")
    card.scroll_into_view_if_needed()
    phone.screenshot(path=str(screenshots_dir / "inscripciones-programada-phone.png"))

    phone.goto(REALIZADAS)
    toggle = phone.locator(".occi-filters-toggle")
    expect(toggle).to_be_visible()
    expect(phone.locator("#tx-filtros")).to_be_hidden()  # the results come first
    phone.screenshot(path=str(screenshots_dir / "transacciones-filtros-phone.png"))
    toggle.click()
    expect(phone.locator("#tx-desde")).to_be_visible()
    phone.get_by_role("button", name="Consultar").click()
    expect(phone.locator("#tx-filtros")).to_be_hidden()
