"""Dual control end to end (issue 15, «Done when»): prepara.demo pays two bills, each kept
«Pendiente por autorizar» with the balance unchanged; autoriza.demo sees them in the portal
inbox and in the App, authorizes one in the App and rejects the other in the portal; exactly
one payment moves money; prepara.demo is never offered «Autorizar» on its own operations; a
limit exceeded is refused with its message; the authorizer's alert is in the outbox. A bulk
file waits «Pendiente por autorizar» and is inscribed when authorized."""

from __future__ import annotations

import sqlite3
import time

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import E2EServer, fresh_code
from tests.e2e.test_bulk import HEADER, upload
from tests.e2e.test_payments import inscribe, visible
from tests.e2e.test_token_virtual import app_login

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(480)]

SERVICIOS = "/transacciones/pagos/servicios"
INBOX = "/consultas/pendientes-autorizar"
REALIZADAS = "/consultas/transacciones-realizadas"
DEMO = "(SELECT id FROM company WHERE name = 'Empresa Demo S.A.S.')"


def sql(server: E2EServer, statement: str, *args) -> list[tuple]:
    """Setup and proof straight in the server's database (the configuration screens have
    their own tests)."""
    con = sqlite3.connect(server.db_path, timeout=10)
    try:
        rows = con.execute(statement, args).fetchall()
        con.commit()
        return rows
    finally:
        con.close()


def balance(server: E2EServer) -> int:
    return sql(server, "SELECT current FROM account WHERE number = '256098765'")[0][0]


def pay_one(page: Page, server: E2EServer, reference: str, screenshot=None) -> str:
    """prepara.demo pays one bill: kept for authorization; returns the operation number."""
    visible(page.get_by_label(f"Pagar {reference}")).click()
    expect(page.locator("#pay-needs-authorization")).to_be_visible()
    page.locator("#token-pago").fill(fresh_code(server, "prepara.demo"))
    page.get_by_role("button", name="Aceptar y Confirmar").click()
    pending = page.locator("#pay-pending")
    expect(pending).to_contain_text("Pendiente por autorizar")
    number = pending.inner_text().split("N.° ")[1].split(" ")[0]
    if screenshot:
        page.screenshot(path=str(screenshot))
    page.get_by_role("button", name="Volver a Inscripciones").click()
    return number


@pytest.fixture
def one_authorization(e2e_server: E2EServer):
    """The demo company's payments need one authorization (the suite's server starts with
    «firma única»); restored afterwards, with the limit the test sets."""
    sql(e2e_server, f"DELETE FROM userlimit WHERE company_id = {DEMO}")
    sql(e2e_server, f"UPDATE authrule SET required = 1 WHERE kind = 'pago' AND company_id = {DEMO}")
    yield
    sql(e2e_server, f"UPDATE authrule SET required = 0 WHERE kind = 'pago' AND company_id = {DEMO}")
    sql(e2e_server, f"DELETE FROM userlimit WHERE company_id = {DEMO}")


