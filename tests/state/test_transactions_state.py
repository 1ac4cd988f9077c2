"""Transacciones Realizadas and Detalles de Movimientos handlers as the browser calls them,
forged events included."""

from __future__ import annotations

import base64
import io
import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from occireflex import catalog
from occireflex.domain import bogota
from occireflex.domain.money import format_money
from occireflex.domain.payments import pay as payments
from occireflex.domain.payments import transactions
from occireflex.models import Account, AuditEvent, Bill, Biller, Enrollment, Grant, Payment, User, utcnow
from occireflex.state.paging import NO_QUERY
from occireflex.state.transactions import ALL, DETAIL_ROUTE
from tests.state.conftest import PHONE_UA


def download_of(spec) -> tuple[str, bytes]:
    """(file name, bytes) of an ``rx.download(data=...)`` event; AssertionError otherwise."""
    args = {str(k): getattr(v, "_var_value", None) for k, v in getattr(spec, "args", ())}
    url = args.get("url")
    assert isinstance(url, str) and url.startswith("data:"), f"not a download: {spec!r}"[:300]
    return args["filename"], base64.b64decode(url.split(",", 1)[1])


def is_toast_error(spec, text: str = "") -> bool:
    dumped = repr(spec)
    return "__toast" in dumped and '"error"' in dumped and text in dumped


def is_print(state) -> bool:
    """The handler told the page's script to open the print dialog."""
    return bool(state.command) and json.loads(state.command)["name"] == "print"


def denials(db, username: str) -> int:
    user = db.exec(select(User).where(User.username == username)).one()
    return len(db.exec(select(AuditEvent).where(AuditEvent.user_id == user.id,
                                                AuditEvent.action == "acceso_denegado")).all())


def restrict(db, username: str, service: str, drop: set[str]) -> None:
    user = db.exec(select(User).where(User.username == username)).one()
    for grant in db.exec(select(Grant).where(Grant.profile_id == user.profile_id,
                                             Grant.service_code == service)).all():
        if grant.action_code in drop:
            db.delete(grant)
    db.commit()


@pytest.fixture
def paid(demo, db):
    """Within the default range: a paid Enel bill (payer account), a failed Claro payment
    (poor account), and a payment of the other company."""
    when = utcnow() - timedelta(hours=1)

    def enrollment(nit_company_user: str, code: str) -> Enrollment:
        user = db.exec(select(User).where(User.username == nit_company_user)).one()
        biller = db.exec(select(Biller).where(Biller.code == code)).one()
        row = db.exec(select(Enrollment).where(Enrollment.company_id == user.company_id,
                                               Enrollment.biller_id == biller.id)).first()
        if row is None:
            other_acct = db.exec(select(Account).where(Account.number == "256011111")).one()
            row = Enrollment(company_id=user.company_id, biller_id=biller.id,
                             reference="000777888", alias="Otra sede", account_id=other_acct.id)
            db.add(row)
            db.flush()
        return row

    def bill(row: Enrollment) -> Bill:
        b = Bill(biller_id=row.biller_id, reference=row.reference, period="2019-01",
                 amount=250_000_00, issued_on=when.date(), due_on=when.date())
        db.add(b)
        db.flush()
        return b

    payer = db.exec(select(Account).where(Account.number == "256098765")).one()
    poor = db.exec(select(Account).where(Account.number == "256034567")).one()
    other_acct = db.exec(select(Account).where(Account.number == "256011111")).one()
    enel = enrollment("admin.demo", "1001")
    ok = payments.pay_one(db, company_id=enel.company_id, enrollment=enel, bill_id=bill(enel).id,
                          expected_version=1, account=payer, channel="manual", user_id=None,
                          now=when)
    db.commit()
    claro = enrollment("admin.demo", "1005")
    failed = Payment(company_id=claro.company_id, enrollment_id=claro.id, bill_id=bill(claro).id,
                     account_id=poor.id, amount=250_000_00, channel="programado",
                     status="fallida", reason=payments.INSUFFICIENT, created_at=when)
    db.add(failed)
    db.commit()
    foreign = enrollment("admin.otra", "1002")
    other = payments.pay_one(db, company_id=foreign.company_id, enrollment=foreign,
                             bill_id=bill(foreign).id, expected_version=1, account=other_acct,
                             channel="manual", user_id=None, now=when)
    db.commit()
    pid = {p.receipt: p.id for p in db.exec(select(Payment)).all()}
    return SimpleNamespace(ok=pid[ok.receipt], receipt=ok.receipt, failed=failed.id,
                           foreign=pid[other.receipt], payer=payer.id, poor=poor.id,
                           other_account=other_acct.id, amount=250_000_00)


# Transacciones Realizadas ------------------------------------------------------------------


