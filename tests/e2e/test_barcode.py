"""«Inscribir con código de barras» and «Pagar con código de barras» in Chromium, each with
the line typed and with a photo of the bill (a true GS1-128 symbol drawn by treepoem): one
service inscribed by its line and paid from a photo on a phone, another inscribed from a
photo and paid by its line on a desktop, both paid with the token. A wrong check digit is
refused in Spanish. Desktop and phone screenshots."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from occireflex.domain import bogota
from tests.domain.test_barcode import png
from tests.e2e.conftest import E2EServer
from tests.e2e.test_dual_control import sql
from tests.e2e.test_payments import pay_with_token, visible

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

SERVICIOS = "/transacciones/pagos/servicios"
BILLER = "1004"


def open_dialog(page: Page, mode: str) -> None:
    page.goto(SERVICIOS)
    if mode == "inscribir":
        page.get_by_role("button", name="Administración de Pagos de Servicios").click()
    page.locator(f"#barcode-{mode}").click()


def read_photo(page: Page, photo: Path) -> None:
    page.locator("input[type=file]").set_input_files(str(photo))
    expect(page.get_by_text(photo.name)).to_be_visible()


def current_bill_line(server: E2EServer, gln: str, ref: str) -> str:
    """The human-readable line of ``ref``'s pending bill, its due date moved to ten days
    after the server's business day (the bill generated at inscription may already be
    overdue)."""
    due = bogota.today() + timedelta(days=10)
    sql(server, "UPDATE bill SET due_on = ? WHERE reference = ? AND status = 'pendiente'",
        due.isoformat(), ref)
    [(amount,)] = sql(server, "SELECT amount FROM bill WHERE reference = ? AND "
                      "status = 'pendiente'", ref)
    return f"(415){gln}(8020){ref}(3902){amount}(96){due:%Y%m%d}"


def test_inscribe_and_pay_by_line_and_by_photo(e2e_server: E2EServer, logged_in, tmp_path,
                                               screenshots_dir):
    [(gln,)] = sql(e2e_server, "SELECT gln FROM biller WHERE code = ?", BILLER)
    stamp = str(int(time.time()))[-6:]
    by_line, by_photo = f"84{stamp}", f"86{stamp}"
    later = f"{bogota.today() + timedelta(days=365):%Y%m%d}"

    page = logged_in("admin.demo")
    open_dialog(page, "inscribir")
    wrong = gln[:-1] + str((int(gln[-1]) + 1) % 10)
    page.locator("#barcode-line").fill(f"(415){wrong}(8020){by_line}(3900)100000(96){later}")
    page.locator("#barcode-submit").click()
    expect(page.get_by_text("dígito de verificación")).to_be_visible()
    page.locator("#barcode-line").fill(f"(415){gln}(8020){by_line}(3900)100000(96){later}")
    page.locator("#barcode-alias").fill("Gas por código")
    page.screenshot(path=str(screenshots_dir / "codigo-barras-desktop.png"))
    page.locator("#barcode-submit").click()
    expect(page.get_by_text(f"Servicio inscrito con código de barras: referencia {by_line}"))\
        .to_be_visible()

    # inscribed from a photo of the bill
    scan = tmp_path / "inscribir.png"
    scan.write_bytes(png(f"(415){gln}(8020){by_photo}(3900)100000(96){later}"))
    open_dialog(page, "inscribir")
    read_photo(page, scan)
    page.locator("#barcode-read-image").click()
    expect(page.get_by_text(f"Servicio inscrito con código de barras: referencia {by_photo}"))\
        .to_be_visible(timeout=30_000)
    [(count,)] = sql(e2e_server, "SELECT count(*) FROM enrollment WHERE reference = ? "
                     "AND deleted_at IS NULL", by_photo)
    assert count == 1

    # paid by its line typed, with the token
    open_dialog(page, "pagar")
    page.locator("#barcode-line").fill(current_bill_line(e2e_server, gln, by_photo))
    page.locator("#barcode-submit").click()
    expect(page.get_by_text("Pagar facturas")).to_be_visible()
    expect(visible(page.get_by_text(by_photo))).to_be_visible()
    assert len(pay_with_token(page, e2e_server, 1)) == 1

    # the other one paid from a photo, on a phone
    photo = tmp_path / "factura.png"
    photo.write_bytes(png(current_bill_line(e2e_server, gln, by_line)))
    phone = logged_in("admin.demo", phone=True)
    open_dialog(phone, "pagar")
    read_photo(phone, photo)
    phone.screenshot(path=str(screenshots_dir / "codigo-barras-phone.png"))
    phone.locator("#barcode-read-image").click()
    expect(phone.get_by_text("Pagar facturas")).to_be_visible(timeout=30_000)
    expect(visible(phone.get_by_text(by_line))).to_be_visible()
    assert len(pay_with_token(phone, e2e_server, 1)) == 1

    paid = sql(e2e_server, "SELECT b.reference FROM payment p JOIN bill b ON b.id = p.bill_id "
               "WHERE b.reference IN (?, ?) AND p.status = 'exitosa'", by_line, by_photo)
    assert sorted(r for (r,) in paid) == sorted([by_line, by_photo])
