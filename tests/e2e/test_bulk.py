"""«Carga Programación Automática» end to end: download the template from Ayudas, fill it
with openpyxl, upload it, see it Procesado and the inscriptions programmed; a file with bad
rows is Rechazado with its report; a reused name is refused."""

from __future__ import annotations

import re
import time

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import E2EServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

SERVICIOS = "/transacciones/pagos/servicios"
HEADER = ("Convenio;Referencia;Alias;Cuenta débito;Pago;Días antes;Monto máximo;"
          "Fecha inicio;Fecha fin\n")


def upload(page: Page, name: str, path: str) -> None:
    page.locator("#nombre-archivo").fill(name)
    page.locator("input[type=file]").set_input_files(path)
    page.get_by_role("button", name="Cargar Archivo").click()


def test_template_upload_processed_rejected_and_name_reuse(e2e_server: E2EServer, logged_in,
                                                           tmp_path):
    page = logged_in("admin.demo")
    stamp = str(int(time.time()))[-5:]

    page.goto("/ayudas/ayudas/consultar")
    page.get_by_role("button", name="Consultar").click()
    expect(page.get_by_text("Herramientas Adicionales")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Descargar").click()
    assert download.value.suggested_filename == "Macro Pagos Programados PSP.xlsx"
    template = tmp_path / "plantilla.xlsx"
    download.value.save_as(template)

    book = openpyxl.load_workbook(template)
    sheet = book["Programación"]
    sheet.delete_rows(2)  # the example row
    refs = [f"00{stamp}{i:03d}" for i in range(3)]
    for i, ref in enumerate(refs):
        sheet.append(["1001", ref, f"Sede {i}", "256098765", "DIAS_ANTES", "2", "2.000.000",
                      "", ""])
    filled = tmp_path / "ServPubli.xlsx"
    book.save(filled)

    page.goto(SERVICIOS)
    page.get_by_role("button", name="Carga Programación Automática").click()
    upload(page, f"ServPubli {stamp}", str(filled))
    expect(page.get_by_text(re.compile(r"Archivo Procesado: 3 servicio"))).to_be_visible(
        timeout=60_000)

    page.get_by_role("button", name="Inscripciones", exact=True).click()
    page.get_by_label("Filtrar por referencia").fill(f"00{stamp}")
    for ref in refs:
        row = page.get_by_role("row").filter(has_text=ref)
        expect(row).to_be_visible()
        expect(row.get_by_text("Programada")).to_be_visible()

    bad = tmp_path / "malo.csv"
    bad.write_text(HEADER + f"1001;00{stamp}900;x;256098765;VENCIMIENTO;;1.000.000;;\n"
                   "1001;12AB;x;256098765;VENCIMIENTO;;1.000.000;;\n", encoding="utf-8")
    page.get_by_role("button", name="Carga Programación Automática").click()
    upload(page, f"Malo {stamp}", str(bad))
    expect(page.get_by_text("Archivo Rechazado")).to_be_visible(timeout=60_000)
    errors = page.get_by_role("row").filter(has_text="12AB")
    expect(errors).to_contain_text("3")
    expect(errors).to_contain_text("Referencia")

    # the name can never be used again, whatever its case, accents or spaces
    page.locator("#nombre-archivo").fill(f"servpubli  {stamp}")
    page.locator("#nombre-archivo").blur()
    expect(page.get_by_text("ya fue usado")).to_be_visible()

    page.goto("/consultas/archivos-cargados")
    rejected = page.get_by_role("row").filter(has_text=f"Malo {stamp}")
    expect(rejected.get_by_text("Rechazado")).to_be_visible()
    with page.expect_download() as report:
        rejected.get_by_role("button", name="Reporte de errores").click()
    with open(report.value.path(), encoding="utf-8-sig") as handle:
        content = handle.read()
    assert "12AB" in content and "Referencia" in content
    expect(page.get_by_role("row").filter(has_text=f"ServPubli {stamp}").get_by_text(
        "Procesado")).to_be_visible()