def test_load_shows_last_30_days_and_the_grants(logged_in, paid):
    b = logged_in("admin.demo")
    t = b.transactions
    t.load()
    today = bogota.local_today(utcnow())
    assert (t.f_from, t.f_to) == ((today - timedelta(days=29)).isoformat(), today.isoformat())
    assert [r["id"] for r in t.rows] == [str(paid.failed), str(paid.ok)]
    assert t.rows[1]["receipt"] == paid.receipt and t.rows[1]["amount"] == "$250,000.00"
    assert t.paid_total == format_money(paid.amount) and t.total == 2
    assert [o["id"] for o in t.account_options] == [str(paid.poor), str(paid.payer)]
    assert {o["label"] for o in t.biller_options} == {"Enel Colombia", "Acueducto de Bogotá",
                                                       "Claro Hogar"}
    assert t.can_query and t.can_excel and t.can_pdf and t.can_print and t.message == ""


def test_filters_apply_on_consultar_and_clear(logged_in, paid):
    t = logged_in("admin.demo").transactions
    t.load()
    t.set_status("fallida")
    t.set_channel("programado")
    assert len(t.rows) == 2  # nothing applied yet
    t.apply_filters()
    assert [r["id"] for r in t.rows] == [str(paid.failed)] and t.rows[0]["status"] == "Rechazada"
    t.set_status(ALL)
    t.set_account(str(paid.payer))
    t.apply_filters()
    assert t.rows == [] and t.total == 0  # the payer account has no programmed payment
    t.clear_filters()
    assert (t.f_account, t.f_status, t.f_channel) == (ALL, ALL, ALL) and t.total == 2


@pytest.mark.parametrize(("setter", "value", "message"), [
    ("set_account", "other", "La cuenta no pertenece a su empresa."),
    ("set_account", "<script>", "La cuenta no pertenece a su empresa."),
    ("set_account", "99999999999999999999", "La cuenta no pertenece a su empresa."),
    ("set_from", "2026-13-45", "La fecha desde no es válida"),
    ("set_from", 12345, "La fecha desde no es válida"),
    ("set_to", "1999-12-31", "La fecha hasta no es válida"),
    ("set_biller", "abc", "Seleccione un convenio válido."),
    ("set_status", "pagada", "Seleccione un estado válido"),
    ("set_channel", {"$ne": 1}, None),  # not a string: back to «Todos», nothing to refuse
])
def test_forged_filters_are_refused_with_a_message(logged_in, paid, db, setter, value,
                                                   message):
    b = logged_in("admin.demo")
    t = b.transactions
    t.load()
    before = denials(db, "admin.demo")
    getattr(t, setter)(str(paid.other_account) if value == "other" else value)
    t.apply_filters()
    if message is None:
        assert t.message == "" and t.total == 2
        return
    assert message in t.message and t.rows == [] and t.total == 0
    if setter == "set_account":
        assert denials(db, "admin.demo") == before + 1  # forged ids are audited
    # nothing was applied: exports and paging refuse until a valid query
    assert is_toast_error(t.export_excel(), NO_QUERY)
    t.go_to_page(2)
    assert t.message == NO_QUERY


def test_paging_is_clamped_and_page_sizes_fixed(logged_in, paid, db):
    failed = db.get(Payment, paid.failed)
    for i in range(30):
        db.add(Payment(company_id=failed.company_id, enrollment_id=failed.enrollment_id,
                       bill_id=failed.bill_id, account_id=failed.account_id, amount=1,
                       channel="manual", status="fallida", reason="x",
                       created_at=failed.created_at - timedelta(minutes=i + 1)))
    db.commit()
    t = logged_in("admin.demo").transactions
    t.load()
    assert (t.total, len(t.rows), t.page_count, t.page_numbers) == (32, 10, 4, [1, 2, 3, 4])
    t.go_to_page(10**12)
    assert t.page == 4 and len(t.rows) == 2
    for forged in ("abc", -5, None, True, "1e9", 2.5):
        t.go_to_page(forged)
        assert t.page == 1 and len(t.rows) == 10
    t.set_page_size("1000")
    assert t.page_size == 10
    t.set_page_size("50")
    assert t.page_size == 50 and len(t.rows) == 32 and t.page_count == 1


def test_exports_download_every_row(logged_in, paid):
    t = logged_in("admin.demo").transactions
    t.load()
    t.set_page_size("10")
    t.set_status("fallida")  # edited but not applied: the export follows what is shown
    name, data = download_of(t.export_excel())
    assert name == "transacciones-realizadas.xlsx"
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[0] == transactions.EXPORT_HEADERS and len(rows) == 3
    name, data = download_of(t.export_pdf())
    assert name.endswith(".pdf") and data.startswith(b"%PDF-")
    t.print_list()
    assert is_print(t)


@pytest.mark.parametrize(("action", "flag", "handler"), [
    (catalog.EXCEL, "can_excel", "export_excel"),
    (catalog.PDF, "can_pdf", "export_pdf"),
    (catalog.IMPRIMIR, "can_print", "print_list"),
])
def test_forged_export_without_the_grant_is_refused(logged_in, paid, db, action, flag,
                                                    handler):
    restrict(db, "consulta.demo", transactions.SERVICE, {action})
    restrict(db, "consulta.demo", "consultas.movimientos.detalles", {action})
    b = logged_in("consulta.demo")
    for state in (b.transactions, b.movements):
        state.load()
        assert getattr(state, flag) is False and state.total >= 0
        before = denials(db, "consulta.demo")
        result = getattr(state, handler)()  # the button is hidden; the event is forged
        assert is_toast_error(result, "No tiene permiso")
        assert denials(db, "consulta.demo") == before + 1


