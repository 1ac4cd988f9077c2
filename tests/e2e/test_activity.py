"""Consulta de Actividad in Chromium (issue 14): the company's events with «Registro
íntegro», a filter, the detail of an event, an export; then a row altered in the database
turns the screen and ``occireflex auditoria verificar`` to the broken link. Desktop and
phone screenshots."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PAGE = "/administracion/usuarios/actividad"


def test_activity_shows_the_trail_and_then_the_broken_link(e2e_server, logged_in,
                                                           screenshots_dir):
    page = logged_in("admin.demo")
    page.goto(PAGE)
    expect(page.locator("#integridad")).to_contain_text("Registro íntegro")
    expect(page.get_by_role("cell", name="Login", exact=True).first).to_be_visible()
    page.screenshot(path=screenshots_dir / "consulta-actividad-desktop.png", full_page=True)
    page.get_by_role("button", name="Ver detalle del evento").first.click()
    expect(page.get_by_role("dialog")).to_contain_text("Objeto")
    page.keyboard.press("Escape")
    with page.expect_download() as download:
        page.get_by_role("button", name="Exportar a Excel").click()
    assert download.value.suggested_filename == "consulta-actividad.xlsx"

    phone = logged_in("admin.demo", phone=True)
    phone.goto(PAGE)
    expect(phone.locator("#integridad")).to_contain_text("Registro íntegro")
    phone.screenshot(path=screenshots_dir / "consulta-actividad-phone.png", full_page=True)

    # an intruder edits one event of the company straight in the database
    con = sqlite3.connect(e2e_server.db_path, timeout=10)
    try:
        con.execute("UPDATE auditevent SET ip = '6.6.6.6' WHERE id = (SELECT min(a.id) FROM "
                    "auditevent a JOIN company c ON c.id = a.company_id "
                    "WHERE c.name = 'Empresa Demo S.A.S.')")
        con.commit()
    finally:
        con.close()
    page.reload()
    expect(page.locator("#integridad")).to_contain_text("Registro alterado en el evento 1")
    result = subprocess.run([sys.executable, "-m", "occireflex", "auditoria", "verificar"],
                            cwd=ROOT, env=e2e_server.env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1 and "Registro alterado en el evento 1" in result.stdout
