"""«Inscribir con código de barras» with the line typed and «Pagar con código de barras»
with a photo of the bill (a true GS1-128 symbol drawn by treepoem) in Chromium; a wrong
check digit is refused in Spanish. Desktop and phone screenshots."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.domain.test_barcode import png
from tests.e2e.conftest import E2EServer
from tests.e2e.test_dual_control import sql
from tests.e2e.test_payments import visible

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

SERVICIOS = "/transacciones/pagos/servicios"


def test_inscribe_by_line_and_pay_by_photo(e2e_server: E2EServer, logged_in, tmp_path,
                                           screenshots_dir):
    [(gln,)] = sql(e2e_server, "SELECT gln FROM biller WHERE code = '1004'")
    ref = f"84{str(int(time.time()))[-6:]}"
    page = logged_in("admin.demo")
    page.goto(SERVICIOS)
    page.get_by_role("button", name="Administración de Pagos de Servicios").click()
    page.locator("#barcode-inscribir").click()
    wrong = gln[:-1] + str((int(gln[-1]) + 1) % 10)
    page.locator("#barcode-line").fill(f"(415){wrong}(8020){ref}(3900)100000(96)20991231")
    page.locator("#barcode-submit").click()
    expect(page.get_by_text("dígito de verificación")).to_be_visible()
    page.locator("#barcode-line").fill(f"(415){gln}(8020){ref}(3900)100000(96)20991231")
    page.locator("#barcode-alias").fill("Gas por código")
    page.screenshot(path=str(screenshots_dir / "codigo-barras-desktop.png"))
    page.locator("#barcode-submit").click()
    expect(page.get_by_text(f"Servicio inscrito con código de barras: referencia {ref}"))\
        .to_be_visible()

    due = date.today() + timedelta(days=10)  # the bill shown is due later than today
    sql(e2e_server, "UPDATE bill SET due_on = ? WHERE reference = ? AND status = 'pendiente'",
         due.isoformat(), ref)
    [(amount,)] = sql(e2e_server, "SELECT amount FROM bill WHERE reference = ? AND "
                       "status = 'pendiente'", ref)
    photo = tmp_path / "factura.png"
    photo.write_bytes(png(f"(415){gln}(8020){ref}(3902){amount}(96){due:%Y%m%d}"))

    phone = logged_in("admin.demo", phone=True)
    phone.goto(SERVICIOS)
    phone.locator("#barcode-pagar").click()
    phone.locator("input[type=file]").set_input_files(str(photo))
    expect(phone.get_by_text("factura.png")).to_be_visible()
    phone.screenshot(path=str(screenshots_dir / "codigo-barras-phone.png"))
    phone.locator("#barcode-read-image").click()
    expect(phone.get_by_text("Pagar facturas")).to_be_visible(timeout=30_000)
    expect(visible(phone.get_by_text(ref))).to_be_visible()
