"""One validation rule per field (issue 10, point 6).

The same tricky input must get the same verdict, and when refused the same message and no
row written, whether it comes through the inscription form (``enrollments.inscribe``) or
through a bulk file (``bulk.register`` + ``bulk.process``, row rules).
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import NamedTuple

import pytest
from sqlalchemy import func
from sqlmodel import select

from occireflex.domain import access, bogota, bulk, exports, fields, money
from occireflex.domain.errors import ValidationError
from occireflex.domain.payments import inscriptions as enrollments
from occireflex.models import (
    Account,
    AuditEvent,
    AutoPayRule,
    Bill,
    Biller,
    Enrollment,
    utcnow,
)
from tests.helpers import login

PAYER = "256098765"
TODAY = bogota.local_today(utcnow())
START = (TODAY + timedelta(days=1)).isoformat()

FULL_WIDTH = "０１２３４５６７８９"
ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
PERSIAN = "۰۱۲۳۴۵۶۷۸۹"
DEVANAGARI = "०१२३४५६७८९"


# the validators alone ---------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "clean"), [
    ("", ""), (None, ""), ("   ", ""),
    ("Sede Medellín", "Sede Medellín"),
    ("  Sede \t Medellín  ", "Sede Medellín"),
    ("Sede\r\nnorte", "Sede norte"),
    ("Sede\u00a0norte\u202f2", "Sede norte 2"),        # NBSP, narrow NBSP: plain spaces
    ("Sede 2 = norte", "Sede 2 = norte"),               # «=» inside is text
    ("Sede ١٢٣ / １２３", "Sede ١٢٣ / １２３"),             # digits of other scripts: just text
    ("A" * 60, "A" * 60),
    ("Ñ" * 59 + " ", "Ñ" * 59),
])
def test_alias_accepts(raw, clean):
    assert fields.alias(raw) == clean


@pytest.mark.parametrize(("raw", "message"), [
    ("=HYPERLINK(\"http://x\")", "no puede empezar con =, +, - o @"),
    ("+57 oficina", "no puede empezar"),
    ("-sede", "no puede empezar"),
    ("@sede", "no puede empezar"),
    ("\uff1d1+1", "no puede empezar"),                 # full-width «＝»
    ("\t=1+1", "no puede empezar"),
    ("\r\n@SUM(A1)", "no puede empezar"),
    ("Sede\x00norte", "caracteres de control"),
    ("x\x1b[31m", "caracteres de control"),
    ("Sede\x7f", "caracteres de control"),
    ("Sede\x85", "caracteres de control"),             # NEL: str.split() took it for a blank
    ("Sede\x1f", "caracteres de control"),
    ("Sede\x0bnorte", "caracteres de control"),
    ("Sede\u200bnorte", "caracteres de control"),      # zero-width space
    ("Sede\u202enorte", "caracteres de control"),      # right-to-left override
    ("A" * 61, "máximo 60 caracteres"),
    (" " + "B" * 61, "máximo 60 caracteres"),
    (["Sede"], "no es válido"),
    (42, "no es válido"),
])
def test_alias_refuses_naming_the_field(raw, message):
    with pytest.raises(ValidationError) as err:
        fields.alias(raw)
    assert message in err.value.message and err.value.message.startswith("El alias")


def test_file_name_rules():
    assert fields.file_name("  Serv   Públi ") == "Serv Públi"
    for raw, message in [("", "Ingrese el nombre del archivo."),
                         ("x" * 51, "máximo 50 caracteres"), ("a/b", "no puede tener"),
                         ("<b>", "no puede tener"), ("=cmd|' /C calc'!A0", "no puede empezar"),
                         ("carga\x00", "caracteres de control"), (None, "Ingrese")]:
        with pytest.raises(ValidationError) as err:
            fields.file_name(raw)
        assert message in err.value.message and "nombre del archivo" in err.value.message


ENEL = fields.ReferenceRule("Número de cliente", "Enel Colombia", True, 7, 10)
SURA = fields.ReferenceRule("Número de contrato", "Sura EPS", False, 5, 15)


@pytest.mark.parametrize(("rule", "raw", "clean"), [
    (ENEL, "0045123987", "0045123987"),
    (ENEL, "0000000", "0000000"),
    (ENEL, "\u00a00045123987\u00a0", "0045123987"),
    (ENEL, "\t 0045123987\r\n", "0045123987"),
    (SURA, "ctr0099x", "CTR0099X"),
    (SURA, "00012", "00012"),
])
def test_reference_accepts_and_keeps_leading_zeros(rule, raw, clean):
    assert fields.reference(raw, rule) == clean


@pytest.mark.parametrize(("rule", "raw", "message"), [
    (ENEL, FULL_WIDTH, "otros alfabetos"),
    (ENEL, ARABIC_INDIC, "otros alfabetos"),
    (ENEL, PERSIAN, "otros alfabetos"),
    (ENEL, DEVANAGARI, "otros alfabetos"),
    (ENEL, "004512398²", "otros alfabetos"),
    (ENEL, "0045123987\x1f", "solo dígitos del 0 al 9"),
    (ENEL, "0045\x00123987", "solo dígitos del 0 al 9"),
    (ENEL, "0045\u00a0123987", "solo dígitos del 0 al 9"),
    (ENEL, "=0045123987", "solo dígitos del 0 al 9"),
    (ENEL, "123456", "entre 7 y 10 caracteres"),
    (SURA, "CTR１２３４５", "otros alfabetos"),
    (SURA, "CTR-12345", "letras y dígitos, sin espacios"),
    (SURA, "ſ12345", "letras y dígitos, sin espacios"),
    (ENEL, "", "Ingrese «Número de cliente» de Enel Colombia."),
    (ENEL, 45123987, "Ingrese «Número de cliente»"),
])
def test_reference_refuses_naming_the_biller_field(rule, raw, message):
    with pytest.raises(ValidationError) as err:
        fields.reference(raw, rule)
    assert message in err.value.message and rule.label in err.value.message


@pytest.mark.parametrize(("raw", "centavos"), [
    ("1.500.000", 150_000_000), ("1500000", 150_000_000), ("$ 1.500.000,50", 150_000_050),
    ("$1.500.000", 150_000_000), ("1.500.000,5", 150_000_050), ("0,01", 1),
    ("\u00a01.500.000\u00a0", 150_000_000), ("001500000", 150_000_000),
    ("100.000.000.000", money.MAX_CENTAVOS),
])
def test_amount_accepts(raw, centavos):
    assert money.amount(raw) == centavos


@pytest.mark.parametrize(("raw", "message"), [
    ("1,5,0", "mayor que cero"), ("abc", "mayor que cero"), ("", "mayor que cero"),
    ("1.50.000", "mayor que cero"), (None, "mayor que cero"), (12, "mayor que cero"),
    ("-5", "mayor que cero"), ("+5", "mayor que cero"), ("0", "mayor que cero"),
    ("0,00", "mayor que cero"), ("1,500,000.50", "mayor que cero"),
    ("1 500 000", "mayor que cero"), ("1500000\x1f", "mayor que cero"),
    ("=1500000", "mayor que cero"), ("9" * 40, "mayor que cero"),
    ("１５０００００", "otros alfabetos"), ("١٥٠٠٠٠٠", "otros alfabetos"),
    ("1.500.00٠", "otros alfabetos"),
    ("100.000.000.001", "no puede superar $ 100.000.000.000"),
])
def test_amount_refuses(raw, message):
    with pytest.raises(ValidationError) as err:
        money.amount(raw)
    assert message in err.value.message and "monto máximo" in err.value.message


def test_centavos_for_programmed_values():
    assert money.centavos(1) == 1 and money.centavos(money.MAX_CENTAVOS) == money.MAX_CENTAVOS
    for bad in (0, -1, True, 1.5, "100", None):
        with pytest.raises(ValidationError, match="mayor que cero"):
            money.centavos(bad)
    with pytest.raises(ValidationError, match="no puede superar"):
        money.centavos(money.MAX_CENTAVOS + 1)


@pytest.mark.parametrize(("raw", "number"), [
    ("3", 3), (" 10 ", 10), (7, 7), ("0", 0),
    ("٣", None), ("３", None), ("²", None), ("+3", None), ("3.0", None), ("", None),
    (True, None), (None, None), ("1" * 19, None),
])
def test_ascii_int(raw, number):
    assert fields.ascii_int(raw) == number


def test_exports_neutralise_the_same_prefixes():
    for prefix in fields.FORMULA_PREFIXES:
        assert exports.neutralise(prefix + "1+1") == "'" + prefix + "1+1"
    assert exports.neutralise("Sede") == "Sede"


# one verdict through the form and through the file ---------------------------------------


class Case(NamedTuple):
    column: str  # «Alias» or «Referencia»
    code: str  # the biller
    reference: str
    alias: str
    clean: str | None  # the stored value when accepted; None when refused
    reason: str = ""  # part of the message when refused


CASES = {
    # alias
    "alias-equals": Case("Alias", "1002", "000123456", "=HYPERLINK(\"http://x\")", None,
                         "no puede empezar"),
    "alias-plus": Case("Alias", "1002", "000123456", "+57 oficina", None, "no puede empezar"),
    "alias-minus": Case("Alias", "1002", "000123456", "-2+3", None, "no puede empezar"),
    "alias-at": Case("Alias", "1002", "000123456", "@SUM(A1)", None, "no puede empezar"),
    "alias-fullwidth-equals": Case("Alias", "1002", "000123456", "\uff1d1+1", None,
                                   "no puede empezar"),
    "alias-tab-equals": Case("Alias", "1002", "000123456", "\t=1+1", None, "no puede empezar"),
    "alias-escape": Case("Alias", "1002", "000123456", "x\x1b[31m", None, "de control"),
    "alias-unit-separator": Case("Alias", "1002", "000123456", "Sede\x1f", None, "de control"),
    "alias-nel": Case("Alias", "1002", "000123456", "Sede\x85norte", None, "de control"),
    "alias-bidi": Case("Alias", "1002", "000123456", "Sede\u202eetron", None, "de control"),
    "alias-zero-width": Case("Alias", "1002", "000123456", "Se\u200bde", None, "de control"),
    "alias-61": Case("Alias", "1002", "000123456", "A" * 61, None, "máximo 60"),
    "alias-nbsp": Case("Alias", "1002", "000123456", "Sede\u00a0norte\u00a0", "Sede norte"),
    "alias-line-break": Case("Alias", "1002", "000123456", "Sede\nnorte", "Sede norte"),
    "alias-60": Case("Alias", "1002", "000123456", "Ñ" * 60, "Ñ" * 60),
    "alias-empty": Case("Alias", "1002", "000123456", "", ""),
    "alias-other-digits": Case("Alias", "1002", "000123456", "Sede ١٢٣", "Sede ١٢٣"),
    # reference
    "ref-leading-zeros": Case("Referencia", "1001", "0045123988", "", "0045123988"),
    "ref-all-zeros": Case("Referencia", "1001", "0000000", "", "0000000"),
    "ref-nbsp-ends": Case("Referencia", "1001", "\u00a00045123989\u00a0", "", "0045123989"),
    "ref-alnum": Case("Referencia", "2001", "ctr0099x", "", "CTR0099X"),
    "ref-fullwidth": Case("Referencia", "1001", "００４５１２３９８９", "", None,
                          "otros alfabetos"),
    "ref-arabic-indic": Case("Referencia", "1001", "٠٠٤٥١٢٣٩٨٩", "", None, "otros alfabetos"),
    "ref-persian": Case("Referencia", "1001", "۰۰۴۵۱۲۳۹۸۹", "", None, "otros alfabetos"),
    "ref-superscript": Case("Referencia", "1001", "004512398²", "", None, "otros alfabetos"),
    "ref-alnum-fullwidth": Case("Referencia", "2001", "CTR１２３４５", "", None,
                                "otros alfabetos"),
    "ref-unit-separator": Case("Referencia", "1001", "0045123989\x1f", "", None,
                               "solo dígitos del 0 al 9"),
    "ref-inner-nbsp": Case("Referencia", "1001", "0045\u00a0123989", "", None, "solo dígitos"),
    "ref-equals": Case("Referencia", "1001", "=0045123989", "", None, "solo dígitos"),
    "ref-short": Case("Referencia", "1001", "123456", "", None, "entre 7 y 10"),
    "ref-long": Case("Referencia", "1001", "00451239890", "", None, "entre 7 y 10"),
    "ref-empty": Case("Referencia", "1001", "", "", None, "Ingrese «Número de cliente»"),
}


def actor_of(db, username):
    return access.load_actor(db, login(db, username).session_token)


def count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def written(db) -> tuple[int, ...]:
    return (count(db, Enrollment), count(db, AutoPayRule), count(db, Bill))


def csv_file(*rows: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows([list(bulk.HEADERS), *rows])
    return buffer.getvalue().encode("utf-8")


def file_row(code: str, reference: str, alias: str, amount: str = "1.500.000") -> list[str]:
    return [code, reference, alias, PAYER, "VENCIMIENTO", "", amount, START, ""]


def through_form(db, admin, case: Case) -> tuple[str | None, str]:
    """(stored value or None, message) through ``enrollments.inscribe``; rolled back."""
    biller = db.exec(select(Biller).where(Biller.code == case.code)).one()
    payer_id = db.exec(select(Account.id).where(Account.number == PAYER)).one()
    before = written(db), count(db, AuditEvent)
    try:
        row = enrollments.inscribe(db, admin, biller.id, case.reference, case.alias, payer_id)
    except ValidationError as exc:
        # counting flushes the session: anything added by the refused call would show
        assert (written(db), count(db, AuditEvent)) == before
        db.rollback()
        return None, exc.message
    value = row.alias if case.column == "Alias" else row.reference
    db.rollback()
    return value, ""


def through_file(db, admin, case: Case, name: str) -> tuple[str | None, str]:
    """(stored value or None, message) through an uploaded CSV, processed like the sidecar."""
    before = written(db)
    upload = bulk.register(db, admin, name, "carga.csv",
                           csv_file(file_row(case.code, case.reference, case.alias)))
    db.commit()
    done = bulk.process(db, upload.id)
    if done.state == bulk.RECHAZADO:
        assert written(db) == before
        [error] = bulk.first_errors(done.report)
        assert (error.row, error.column) == (2, case.column)  # row and column, as before
        return None, error.reason
    assert done.state == bulk.PROCESADO and written(db) != before
    row = db.exec(select(Enrollment).order_by(Enrollment.id.desc())).first()
    return (row.alias if case.column == "Alias" else row.reference), ""


@pytest.mark.parametrize("name", list(CASES))
def test_form_and_file_give_one_verdict(demo, db, name):
    case = CASES[name]
    admin = actor_of(db, "admin.demo")
    db.commit()
    form = through_form(db, admin, case)
    file = through_file(db, admin, case, f"Prueba {name}")
    assert form == file
    value, message = form
    if case.clean is None:
        assert value is None and case.reason in message
    else:
        assert value == case.clean and message == ""


def test_a_nul_byte_refuses_the_form_field_and_the_whole_file(demo, db):
    admin = actor_of(db, "admin.demo")
    db.commit()
    value, message = through_form(db, admin, Case("Alias", "1002", "000123456", "Sede\x00", None))
    assert value is None and "de control" in message
    before = written(db)
    upload = bulk.register(db, admin, "Con NUL", "nul.csv",
                           csv_file(file_row("1002", "000123456", "Sede\x00")))
    db.commit()
    done = bulk.process(db, upload.id)
    assert done.state == bulk.RECHAZADO and "no es de texto" in done.message
    assert written(db) == before


# amounts: the file's «Monto máximo» and the programming form share one rule ---------------


REFUSED_AMOUNTS = ["１５０００００", "١٥٠٠٠٠٠", "1 500 000", "-1500000", "+1500000", "0",
                   "1,500,000.50", "100.000.000.001", "1500000\x1f", "=1500000", ""]
ACCEPTED_AMOUNTS = {"1500000": 150_000_000, "1.500.000": 150_000_000,
                    "$ 1.500.000": 150_000_000, "1.500.000,50": 150_000_050,
                    "100.000.000.000": money.MAX_CENTAVOS}


def test_refused_amounts_name_row_column_and_the_same_message(demo, db):
    admin = actor_of(db, "admin.demo")
    lines = [file_row("1002", f"00077{i:04d}", "Sede", amount)
             for i, amount in enumerate(REFUSED_AMOUNTS)]
    errors = bulk.validate(db, admin, bulk.parse(csv_file(*lines), "montos.csv"), TODAY)
    assert [(e.row, e.column) for e in errors] == [
        (i + 2, "Monto máximo") for i in range(len(REFUSED_AMOUNTS))]
    for error, amount in zip(errors, REFUSED_AMOUNTS, strict=True):
        with pytest.raises(ValidationError) as err:
            money.amount(amount)  # what the programming form calls
        assert error.reason == err.value.message


def test_accepted_amounts_program_the_same_centavos(demo, db):
    admin = actor_of(db, "admin.demo")
    db.commit()
    refs = {f"00088{i:04d}": text for i, text in enumerate(ACCEPTED_AMOUNTS)}
    upload = bulk.register(db, admin, "Montos", "montos.csv",
                           csv_file(*[file_row("1002", ref, "", text)
                                      for ref, text in refs.items()]))
    db.commit()
    assert bulk.process(db, upload.id).state == bulk.PROCESADO
    for ref, text in refs.items():
        enrollment = db.exec(select(Enrollment).where(Enrollment.reference == ref)).one()
        rule = db.exec(select(AutoPayRule).where(
            AutoPayRule.enrollment_id == enrollment.id)).one()
        assert rule.max_amount == ACCEPTED_AMOUNTS[text] == money.amount(text)


def test_days_and_dates_take_ascii_digits_only(demo, db):
    admin = actor_of(db, "admin.demo")
    start = date.fromisoformat(START)
    arabic_date = "".join(ARABIC_INDIC[int(c)] if c.isdigit() else c
                          for c in start.strftime("%d/%m/%Y"))
    lines = [[*file_row("1002", "000990001", "")[:4], "DIAS_ANTES", "٣", "1.500.000", START, ""],
             [*file_row("1002", "000990002", "")[:7], arabic_date, ""]]
    errors = bulk.validate(db, admin, bulk.parse(csv_file(*lines), "dias.csv"), TODAY)
    assert [(e.row, e.column) for e in errors] == [(2, "Días antes"), (3, "Fecha inicio")]


# names reach exports too: profile names and descriptions, device names, ids ---------------

@pytest.mark.parametrize("bad", ["=HYPERLINK(\"x\")", "+57 Tesorería", "@SUM(A1)", "Caja\x1b",
                                 "Te\u200bsorería", "ab"])
def test_profile_names_share_the_name_rule(demo, db, bad):
    from occireflex.domain import profiles

    admin = actor_of(db, "admin.demo")
    for data in (profiles.ProfileData(bad, "", True), profiles.ProfileData("Caja", bad, True)):
        if data.description == "ab":
            continue  # a two-letter description is fine
        with pytest.raises(ValidationError):
            profiles.validate_data(db, admin, data, None)


def test_device_names_share_the_name_rule():
    from occireflex.domain.tokens.device import clean_device_name

    assert clean_device_name("  Celular   de Pedro ") == "Celular de Pedro"
    for bad in ("=cmd|' /C calc'!A0", "-1+1", "", "x" * 41, "Cel\u202eular", None):
        with pytest.raises(ValidationError, match="dispositivo"):
            clean_device_name(bad)


def test_ids_from_the_browser_take_ascii_digits_only():
    from occireflex.state.inputs import to_int

    assert [to_int(v) for v in ("12", 12, " 7 ")] == [12, 12, 7]
    for forged in ("١٢", "１２", "²", "+3", "3.0", True, 0, -4, 2**63, "9" * 19, None, [1]):
        assert to_int(forged) is None
