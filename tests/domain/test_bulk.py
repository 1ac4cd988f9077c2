"""Carga Programación Automática: parse, validate, all-or-nothing enrollment, the files."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy import func
from sqlmodel import select

from occireflex.domain import access, bogota, bulk
from occireflex.domain.errors import AccessDenied, ValidationError
from occireflex.domain.payments import billers
from occireflex.models import AuditEvent, AutoPayRule, Bill, Biller, BulkFile, Enrollment, utcnow
from tests.helpers import login

PAYER, OTHER_ACCOUNT = "256098765", "256011111"
TODAY = bogota.local_today(utcnow())
START = (TODAY + timedelta(days=1)).isoformat()
HEADER = ";".join(bulk.HEADERS)


def actor_of(db, username):
    return access.load_actor(db, login(db, username).session_token)


@pytest.fixture
def admin(demo, db):
    return actor_of(db, "admin.demo")


def line(convenio="1002", referencia="000123456", alias="Sede", cuenta=PAYER,
         pago="DIAS_ANTES", dias="3", monto="1.500.000", inicio=START, fin=""):
    return ";".join([convenio, referencia, alias, cuenta, pago, dias, monto, inicio, fin])


def csv_bytes(*lines, encoding="utf-8"):
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode(encoding)


def count(db, model, **where):
    query = select(func.count()).select_from(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    return db.exec(query).one()


def errors_of(db, actor, *lines):
    return bulk.validate(db, actor, bulk.parse(csv_bytes(*lines), "f.csv"), TODAY)


def only_error(db, actor, *lines):
    errors = errors_of(db, actor, *lines)
    assert len(errors) == 1, errors
    return errors[0]


# Parsing: bad files ---------------------------------------------------------------------

@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"x", "datos.pdf", "Tipo de archivo no admitido"),
    (b"", "datos.csv", "está vacío"),
    (b"\r\n\r\n", "datos.csv", "está vacío"),
    (HEADER.encode(), "datos.csv", "no tiene filas de datos"),
    (b"a" * (bulk.MAX_BYTES + 1), "datos.csv", "20 MB"),
    (b"Convenio;Referencia\r\n1;2\r\n", "datos.csv", "faltan las columnas «Alias»"),
    ((HEADER + ";Observaciones\r\n").encode(), "datos.csv", "sobran las columnas «Observaciones»"),
    (HEADER.replace(";", ",").encode() + b"\r\n", "datos.csv", "punto y coma"),
    (b"\x81\x8d\x90;\r\n", "datos.txt", "UTF-8 o Latin-1"),
    (b"Convenio\x00;x", "datos.csv", "no es de texto"),
    (b"not a zip at all", "datos.xlsx", "no es un libro de Excel"),
    (b"PK\x03\x04garbage", "datos.xlsx", "dañado"),
    (b"PK\x03\x04garbage", "datos.csv", "parece un libro de Excel"),
])
def test_bad_files_get_a_clear_message(data, filename, message):
    with pytest.raises(ValidationError, match=message):
        bulk.parse(data, filename)


def test_extra_field_in_a_row_names_the_row():
    with pytest.raises(ValidationError, match="La fila 3 tiene más columnas"):
        bulk.parse(csv_bytes(line(), line() + ";extra"), "f.csv")


def test_too_many_rows(monkeypatch):
    monkeypatch.setattr(bulk.layout, "MAX_ROWS", 3)
    with pytest.raises(ValidationError, match="más de 3 filas"):
        bulk.parse(csv_bytes(*[line()] * 4), "f.csv")


def test_latin1_and_bom_are_read():
    rows = bulk.parse(csv_bytes(line(alias="Señora Ñoño"), encoding="latin-1"), "f.txt")
    assert rows[0]["alias"] == "Señora Ñoño" and rows[0][bulk.ROW] == 2
    rows = bulk.parse(b"\xef\xbb\xbf" + csv_bytes(line()), "f.csv")
    assert rows[0]["convenio"] == "1002"


def _xlsx(rows, header=bulk.HEADERS, title=bulk.DATA_SHEET):
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(list(header))
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_xlsx_formula_is_refused_naming_row_and_column():
    data = _xlsx([["1002", "000123456", "=A2&B2", PAYER, "VENCIMIENTO", "", "100", START, ""]])
    with pytest.raises(ValidationError, match="fila 2, columna C «Alias»"):
        bulk.parse(data, "f.xlsx")


def test_xlsx_missing_columns_named():
    with pytest.raises(ValidationError, match="faltan las columnas «Fecha fin»"):
        bulk.parse(_xlsx([["1"] * 8], header=bulk.HEADERS[:8]), "f.xlsx")


# Validation rules -----------------------------------------------------------------------

def test_valid_rows_have_no_errors(admin, db):
    assert errors_of(db, admin, line(), line(convenio="1006", referencia="ab12cd",
                                             pago="VENCIMIENTO", dias="", monto="250000")) == []


@pytest.mark.parametrize(("kwargs", "column", "reason"), [
    ({"convenio": "9999"}, "Convenio", "no existe"),
    ({"convenio": ""}, "Convenio", "Ingrese el código"),
    ({"referencia": "12AB567"}, "Referencia", "solo dígitos"),
    ({"referencia": "123"}, "Referencia", "entre 6 y 12"),
    ({"referencia": "1.23E+09"}, "Referencia", "ceros a la izquierda"),
    ({"referencia": "123456.0"}, "Referencia", "ceros a la izquierda"),
    ({"cuenta": OTHER_ACCOUNT}, "Cuenta débito", "no pertenece a su empresa"),
    ({"cuenta": ""}, "Cuenta débito", "Ingrese la cuenta"),
    ({"pago": "MENSUAL"}, "Pago", "VENCIMIENTO o DIAS_ANTES"),
    ({"dias": "11"}, "Días antes", "entre 1 y 10"),
    ({"dias": ""}, "Días antes", "entre 1 y 10"),
    ({"pago": "VENCIMIENTO", "dias": "4"}, "Días antes", "vacío o en 0"),
    ({"monto": "0"}, "Monto máximo", "mayor que cero"),
    ({"monto": "1,500,000.50"}, "Monto máximo", "mayor que cero"),
    ({"inicio": (TODAY - timedelta(days=1)).isoformat()}, "Fecha inicio", "anterior a hoy"),
    ({"inicio": "2026-02-30"}, "Fecha inicio", "Fecha no válida"),
    ({"fin": TODAY.isoformat(), "inicio": START}, "Fecha fin", "posterior"),
    ({"fin": "mañana"}, "Fecha fin", "Fecha no válida"),
    ({"alias": "x" * 61}, "Alias", "60 caracteres"),
    ({"alias": "=HYPERLINK(1)"}, "Alias", "no puede empezar"),
    ({"referencia": "0045123987", "convenio": "1001"}, "Referencia", "ya está inscrita"),
])
def test_each_rule_names_row_and_column(admin, db, kwargs, column, reason):
    error = only_error(db, admin, line(referencia="999999999"), line(**kwargs))
    assert (error.row, error.column) == (3, column)
    assert reason in error.reason


def test_money_and_dates_formats(admin, db):
    day = TODAY + timedelta(days=2)
    assert errors_of(db, admin, line(monto="1500000", inicio=day.strftime("%d/%m/%Y")),
                     line(referencia="999999999", monto="$ 1.500.000", inicio="")) == []


def test_inactive_biller_refused(admin, db):
    enel = db.exec(select(Biller).where(Biller.code == "1002")).one()
    enel.is_active = False
    db.add(enel)
    db.flush()
    assert "no está activo" in only_error(db, admin, line()).reason


def test_duplicates_inside_the_file(admin, db):
    error = only_error(db, admin, line(), line(referencia="999999"), line())
    assert (error.row, error.column) == (4, "Referencia") and "fila 2" in error.reason


def test_numeric_xlsx_reference_is_flagged(admin, db):
    data = _xlsx([[1002, 123456789, "", int(PAYER), "DIAS_ANTES", 2, 1500000, START, None]])
    rows = bulk.parse(data, "f.xlsx")
    errors = bulk.validate(db, admin, rows, TODAY)
    assert [(e.row, e.column) for e in errors] == [(2, "Referencia")]
    assert "ceros a la izquierda" in errors[0].reason


# Files: register, process, all or nothing ------------------------------------------------

def test_valid_file_is_processed_inscribed_and_programmed(admin, db):
    before = count(db, Enrollment)
    lines = [line(referencia=f"00{i:07d}") for i in range(25)]
    row = bulk.register(db, admin, "ServPubli", "servicios.csv", csv_bytes(*lines))
    db.commit()
    progress = []
    done = bulk.process(db, row.id, lambda f, m: progress.append(f))
    assert done.state == bulk.PROCESADO and done.rows == 25 and done.inscribed == 25
    assert count(db, Enrollment) == before + 25
    new = db.exec(select(Enrollment).where(Enrollment.reference == "000000007")).one()
    assert new.company_id == admin.company_id and new.alias == "Sede"
    rule = db.exec(select(AutoPayRule).where(AutoPayRule.enrollment_id == new.id)).one()
    assert (rule.days_before, rule.max_amount, rule.start_on) == (3, 150_000_000,
                                                                  date.fromisoformat(START))
    bill = db.exec(select(Bill).where(Bill.reference == "000000007")).one()
    assert bill.due_on > bill.issued_on and bill.status == "pendiente"
    assert progress[-1] == 1.0
    assert count(db, AuditEvent, action="carga_programacion_procesada") == 1
    assert "Procesado" in bulk.report_bytes(db, admin, row.id).decode("utf-8-sig")
    assert bulk.process(db, row.id) is None  # done once


def test_one_bad_row_rejects_the_whole_file(admin, db):
    before = (count(db, Enrollment), count(db, AutoPayRule))
    lines = [line(referencia=f"00{i:07d}") for i in range(10)] + [line(cuenta=OTHER_ACCOUNT)]
    row = bulk.register(db, admin, "Con error", "malo.csv", csv_bytes(*lines))
    db.commit()
    done = bulk.process(db, row.id)
    assert done.state == bulk.RECHAZADO and done.error_count == 1
    assert (count(db, Enrollment), count(db, AutoPayRule)) == before
    report = bulk.report_bytes(db, admin, row.id).decode("utf-8-sig").splitlines()
    assert report[0] == "Fila;Columna;Valor;Motivo"
    assert report[1].startswith(f"12;Cuenta débito;{OTHER_ACCOUNT};")
    assert bulk.first_errors(bulk.report_bytes(db, admin, row.id))[0].row == 12
    assert count(db, AuditEvent, action="carga_programacion_rechazada") == 1


def test_bad_file_is_rejected_with_its_message(admin, db):
    row = bulk.register(db, admin, "Vacio", "vacio.csv", HEADER.encode())
    db.commit()
    done = bulk.process(db, row.id)
    assert done.state == bulk.RECHAZADO and "no tiene filas" in done.message


def test_enroll_all_refuses_rows_with_errors(admin, db):
    row = bulk.register(db, admin, "Directo", "d.csv", csv_bytes(line()))
    rows = bulk.parse(csv_bytes(line(), line(monto="0")), "d.csv")
    before = count(db, Enrollment)
    with pytest.raises(ValidationError, match="no se inscribió nada"):
        bulk.enroll_all(db, admin, row.id, rows, utcnow())
    assert count(db, Enrollment) == before


@pytest.mark.parametrize("variant", ["servpubli", "SERV PUBLI", " Sérv  Públi ", "ServPúbli"])
def test_name_can_never_be_reused(admin, db, variant):
    first = bulk.register(db, admin, "ServPubli", "a.csv", HEADER.encode())
    db.commit()
    bulk.process(db, first.id)  # rejected: the name stays taken anyway
    assert not bulk.name_available(db, admin, variant)
    with pytest.raises(ValidationError, match="no se puede volver a usar"):
        bulk.register(db, admin, variant, "b.csv", csv_bytes(line()))
    assert bulk.name_available(db, admin, "Otro nombre")


def test_another_company_is_refused_and_audited(admin, db):
    mine = bulk.register(db, admin, "Mio", "m.csv", csv_bytes(line()))
    db.commit()
    otra = actor_of(db, "admin.otra")
    assert bulk.name_available(db, otra, "Mio")  # names are per company
    with pytest.raises(AccessDenied):
        bulk.report_bytes(db, otra, mine.id)
    with pytest.raises(AccessDenied):
        bulk.enroll_all(db, otra, mine.id, [], utcnow())
    assert count(db, AuditEvent, action="acceso_denegado", company_id=otra.company_id) == 2
    assert bulk.list_files(db, otra)[1] == 0
    files, total = bulk.list_files(db, admin)
    assert total == 1 and files[0].name == "Mio" and files[0].state == bulk.RECIBIDO


def test_without_the_grant_everything_is_denied(demo, db):
    consulta = actor_of(db, "consulta.demo")
    for call in (lambda: bulk.template_xlsx(db, consulta),
                 lambda: bulk.name_available(db, consulta, "x"),
                 lambda: bulk.register(db, consulta, "x", "x.csv", b"x"),
                 lambda: bulk.validate(db, consulta, [], TODAY),
                 lambda: bulk.list_files(db, consulta),
                 lambda: bulk.report_bytes(db, consulta, 1)):
        with pytest.raises(AccessDenied):
            call()


def test_register_keeps_bytes_privately_and_refuses_bad_input(admin, db):
    data = csv_bytes(line())
    row = bulk.register(db, admin, "Privado", "C:\\Users\\x\\datos.csv", data)
    assert row.content == data and row.filename == "datos.csv" and row.state == "Recibido"
    with pytest.raises(ValidationError, match="Tipo de archivo"):
        bulk.register(db, admin, "Otro", "datos.exe", data)
    with pytest.raises(ValidationError, match="nombre del archivo"):
        bulk.register(db, admin, "  ", "datos.csv", data)


# The template ----------------------------------------------------------------------------

def test_template_round_trip(admin, db):
    data = bulk.template_xlsx(db, admin, TODAY)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [bulk.DATA_SHEET, bulk.HELP_SHEET]
    ws = wb[bulk.DATA_SHEET]
    assert [c.value for c in ws[1]] == list(bulk.HEADERS)
    assert ws["B2"].number_format == "@" and ws["B500"].number_format == "@"
    formulas = [v.formula1 for v in ws.data_validations.dataValidation]
    assert any("Instrucciones" in f for f in formulas) and '"VENCIMIENTO,DIAS_ANTES"' in formulas
    codes = [c.value for c in wb[bulk.HELP_SHEET]["A"] if c.value in
             {b.code for b in billers.BILLERS}]
    assert len(codes) == len(billers.BILLERS)
    for i, ref in enumerate(["0012345", "000987654", "0000000001"]):
        r = 2 + i
        for col, value in zip("ABCDEFGHI", ["1001", ref, f"Sede {i}", PAYER,
                                            "VENCIMIENTO" if i else "DIAS_ANTES",
                                            "" if i else "5", "2.000.000", START, ""],
                              strict=True):
            ws[f"{col}{r}"] = value
    buffer = io.BytesIO()
    wb.save(buffer)
    rows = bulk.parse(buffer.getvalue(), "Macro Pagos Programados PSP.xlsx")
    assert [r["referencia"] for r in rows] == ["0012345", "000987654", "0000000001"]
    assert bulk.validate(db, admin, rows, TODAY) == []
    row = bulk.register(db, admin, "Plantilla", "macro.xlsx", buffer.getvalue())
    db.commit()
    assert bulk.process(db, row.id).state == bulk.PROCESADO
    assert count(db, Enrollment, reference="0000000001") == 1


# Properties ------------------------------------------------------------------------------

_PROPS = settings(max_examples=50, deadline=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture,
                                         HealthCheck.too_slow])


@_PROPS
@given(data=st.binary(max_size=2000), ext=st.sampled_from(["csv", "txt", "xlsx", "pdf"]))
def test_random_bytes_only_raise_validation_error(data, ext):
    for payload in (data, b"PK\x03\x04" + data, HEADER.encode() + b"\r\n" + data):
        try:
            rows = bulk.parse(payload, f"f.{ext}")
        except ValidationError:
            continue
        assert isinstance(rows, list)


_cell = st.one_of(st.text(max_size=12), st.sampled_from(
    ["1001", "1002", "1006", "000123456", "0012345", PAYER, OTHER_ACCOUNT, "VENCIMIENTO",
     "DIAS_ANTES", "3", "0", "1.500.000", START, "", "1.23E+09"]))
_row = st.fixed_dictionaries({key: _cell for _, key in bulk.COLUMNS})


@_PROPS
@given(rows=st.lists(_row, max_size=6))
def test_random_rows_never_partially_enroll(admin, db, rows):
    file = db.exec(select(BulkFile)).first() or bulk.register(db, admin, "Prop", "p.csv", b"x")
    db.commit()
    before = count(db, Enrollment)
    try:
        created = bulk.enroll_all(db, admin, file.id, rows, utcnow())
    except ValidationError:
        assert count(db, Enrollment) == before
    else:
        assert count(db, Enrollment) == before + created == before + len(rows)
        assert count(db, AutoPayRule) >= created
    db.rollback()
