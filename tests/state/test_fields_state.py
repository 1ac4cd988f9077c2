"""One validation rule per field, through the Servicios Públicos y Privados handlers as a
forged websocket event would call them; each verdict checked in the database."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from occireflex.domain import fields, money
from occireflex.domain.errors import ValidationError
from occireflex.models import AuditEvent, AutoPayRule, Enrollment, utcnow
from tests.helpers import code_for


def _count(db, model, *where) -> int:
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def _message(validator, *args) -> str:
    with pytest.raises(ValidationError) as err:
        validator(*args)
    return err.value.message


def _form(b, code: str):
    b.payments.load()
    option = next(o for o in b.payments.biller_options if o["label"].startswith(code))
    b.payments.open_form()
    b.payments.set_biller_id(option["id"])


@pytest.mark.parametrize(("reference", "alias"), [
    ("0099887766", "=HYPERLINK(\"http://evil\";\"ver\")"),
    ("0099887766", "+57 oficina"),
    ("0099887766", "@SUM(A1)"),
    ("0099887766", "\t-2+3"),
    ("0099887766", "Sede\x1f"),
    ("0099887766", "Sede\u202eetron"),
    ("0099887766", "A" * 61),
    ("0099887766", ["Sede"]),
    ("００９９８８７７６６", "Sede"),
    ("٠٠٩٩٨٨٧٧٦٦", "Sede"),
    ("0099887766\x1f", "Sede"),
])
def test_forged_inscription_is_refused_and_nothing_is_written(logged_in, db, reference, alias):
    b = logged_in("admin.demo")
    _form(b, "1004")  # Vanti: 8 to 10 digits
    before = (_count(db, Enrollment), _count(db, AuditEvent))
    b.payments.inscribe({"referencia": reference, "alias": alias})
    try:
        fields.alias(alias)
        expected = _message(fields.reference, reference,
                            fields.ReferenceRule("Cuenta contrato", "Vanti Gas Natural",
                                                 True, 8, 10))
    except ValidationError as exc:
        expected = exc.message
    assert b.payments.error == expected and b.payments.form_open
    assert (_count(db, Enrollment), _count(db, AuditEvent)) == before


def test_form_folds_blanks_and_keeps_leading_zeros(logged_in, db):
    b = logged_in("admin.demo")
    _form(b, "1004")
    b.payments.inscribe({"referencia": "\u00a00099887766 ", "alias": " Gas\u00a0 planta\n"})
    assert b.payments.error == ""
    row = db.exec(select(Enrollment).where(Enrollment.reference == "0099887766")).one()
    assert row.alias == "Gas planta"


def test_forged_ids_in_other_scripts_are_not_numbers(logged_in, db):
    b = logged_in("admin.demo")
    b.payments.load()
    vanti = next(o["id"] for o in b.payments.biller_options if o["label"].startswith("1004"))
    b.payments.biller_id = "".join("٠١٢٣٤٥٦٧٨٩"[int(c)] for c in vanti)  # a tampered client
    before = _count(db, Enrollment)
    b.payments.inscribe({"referencia": "0099887766", "alias": ""})
    assert b.payments.error == "Seleccione un convenio válido."
    assert _count(db, Enrollment) == before


def test_modify_refuses_a_formula_alias(logged_in, db):
    b = logged_in("admin.demo")
    b.payments.load()
    target = db.exec(select(Enrollment).where(Enrollment.reference == "12345678")).one()
    alias = target.alias
    b.payments.open_edit(str(target.id))
    b.payments.save_edit({"alias": "=cmd|' /C calc'!A0"})
    assert b.payments.error == _message(fields.alias, "=cmd|' /C calc'!A0")
    db.expire_all()
    assert db.get(Enrollment, target.id).alias == alias
    assert _count(db, AuditEvent, AuditEvent.action == "inscripcion_modificada") == 0


@pytest.mark.parametrize("amount", ["１.５００.０００", "١٥٠٠٠٠٠", "1 500 000", "-1500000",
                                    "0", "100.000.000.001", "=1500000"])
def test_programming_refuses_the_amount_before_the_token(logged_in, db, amount):
    b = logged_in("admin.demo")
    b.payments.load()
    target = db.exec(select(Enrollment).where(Enrollment.reference == "0045123987")).one()
    b.payments.open_program(str(target.id))
    before = _count(db, AuditEvent)
    b.payments.save_program({"program_max": amount, "token": "000000"})
    assert b.payments.program_error == _message(money.amount, amount)
    assert _count(db, AutoPayRule) == 0 and _count(db, AuditEvent) == before


def test_programming_days_in_other_scripts_are_refused(logged_in, db):
    b = logged_in("admin.demo")
    b.payments.load()
    target = db.exec(select(Enrollment).where(Enrollment.reference == "0045123987")).one()
    b.payments.open_program(str(target.id))
    b.payments.set_program_field("program_mode", "antes")
    b.payments.save_program({"program_max": "1.500.000", "program_days": "٣",
                             "token": code_for(db, "admin.demo", utcnow(), 1)})
    assert "días antes" in b.payments.program_error
    assert _count(db, AutoPayRule) == 0


def test_programming_keeps_centavos(logged_in, db):
    b = logged_in("admin.demo")
    b.payments.load()
    target = db.exec(select(Enrollment).where(Enrollment.reference == "0045123987")).one()
    b.payments.open_program(str(target.id))
    b.payments.save_program({"program_max": "$ 1.500.000,50",
                             "token": code_for(db, "admin.demo", utcnow(), 1)})
    assert b.payments.program_error == ""
    rule = db.exec(select(AutoPayRule).where(AutoPayRule.enrollment_id == target.id)).one()
    assert rule.max_amount == 150_000_050 == money.amount("$ 1.500.000,50")