def test_prepare_authorize_in_the_app_and_reject_in_the_portal(
        e2e_server: E2EServer, new_context, logged_in, one_authorization, screenshots_dir):
    maker = logged_in("prepara.demo")
    maker.goto(SERVICIOS)
    stamp = str(int(time.time()))[-6:]
    refs = [f"71{stamp}", f"72{stamp}"]
    for i, ref in enumerate(refs):
        inscribe(maker, "1004 · Vanti Gas Natural", ref, f"Dual {i}")
    before, paid_before = balance(e2e_server), sql(
        e2e_server, "SELECT count(*) FROM payment WHERE status = 'exitosa'")[0][0]
    numbers = [pay_one(maker, e2e_server, refs[0],
                       screenshots_dir / "pago-pendiente-desktop.png"),
               pay_one(maker, e2e_server, refs[1])]
    assert balance(e2e_server) == before  # nothing moved yet

    # the preparer sees its operations, never «Autorizar» on them
    maker.goto(INBOX)
    for number in numbers:
        row = maker.locator(f"tr[data-operation='{number}']")
        expect(row.get_by_text("Usted la preparó")).to_be_visible()
        expect(maker.locator(f"[aria-label='Autorizar operación {number}']")).to_have_count(0)

    # the authorizer's alert reached the outbox
    to_checker = sql(e2e_server, "SELECT count(*) FROM outboxmessage o JOIN \"user\" u ON "
                     "o.user_id = u.id WHERE u.username = 'autoriza.demo' AND "
                     "o.subject LIKE '%autorización%'")[0][0]
    assert to_checker >= 2

    # autoriza.demo: the portal inbox lists both; the App authorizes the first
    checker = logged_in("autoriza.demo")
    checker.goto(INBOX)
    for number in numbers:
        expect(checker.locator(f"tr[data-operation='{number}']").get_by_role(
            "button", name="Autorizar")).to_be_visible()
    checker.screenshot(path=str(screenshots_dir / "pendientes-autorizar-desktop.png"))

    phone = new_context(phone=True).new_page()
    app_login(phone, "autoriza.demo", fresh_code(e2e_server, "autoriza.demo"))
    phone.get_by_text("Autorizaciones pendientes").first.click()
    cards = phone.locator("#app-operations .occi-op-card")
    expect(cards).to_have_count(2)
    phone.screenshot(path=str(screenshots_dir / "app-pendientes-autorizar-phone.png"),
                     full_page=True)
    phone.locator(f"#app-operations [data-operation='{numbers[0]}']").get_by_role(
        "button", name="Autorizar").click()
    phone.locator("#token-autorizacion-app").fill(fresh_code(e2e_server, "autoriza.demo"))
    phone.get_by_role("button", name="Aceptar y Confirmar").click()
    expect(phone.locator("#ops-outcome")).to_contain_text("1 factura(s) pagada(s)")
    expect(cards).to_have_count(1)

    # ... and the portal rejects the second, with its reason
    checker.reload()
    checker.locator(f"tr[data-operation='{numbers[1]}']").get_by_role(
        "button", name="Rechazar").click()
    checker.locator("#op-reject-reason").fill("Factura duplicada con el proveedor")
    checker.locator("#token-autorizacion").fill(fresh_code(e2e_server, "autoriza.demo"))
    checker.get_by_role("button", name="Aceptar y Confirmar").click()
    expect(checker.locator("#ops-outcome")).to_contain_text("1 de 1 operación(es) rechazada(s)")
    expect(checker.locator("#ops-empty")).to_be_visible()

    # exactly one payment moved money
    paid = sql(e2e_server, "SELECT count(*) FROM payment WHERE status = 'exitosa'")[0][0]
    states = dict(sql(e2e_server, "SELECT id, state FROM pendingoperation WHERE id IN (?, ?)",
                      int(numbers[0]), int(numbers[1])))
    assert paid == paid_before + 1
    assert states == {int(numbers[0]): "autorizada", int(numbers[1]): "rechazada"}
    amount = sql(e2e_server, "SELECT amount FROM pendingoperation WHERE id = ?",
                 int(numbers[0]))[0][0]
    assert balance(e2e_server) == before - amount
    maker.goto(REALIZADAS)
    expect(visible(maker.get_by_text(refs[0]))).to_be_visible()
    expect(maker.get_by_text(refs[1])).to_have_count(0)

    # a limit exceeded is refused with its message, nothing kept
    sql(e2e_server, "INSERT INTO userlimit (company_id, user_id, kind, per_operation, "
        "day_amount, day_count, month_amount, month_count, updated_at) SELECT company_id, id, "
        "'pago', 100, 0, 0, 0, 0, '2026-01-01 00:00:00' FROM \"user\" "
        "WHERE username = 'prepara.demo'")
    maker.goto(SERVICIOS)
    waiting = sql(e2e_server, "SELECT count(*) FROM pendingoperation")[0][0]
    visible(maker.get_by_label(f"Pagar {refs[1]}")).click()
    maker.locator("#token-pago").fill(fresh_code(e2e_server, "prepara.demo"))
    maker.get_by_role("button", name="Aceptar y Confirmar").click()
    expect(maker.get_by_text("Monto máximo por operación")).to_be_visible()
    assert sql(e2e_server, "SELECT count(*) FROM pendingoperation")[0][0] == waiting


@pytest.fixture
def files_need_authorization(e2e_server: E2EServer):
    sql(e2e_server, f"UPDATE authrule SET required = 1 WHERE kind = 'archivo' "
        f"AND company_id = {DEMO}")
    yield
    sql(e2e_server, f"UPDATE authrule SET required = 0 WHERE kind = 'archivo' "
        f"AND company_id = {DEMO}")


def test_a_bulk_file_waits_for_authorization_then_is_inscribed(
        e2e_server: E2EServer, logged_in, files_need_authorization, tmp_path,
        screenshots_dir):
    stamp = str(int(time.time()))[-6:]
    refs = [f"73{stamp}{i}" for i in range(2)]
    data = tmp_path / "sedes.csv"
    data.write_text(HEADER + "".join(
        f"1004;{ref};Sede {i};256098765;DIAS_ANTES;2;900.000;;\n"
        for i, ref in enumerate(refs)), encoding="utf-8")
    maker = logged_in("prepara.demo")
    maker.goto(SERVICIOS)
    maker.get_by_role("button", name="Carga Programación Automática").click()
    upload(maker, f"Sedes dual {stamp}", str(data))
    expect(maker.locator("#bulk-pending-authorization")).to_contain_text(
        "Pendiente por autorizar", timeout=60_000)
    inscribed = f"SELECT count(*) FROM enrollment WHERE reference IN ('{refs[0]}', '{refs[1]}')"
    assert sql(e2e_server, inscribed)[0][0] == 0
    maker.screenshot(path=str(screenshots_dir / "carga-pendiente-desktop.png"))
    [(number,)] = sql(e2e_server, "SELECT id FROM pendingoperation WHERE kind = 'archivo' "
                      "AND summary LIKE ?", f"%Sedes dual {stamp}%")

    phone = logged_in("autoriza.demo", phone=True)
    phone.goto(INBOX)
    expect(visible(phone.get_by_text(f"Sedes dual {stamp}"))).to_be_visible()
    phone.screenshot(path=str(screenshots_dir / "pendientes-autorizar-phone.png"),
                     full_page=True)

    checker = logged_in("autoriza.demo")
    checker.goto(INBOX)
    row = checker.locator(f"tr[data-operation='{number}']")
    expect(row).to_contain_text("Carga Programación Automática (archivo)")
    row.get_by_role("button", name="Autorizar").click()
    checker.locator("#token-autorizacion").fill(fresh_code(e2e_server, "autoriza.demo"))
    checker.get_by_role("button", name="Aceptar y Confirmar").click()
    expect(checker.locator("#ops-outcome")).to_contain_text("2 inscripción(es)")
    assert sql(e2e_server, inscribed)[0][0] == 2

    maker.goto("/consultas/archivos-cargados")
    expect(maker.get_by_role("row").filter(has_text=f"Sedes dual {stamp}").get_by_text(
        "Procesado")).to_be_visible()
