"""«Inscribir / Pagar con código de barras» as the browser calls them: the line typed, the
image uploaded, errors in Spanish with nothing changed, forged calls refused."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from occireflex.models import Bill, Biller, Enrollment
from tests.domain.test_barcode import line_for, png
from tests.state.test_bulk_state import FakeUpload

pytestmark = pytest.mark.clock("2026-12-10T09:00")  # Vanti's December bill: due the 17th
REF = "55660011"
DUE = date(2026, 12, 17)


def _vanti(db) -> Biller:
    return db.exec(select(Biller).where(Biller.code == "1004")).one()


def _enrollment(db, reference):
    return db.exec(select(Enrollment).where(Enrollment.reference == reference)).first()


def _inscribed_by_barcode(b, db, reference=REF):
    b.payments.load()
    b.payments.open_barcode("inscribir")
    b.payments.set_barcode_line(line_for(_vanti(db).gln, reference, 100_000_00,
                                         DUE))
    b.payments.set_barcode_alias("Gas planta")
    b.payments.submit_barcode({})


def test_inscribe_with_a_typed_line_then_pay_with_its_image(logged_in, db):
    b = logged_in("admin.demo")
    _inscribed_by_barcode(b, db)
    assert b.payments.barcode_error == "" and b.payments.barcode_mode == ""
    row = _enrollment(db, REF)
    assert row is not None and row.alias == "Gas planta" and "55660011" in b.payments.message

    bill = db.exec(select(Bill).where(Bill.reference == REF)).one()
    image = png(line_for(_vanti(db).gln, REF, bill.amount, bill.due_on))
    b.payments.open_barcode("pagar")
    b.payments.upload_barcode([FakeUpload(image, "factura.png")])
    assert b.payments.barcode_error == "" and b.payments.stage == "pay"
    assert [line["reference"] for line in b.payments.pay_lines] == [REF]


def test_a_wrong_check_digit_or_amount_changes_nothing(logged_in, db):
    b = logged_in("admin.demo")
    b.payments.load()
    b.payments.open_barcode("inscribir")
    gln = _vanti(db).gln
    wrong = gln[:-1] + str((int(gln[-1]) + 1) % 10)
    b.payments.set_barcode_line(line_for(wrong, REF, 100_000_00, DUE))
    b.payments.submit_barcode({})
    assert "dígito de verificación" in b.payments.barcode_error
    assert _enrollment(db, REF) is None and b.payments.barcode_mode == "inscribir"

    _inscribed_by_barcode(b, db)
    b.payments.open_barcode("pagar")
    b.payments.set_barcode_line(line_for(gln, REF, 1_00, DUE))
    b.payments.submit_barcode({})
    assert "no coincide" in b.payments.barcode_error and b.payments.stage == "grid"


def test_forged_modes_and_a_user_without_the_service_are_refused(logged_in, db):
    b = logged_in("admin.demo")
    b.payments.load()
    b.payments.open_barcode("borrar")
    assert b.payments.barcode_mode == ""
    b.payments.set_barcode_line(line_for(_vanti(db).gln, REF, 100_000_00, DUE))
    b.payments.submit_barcode({})
    assert b.payments.barcode_error and _enrollment(db, REF) is None
    b.payments.upload_barcode("nope")
    assert "Seleccione una imagen" in b.payments.barcode_error

    c = logged_in("consulta.demo")
    c.payments.open_barcode("inscribir")
    c.payments.set_barcode_line(line_for(_vanti(db).gln, REF, 100_000_00, DUE))
    c.payments.submit_barcode({})
    assert "permiso" in c.payments.barcode_error and _enrollment(db, REF) is None
