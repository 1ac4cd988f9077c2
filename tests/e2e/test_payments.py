"""Seed 000 payment flow end to end: inscribe, pay one bill, pay two at once, program one,
run the scheduler's sweep with --now, and find all three in «Transacciones Realizadas»."""

from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from occireflex.domain import bogota
from occireflex.domain.payments import billers
from tests.e2e.conftest import E2EServer, fresh_code

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(480)]

SERVICIOS = "/transacciones/pagos/servicios"
REALIZADAS = "/consultas/transacciones-realizadas"


def visible(locator):
    return locator.filter(visible=True).first


def biller_spec(code: str):
    return next(b for b in billers.BILLERS if b.code == code)


def next_pay_moment(code: str) -> datetime:
    """When the sweep pays the next bill of biller ``code`` programmed «on the due date»."""
    spec = biller_spec(code)
    today = bogota.today()  # the domain's clock: real here, as the e2e server's
    _, current_issue, _ = billers.current_period(spec, today)
    day = today
    while True:
        day += timedelta(days=1)
        _, issued, due = billers.current_period(spec, day)
        if issued > current_issue:
            pay_on = bogota.previous_business_day(due)
            return datetime.combine(max(pay_on, issued), datetime.min.time()).replace(hour=9)


def inscribe(page: Page, biller_label: str, reference: str, alias: str) -> None:
    page.get_by_role("button", name="Administración de Pagos de Servicios").click()
    page.get_by_role("button", name="Inscribir nuevo servicio").click()
    page.get_by_role("combobox", name="Convenio").click()
    page.get_by_role("option", name=re.compile(re.escape(biller_label))).click()
    page.locator("#referencia").fill(reference)
    page.locator("#alias").fill(alias)
    page.get_by_role("button", name="Inscribir", exact=True).click()
    expect(page.get_by_text(f"referencia {reference}")).to_be_visible()


def pay_with_token(page: Page, server: E2EServer, expected_ok: int) -> list[str]:
    expect(page.get_by_text("Total a pagar")).to_be_visible()
    page.locator("#token-pago").fill(fresh_code(server, "admin.demo"))
    page.get_by_role("button", name="Aceptar y Confirmar").click()
    expect(page.get_by_text("Resultado del pago")).to_be_visible()
    expect(page.get_by_text(f"{expected_ok} exitosa(s)")).to_be_visible()
    receipts = [t.strip() for t in page.locator(".occi-pay-ok span").all_inner_texts()]
    page.get_by_role("button", name="Volver a Inscripciones").click()
    return receipts


def test_inscribe_pay_program_sweep_and_consult(e2e_server: E2EServer, logged_in):
    page = logged_in("admin.demo")
    page.goto(SERVICIOS)
    expect(visible(page.get_by_text("0045123987"))).to_be_visible()

    stamp = str(int(time.time()))[-6:]
    gas_ref = f"00{stamp}"  # leading zeros are part of the reference
    inscribe(page, "1004 · Vanti Gas Natural", gas_ref, "Gas cafetería")
    expect(visible(page.get_by_text(gas_ref))).to_be_visible()

    # pay one bill with its row icon
    visible(page.get_by_label("Pagar 0045123987")).click()
    one = pay_with_token(page, e2e_server, 1)
    assert len(one) == 1 and len(one[0]) == 16

    # pay two at once
    visible(page.get_by_label("Seleccionar 12345678")).click()
    visible(page.get_by_label("Seleccionar 8012345678")).click()
    expect(page.get_by_role("button", name=re.compile(r"Pagar seleccionadas \(2\)"))).to_be_enabled()
    page.get_by_role("button", name=re.compile("Pagar seleccionadas")).click()
    two = pay_with_token(page, e2e_server, 2)
    assert len(two) == 2

    # program the new inscription: on the due date, up to $10.000.000 (found by its
    # reference: earlier tests inscribe more than a page of services)
    page.get_by_label("Filtrar por referencia").fill(gas_ref)
    # the new inscription shows the biller's current bill with its real state
    today = bogota.today()
    _, _, due = billers.current_period(biller_spec("1004"), today)
    shown = billers.SHOWN_OVERDUE if today > due else billers.SHOWN_DUE
    row = visible(page.locator("tr", has_text=gas_ref))
    expect(row).to_contain_text(shown)
    expect(row).to_contain_text(due.strftime("%Y/%m/%d"))
    visible(page.get_by_label(f"Programación automática {gas_ref}")).click()
    dialog = page.get_by_role("dialog")
    dialog.locator("#program_max").fill("10.000.000")
    dialog.locator("#token-programacion").fill(fresh_code(e2e_server, "admin.demo"))
    dialog.get_by_role("button", name="Aceptar y Confirmar").click()
    expect(page.get_by_text("Programación automática guardada")).to_be_visible()

    # the bank's batch side: one sweep at the moment the next gas bill is due
    moment = next_pay_moment("1004")
    out = e2e_server.cli("scheduler", "--once", "--now", moment.strftime("%Y-%m-%dT%H:%M"))
    assert re.search(r"pagos exitosos:?\s*[1-9]", out, re.I), out

    page.goto(REALIZADAS)
    expect(page.get_by_role("heading", name="Transacciones Realizadas")).to_be_visible()
    _widen_dates(page, moment.date())
    for receipt in one + two:
        expect(visible(page.get_by_text(receipt))).to_be_visible()
    expect(visible(page.get_by_text(gas_ref))).to_be_visible()
    expect(visible(page.get_by_text("Programado"))).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Exportar a Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    with page.expect_download() as pdf:
        page.get_by_role("button", name="Exportar PDF").click()
    assert pdf.value.suggested_filename.endswith(".pdf")
    with open(pdf.value.path(), "rb") as handle:
        assert handle.read(4) == b"%PDF"

    # home balances reflect the payments
    page.goto("/")
    expect(page.get_by_test_id("cuentas-corrientes")).to_contain_text("256098765")


def _widen_dates(page: Page, until: date) -> None:
    """Make the date filter cover today and the sweep's future date, 50 rows a page."""
    start = page.get_by_label("Fecha desde")
    end = page.get_by_label("Fecha hasta")
    start.fill((bogota.today() - timedelta(days=2)).isoformat())
    end.fill((until + timedelta(days=2)).isoformat())
    consult = page.get_by_role("button", name=re.compile("Consultar|Buscar"))
    if consult.count():
        consult.first.click()
    # 50 rows a page: the sweep also pays what other tests programmed for that day
    page.get_by_role("combobox", name="Registros por página").click()
    page.get_by_role("option", name="50", exact=True).click()
    expect(page.get_by_role("combobox", name="Registros por página")).to_have_text("50")
