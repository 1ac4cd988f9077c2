"""Consulta Montos Acumulados por Usuario y Servicio in Chromium: the administrator opens the
screen, sees today's counting operations of prepara.demo against the company's limit,
filters by service, exports to Excel; the phone shows the same rows as cards. Screenshots
desktop and phone.

The test writes its operations (and the limits) straight into the server's database, dated
with the Bogotá day of the real clock the server runs on, and moves aside for its duration
what earlier tests prepared this month.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

ACCUMULATED = "/administracion/usuarios/montos-acumulados"
OP_COLUMNS = ("company_id, kind, state, summary, amount, items, payload, required, approvals, "
              "prepared_by, prepared_at, prepared_day, expires_at, reason, result, version")


ASIDE_DAY = "2000-01-01"  # where the operations other tests left today wait meanwhile


def _seed(db_path) -> list[tuple[int, str]]:
    """prepara.demo: $1,000 pending and $500 authorized today, $700 rejected (not counted);
    the company's limit of payments: $5,000 a day, 10 a month. What other tests prepared
    earlier on the shared server is moved to another day meanwhile; returns it."""
    now = datetime.now(ZoneInfo("America/Bogota"))
    day, stamp = now.date().isoformat(), now.strftime("%Y-%m-%d %H:%M:%S.000000")
    expires = (now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S.000000")
    con = sqlite3.connect(db_path, timeout=10)
    try:
        company, user = con.execute(
            'SELECT u.company_id, u.id FROM "user" u WHERE u.username = ?',
            ("prepara.demo",)).fetchone()
        aside = con.execute("SELECT id, prepared_day FROM pendingoperation WHERE "
                            "prepared_by = ? AND prepared_day >= ?",
                            (user, day[:8] + "01")).fetchall()
        con.executemany("UPDATE pendingoperation SET prepared_day = ? WHERE id = ?",
                        [(ASIDE_DAY, op_id) for op_id, _ in aside])
        for state, amount in (("pendiente", 100_000), ("autorizada", 50_000),
                              ("rechazada", 70_000)):
            con.execute(f"INSERT INTO pendingoperation ({OP_COLUMNS}) VALUES "
                        "(?, 'pago', ?, 'Factura de prueba', ?, 1, '{}', 1, 0, ?, ?, ?, ?, "
                        "'', '', 1)", (company, state, amount, user, stamp, day, expires))
        con.execute("INSERT INTO userlimit (company_id, user_id, kind, per_operation, "
                    "day_amount, day_count, month_amount, month_count, updated_at) "
                    "VALUES (?, NULL, 'pago', 0, 500000, 0, 0, 10, ?)", (company, stamp))
        con.commit()
    finally:
        con.close()
    return aside


def _unseed(db_path, aside: list[tuple[int, str]]) -> None:
    """Leave the shared server as it was: the next tests pay and set limits themselves."""
    con = sqlite3.connect(db_path, timeout=10)
    try:
        con.executemany("UPDATE pendingoperation SET prepared_day = ? WHERE id = ?",
                        [(prepared_day, op_id) for op_id, prepared_day in aside])
        con.execute("DELETE FROM pendingoperation WHERE summary = 'Factura de prueba'")
        con.execute("DELETE FROM userlimit WHERE user_id IS NULL AND kind = 'pago'")
        con.commit()
    finally:
        con.close()


@pytest.fixture
def seeded(e2e_server):
    aside = _seed(e2e_server.db_path)
    yield
    _unseed(e2e_server.db_path, aside)


def _choose(page: Page, select_id: str, option: str) -> None:
    page.locator(select_id).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_the_administrator_sees_the_accumulated_amounts(e2e_server, logged_in,
                                                        screenshots_dir, seeded):
    page = logged_in("admin.demo")
    page.goto(ACCUMULATED)
    table = page.locator("#acc-table")
    expect(table).to_contain_text("prepara.demo")
    expect(table).to_contain_text("autoriza.demo")
    _choose(page, "#acc-kind", "Pago de facturas")
    page.get_by_role("button", name="Consultar").click()
    expect(table).not_to_contain_text("Programación automática")
    row = table.get_by_role("row").filter(has_text="prepara.demo")
    expect(row).to_contain_text("$1,500.00 · 2 op.")
    expect(row).to_contain_text("De la empresa")
    expect(row).to_contain_text("30 %")
    expect(row).to_contain_text("Límite: $5,000.00 · sin límite de op.")
    page.screenshot(path=screenshots_dir / "montos-acumulados-desktop.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Exportar a Excel").click()
    assert download.value.suggested_filename == "montos-acumulados.xlsx"

    phone = logged_in("admin.demo", phone=True)
    phone.goto(ACCUMULATED)
    expect(phone.locator("p:visible", has_text="prepara.demo").first).to_be_visible()
    expect(phone.locator("#acc-table")).to_be_hidden()
    phone.screenshot(path=screenshots_dir / "montos-acumulados-phone.png", full_page=True)