def test_phone_without_front_responsive_sees_nothing(logged_in, paid):
    b = logged_in("consulta.demo", user_agent=PHONE_UA)  # «Pruebas1» has no «Responsive»
    b.transactions.load()
    assert b.transactions.rows == [] and "permiso" in b.transactions.message
    b.movements.load()
    assert b.movements.rows == [] and "permiso" in b.movements.message


def test_without_session_every_handler_goes_to_login(browser, paid):
    for call in (browser.transactions.load, browser.transactions.apply_filters,
                 browser.transactions.export_excel, browser.movements.load,
                 browser.movements.export_pdf, browser.tx_detail.load):
        spec = call()
        assert "/login" in repr(spec)
    assert browser.transactions.rows == [] and browser.movements.rows == []


# Detalle / comprobante ------------------------------------------------------------------


def test_detail_shows_receipt_and_downloads_its_pdf(logged_in, paid):
    b = logged_in("admin.demo")
    b.navigate(f"{DETAIL_ROUTE}?id={paid.ok}")
    d = b.tx_detail
    d.load()
    assert d.payment_id == paid.ok and d.error == "" and d.status == "Exitosa"
    assert {"label": "Comprobante", "value": paid.receipt} in d.lines
    name, data = download_of(d.download_receipt())
    assert name == f"comprobante-{paid.receipt}.pdf" and data.startswith(b"%PDF-")
    d.print_receipt()
    assert is_print(d)
    b.navigate(f"{DETAIL_ROUTE}?id={paid.failed}")
    d.load()
    assert d.status == "Rechazada"
    assert is_toast_error(d.download_receipt(), "fallida no tiene comprobante")


@pytest.mark.parametrize("forged", ["foreign", "abc", "", "-1", "1.5", "99999999999999999999999"])
def test_forged_detail_ids_are_refused_and_audited(logged_in, paid, db, forged):
    b = logged_in("admin.demo")
    value = str(paid.foreign) if forged == "foreign" else forged
    before = denials(db, "admin.demo")
    b.navigate(f"{DETAIL_ROUTE}?id={value}")
    b.tx_detail.load()
    assert b.tx_detail.payment_id == 0 and b.tx_detail.error == "La transacción no existe."
    assert b.tx_detail.lines == []
    assert denials(db, "admin.demo") == before + 1
    # a receipt download or print for the unloaded detail is refused too
    assert is_toast_error(b.tx_detail.download_receipt(), "La transacción no existe.")
    assert is_toast_error(b.tx_detail.print_receipt(), "La transacción no existe.")


# Detalles de Movimientos ---------------------------------------------------------------------


def test_movements_default_first_account_then_the_payers(logged_in, paid):
    m = logged_in("admin.demo").movements
    m.load()
    assert m.f_account == str(paid.poor) and m.rows == [] and m.account_title.endswith("256034567")
    m.set_account(str(paid.payer))
    assert [r["reference"] for r in m.rows] == [paid.receipt]
    assert m.rows[0]["debit"] == "$250,000.00" and m.rows[0]["credit"] == ""
    assert m.debits == "$250,000.00" and m.current == m.rows[0]["balance"]
    name, data = download_of(m.export_excel())
    assert name.startswith("movimientos-256098765-") and name.endswith(".xlsx")
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[1][2] == paid.receipt
    assert download_of(m.export_pdf())[1].startswith(b"%PDF-")
    m.print_list()
    assert is_print(m)


@pytest.mark.parametrize("forged", ["foreign", "abc", "", "0", "-1"])
def test_movements_forged_account_is_refused(logged_in, paid, db, forged):
    b = logged_in("admin.demo")
    m = b.movements
    m.load()
    before = denials(db, "admin.demo")
    value = str(paid.other_account) if forged == "foreign" else forged
    m.set_account(value)
    assert m.rows == [] and m.account_title == ""
    assert m.message in ("La cuenta no pertenece a su empresa.",
                         "Seleccione la cuenta que desea consultar.")
    if forged == "foreign":
        assert denials(db, "admin.demo") == before + 1
    assert is_toast_error(m.export_excel(), NO_QUERY)


def test_movements_dates_and_paging(logged_in, paid):
    m = logged_in("admin.demo").movements
    m.load()
    m.set_account(str(paid.payer))
    m.set_from("2026-02-30")
    m.apply_filters()
    assert "fecha desde no es válida" in m.message and m.rows == []
    m.set_from("2019-01-01")
    m.set_to("2019-01-31")
    m.apply_filters()
    assert m.message == "" and m.total == 0
    m.go_to_page(10**15)
    assert m.page == 1
    m.set_page_size("7")
    assert m.page_size == 10
