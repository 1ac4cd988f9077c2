"""Transacciones Realizadas and Detalles de Movimientos (issue 4, point 8): filters, paging,
company isolation, a grant per action, formula-safe Excel and real PDFs."""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from occireflex import catalog
from occireflex.domain import access, deferred, exports, paging
from occireflex.domain.errors import AccessDenied, ValidationError
from occireflex.domain.payments import inscriptions as enrollments
from occireflex.domain.payments import movements, transactions
from occireflex.domain.payments import pay as payments
from occireflex.domain.payments.transactions import TxFilters
from occireflex.models import (
    Account,
    AuditEvent,
    Bill,
    Biller,
    Enrollment,
    Grant,
    Movement,
    Payment,
    User,
    utcnow,
)
from tests.helpers import code_for, login

TX = transactions.SERVICE
MOV = movements.SERVICE
FORMULA_ALIAS = '=HYPERLINK("http://evil.example","clic")'


def actor_of(db, username, channel="web"):
    """The user's actor, grants read afresh; one login per user and test (a token code
    is accepted once, so a second login in the same 30 s would be refused)."""
    sessions = db.info.setdefault("sessions", {})
    if username not in sessions:
        sessions[username] = login(db, username, now=utcnow() - timedelta(minutes=1)).session_token
    return access.load_actor(db, sessions[username], channel=channel)


def account(db, number) -> Account:
    return db.exec(select(Account).where(Account.number == number)).one()


def biller(db, code) -> Biller:
    return db.exec(select(Biller).where(Biller.code == code)).one()


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# PDF inspection without a PDF library: inflate the content streams, count the pages.

def pdf_text(data: bytes) -> str:
    chunks = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        raw = match.group(1)
        try:
            chunks.append(zlib.decompress(raw).decode("latin-1"))
        except zlib.error:
            chunks.append(raw.decode("latin-1"))
    return "\n".join(chunks)


def pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


def restrict(db, username: str, service: str, keep: set[str]) -> None:
    """Leave the user's profile with only ``keep`` actions on ``service``."""
    user = db.exec(select(User).where(User.username == username)).one()
    for grant in db.exec(select(Grant).where(Grant.profile_id == user.profile_id,
                                             Grant.service_code == service)).all():
        if grant.action_code not in keep:
            db.delete(grant)
    db.commit()


# The ledger of the tests -----------------------------------------------------------------


@dataclass
class Ledger:
    p1: int  # manual exitosa, Enel, 2026-10-05 10:00 Bogotá
    p2: int  # programado exitosa, Acueducto, 2026-10-19 23:30 Bogotá (20th in UTC)
    p3: int  # manual fallida, Claro, poor account, 2026-10-21
    p4: int  # the other company's
    receipt1: str
    receipt2: str
    payer: Account
    poor: Account
    other_account: Account
    amount1: int
    amount2: int


def _bill(db, enrollment: Enrollment, period: str, amount: int) -> Bill:
    bill = Bill(biller_id=enrollment.biller_id, reference=enrollment.reference, period=period,
                amount=amount, issued_on=date(2026, 9, 1), due_on=date(2026, 10, 30))
    db.add(bill)
    db.flush()
    return bill


def _pay(db, enrollment, bill, acct, channel, when, user_id) -> str:
    result = payments.pay_one(db, company_id=enrollment.company_id, enrollment=enrollment,
                              bill_id=bill.id, expected_version=bill.version, account=acct,
                              channel=channel, user_id=user_id, now=when)
    assert result.ok, result.reason
    db.commit()
    return result.receipt


def _fail(db, enrollment, bill, acct, channel, when, reason, user_id=None) -> int:
    row = Payment(company_id=enrollment.company_id, enrollment_id=enrollment.id,
                  bill_id=bill.id, account_id=acct.id, amount=bill.amount, channel=channel,
                  status="fallida", reason=reason, user_id=user_id, created_at=when)
    db.add(row)
    db.commit()
    return row.id


def _enrollment(db, company_id, code) -> Enrollment:
    return db.exec(select(Enrollment).where(Enrollment.company_id == company_id,
                                            Enrollment.biller_id == biller(db, code).id)).one()


@pytest.fixture
def ledger(demo, db) -> Ledger:
    admin = actor_of(db, "admin.demo")
    other = actor_of(db, "admin.otra")
    payer, poor = account(db, "256098765"), account(db, "256034567")
    other_account = account(db, "256011111")
    enel = _enrollment(db, admin.company_id, "1001")
    water = _enrollment(db, admin.company_id, "1003")
    claro = _enrollment(db, admin.company_id, "1005")
    water.alias = FORMULA_ALIAS  # a hostile alias must reach Excel as text
    db.add(water)
    db.commit()
    b1, b2 = _bill(db, enel, "2019-09", 123_456_78), _bill(db, water, "2019-08", 45_000_00)
    receipt1 = _pay(db, enel, b1, payer, payments.MANUAL, utc(2026, 10, 5, 15), admin.user_id)
    receipt2 = _pay(db, water, b2, payer, payments.PROGRAMADO, utc(2026, 10, 20, 4, 30), None)
    b3 = _bill(db, claro, "2019-09", 99_000_00)
    p3 = _fail(db, claro, b3, poor, payments.MANUAL, utc(2026, 10, 21, 14),
               payments.INSUFFICIENT, admin.user_id)
    row = enrollments.inscribe(db, other, biller(db, "1002").id, "000777888", "Sede otra",
                               other_account.id)
    db.commit()
    b4 = _bill(db, row, "2019-09", 10_000_00)
    _pay(db, row, b4, other_account, payments.MANUAL, utc(2026, 10, 10, 15), other.user_id)
    ids = {p.receipt: p.id for p in db.exec(select(Payment)).all() if p.receipt}
    p4 = db.exec(select(Payment).where(Payment.company_id == other.company_id)).one().id
    return Ledger(ids[receipt1], ids[receipt2], p3, p4, receipt1, receipt2, payer, poor,
                  other_account, 123_456_78, 45_000_00)


OCTOBER = TxFilters(date_from="2026-10-01", date_to="2026-10-31")


def ids(page) -> list[int]:
    return [r.id for r in page.rows]


# Listing and filters -----------------------------------------------------------------------


def test_lists_only_own_company_newest_first_with_paid_total(ledger, db):
    admin = actor_of(db, "admin.demo")
    page = transactions.search(db, admin, OCTOBER)
    assert ids(page) == [ledger.p3, ledger.p2, ledger.p1] and page.total == 3
    assert page.paid_total == ledger.amount1 + ledger.amount2  # the failed one adds nothing
    first = page.rows[2]
    assert (first.when, first.biller, first.reference, first.channel, first.status) == (
        "2026/10/05 10:00", "Enel Colombia", "0045123987", "Manual", "Exitosa")
    assert first.receipt == ledger.receipt1 and first.account == "256098765"
    failed = page.rows[0]
    assert failed.status == "Rechazada" and failed.reason == payments.INSUFFICIENT
    assert failed.receipt == ""
    other = transactions.search(db, actor_of(db, "admin.otra"), OCTOBER)
    assert ids(other) == [ledger.p4]


def test_dates_are_days_in_bogota(ledger, db):
    admin = actor_of(db, "admin.demo")
    # p2 was paid 2026-10-20 04:30 UTC, i.e. 2026-10-19 23:30 in Bogotá
    on_19 = transactions.search(db, admin, TxFilters("2026-10-19", "2026-10-19"))
    on_20 = transactions.search(db, admin, TxFilters(date(2026, 10, 20), date(2026, 10, 20)))
    assert ids(on_19) == [ledger.p2] and on_19.rows[0].when == "2026/10/19 23:30"
    assert ids(on_20) == []


def test_filters_by_account_convenio_state_and_channel(ledger, db):
    admin = actor_of(db, "admin.demo")

    def only(**kw):
        return ids(transactions.search(db, admin, TxFilters("2026-10-01", "2026-10-31", **kw)))

    assert only(account_id=ledger.poor.id) == [ledger.p3]
    assert only(account_id=ledger.payer.id) == [ledger.p2, ledger.p1]
    assert only(biller_id=biller(db, "1001").id) == [ledger.p1]
    assert only(status="fallida") == [ledger.p3]
    assert only(status="exitosa", channel="manual") == [ledger.p1]
    assert only(channel="programado") == [ledger.p2]
    assert only(biller_id=biller(db, "1009").id) == []  # a real convenio without payments


def test_default_range_is_the_last_30_days(demo, db):
    admin = actor_of(db, "admin.demo")
    now = utc(2026, 11, 22, 17)
    dates = paging.default_range(now)
    assert (dates.start, dates.end) == (date(2026, 10, 24), date(2026, 11, 22))
    enel = _enrollment(db, admin.company_id, "1001")
    recent = _fail(db, enel, _bill(db, enel, "2019-11", 100), account(db, "256098765"),
                   "manual", utc(2026, 10, 24, 6), "x")  # 01:00 Bogotá on the 24th
    _fail(db, enel, db.get(Bill, db.get(Payment, recent).bill_id), account(db, "256098765"),
          "manual", utc(2026, 10, 24, 4, 59), "y")  # 23:59 on the 23rd: outside
    assert ids(transactions.search(db, admin, None, now=now)) == [recent]


@pytest.mark.parametrize(("filters", "message"), [
    (TxFilters("2026-02-30", "2026-03-01"), "fecha desde no es válida"),
    (TxFilters("abc", "2026-03-01"), "fecha desde no es válida"),
    (TxFilters("2026-1-1", "2026-03-01"), "fecha desde no es válida"),
    (TxFilters("2026-03-01", "9999-12-31"), "fecha hasta no es válida"),
    (TxFilters("2026-03-01", 20260301), "fecha hasta no es válida"),
    (TxFilters("2026-03-01", datetime(2026, 3, 2)), "fecha hasta no es válida"),
    (TxFilters("2026-03-02", "2026-03-01"), "no puede ser posterior"),
    (TxFilters("2024-01-01", "2026-03-01"), "no puede superar 366 días"),
    (TxFilters(status="pagada"), "estado válido"),
    (TxFilters(channel="<script>"), "canal válido"),
    (TxFilters(biller_id=999_999), "convenio válido"),
    (TxFilters(biller_id="1001"), "convenio válido"),
    (TxFilters(biller_id=True), "convenio válido"),
    ({"date_from": "2026-01-01"}, "filtros de la consulta no son válidos"),
])
def test_bogus_filters_are_refused_in_spanish(ledger, db, filters, message):
    admin = actor_of(db, "admin.demo")
    with pytest.raises(ValidationError, match=message):
        transactions.search(db, admin, filters)
    with pytest.raises(ValidationError, match=message):
        transactions.export(db, admin, filters, catalog.EXCEL)


@pytest.mark.parametrize("forged", ["other", "abc", -1, True, 10**30, 2.0])
def test_foreign_or_forged_account_is_denied_and_audited(ledger, db, forged):
    admin = actor_of(db, "admin.demo")
    value = ledger.other_account.id if forged == "other" else forged
    with pytest.raises(AccessDenied, match="La cuenta no pertenece a su empresa."):
        transactions.search(db, admin, TxFilters(account_id=value))
    denial = db.exec(select(AuditEvent).where(AuditEvent.action == "acceso_denegado")
                     .order_by(AuditEvent.id.desc())).first()
    assert denial.company_id == admin.company_id and denial.target.startswith("cuenta:")
    assert denial.outcome == "denegado"


def test_paging_in_sql_and_page_clamped(ledger, db):
    admin = actor_of(db, "admin.demo")
    claro = _enrollment(db, admin.company_id, "1005")
    bill = db.get(Bill, db.get(Payment, ledger.p3).bill_id)
    for i in range(24):  # 27 rows in October
        _fail(db, claro, bill, ledger.poor, "programado", utc(2026, 10, 2, 12, i),
              payments.INSUFFICIENT)
    first = transactions.search(db, admin, OCTOBER, 1, 10)
    second = transactions.search(db, admin, OCTOBER, 2, 10)
    third = transactions.search(db, admin, OCTOBER, 3, 10)
    assert (first.total, len(first.rows), len(second.rows), len(third.rows)) == (27, 10, 10, 7)
    assert len(set(ids(first)) | set(ids(second)) | set(ids(third))) == 27
    assert transactions.search(db, admin, OCTOBER, 10**12, 10).page == 3
    assert ids(transactions.search(db, admin, OCTOBER, 10**40, 10)) == ids(third)
    for forged in (-4, 0, "2", True, None, 2.5):
        assert transactions.search(db, admin, OCTOBER, forged, 10).page == 1
    assert transactions.search(db, admin, OCTOBER, 1, 1000).page_size == 10
    assert len(transactions.search(db, admin, OCTOBER, 1, 25).rows) == 25
    assert len(transactions.search(db, admin, OCTOBER, 1, 50).rows) == 27


def test_filter_options_are_the_companys(ledger, db):
    accounts, billers = transactions.filter_options(db, actor_of(db, "admin.demo"))
    assert [o.id for o in accounts] == [ledger.poor.id, ledger.payer.id]
    assert [o.label for o in billers] == ["Acueducto de Bogotá", "Claro Hogar", "Enel Colombia"]
    _, other_billers = transactions.filter_options(db, actor_of(db, "admin.otra"))
    assert [o.label for o in other_billers] == ["EPM Energía"]


# Detail and receipt ------------------------------------------------------------------------


def test_detail_shows_the_receipt_and_is_audited(ledger, db):
    admin = actor_of(db, "admin.demo")
    detail = transactions.get_detail(db, admin, ledger.p1)
    db.commit()
    lines = dict(detail.lines())
    assert lines["Comprobante"] == ledger.receipt1
    assert lines["Número de cliente"] == "0045123987"  # the convenio's own reference label
    assert lines["Valor"] == "$123,456.78" and lines["Realizado por"] == "Ana María Rodríguez"
    assert lines["Cuenta débito"] == "Corriente 256098765"
    assert transactions.get_detail(db, admin, ledger.p2).paid_by == "Programación automática"
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "transaccion_consultada")
                   ).first() is None  # a read's audit waits for the deferred writer
    deferred.flush()
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "transaccion_consultada",
                                            AuditEvent.target == f"transaccion:{ledger.p1}")
                   ).first() is not None
    assert len(db.exec(select(AuditEvent).where(
        AuditEvent.action == "transaccion_consultada")).all()) == 2


@pytest.mark.parametrize("forged", ["other", "1", True, -1, 0, 10**30, None, 999_999])
def test_foreign_or_forged_detail_is_refused_and_audited(ledger, db, forged):
    admin = actor_of(db, "admin.demo")
    value = ledger.p4 if forged == "other" else forged
    for call in (transactions.get_detail, transactions.receipt_pdf):
        with pytest.raises(AccessDenied, match="La transacción no existe."):
            call(db, admin, value)
    if value is not None:  # None prints the list, not a receipt
        with pytest.raises(AccessDenied, match="La transacción no existe."):
            transactions.authorize_print(db, admin, value)
    denials = db.exec(select(AuditEvent).where(AuditEvent.action == "acceso_denegado",
                                               AuditEvent.user_id == admin.user_id)).all()
    assert len(denials) == (2 if value is None else 3)
    assert all(d.target.startswith("transaccion:") for d in denials)


def test_receipt_pdf_is_a_real_pdf_with_the_receipt(ledger, db):
    admin = actor_of(db, "admin.demo")
    name, data = transactions.receipt_pdf(db, admin, ledger.p1)
    assert name == f"comprobante-{ledger.receipt1}.pdf"
    assert is_pdf(data) and pdf_pages(data) == 1
    text = pdf_text(data)
    assert ledger.receipt1 in text and "0045123987" in text and "$123,456.78" in text
    with pytest.raises(ValidationError, match="fallida no tiene comprobante"):
        transactions.receipt_pdf(db, admin, ledger.p3)


# Grants: one per action ----------------------------------------------------------------------


@pytest.mark.parametrize("action", [catalog.EXCEL, catalog.PDF, catalog.IMPRIMIR])
def test_each_export_action_needs_its_own_grant(ledger, db, action):
    # consulta.demo («Pruebas1») holds every action of both services on the desktop portal
    holder = actor_of(db, "consulta.demo")
    assert len(transactions.export(db, holder, OCTOBER, action).rows) == 3
    movements.export(db, holder, ledger.payer.id, "2026-10-01", "2026-10-31", action)
    others = {catalog.EXCEL, catalog.PDF, catalog.IMPRIMIR} - {action}
    restrict(db, "consulta.demo", TX, {catalog.ACCESO, catalog.CONSULTAR, *others})
    restrict(db, "consulta.demo", MOV, {catalog.ACCESO, catalog.CONSULTAR, *others})
    limited = actor_of(db, "consulta.demo")
    assert not limited.can(TX, action) and limited.can(TX, catalog.CONSULTAR)
    with pytest.raises(AccessDenied):
        transactions.export(db, limited, OCTOBER, action)
    with pytest.raises(AccessDenied):
        movements.export(db, limited, ledger.payer.id, "2026-10-01", "2026-10-31", action)
    if action == catalog.PDF:
        with pytest.raises(AccessDenied):
            transactions.receipt_pdf(db, limited, ledger.p1)
    if action == catalog.IMPRIMIR:
        with pytest.raises(AccessDenied):
            transactions.authorize_print(db, limited)
        with pytest.raises(AccessDenied):
            movements.authorize_print(db, limited, ledger.payer.id)
    for other in others:  # the remaining actions still work
        transactions.export(db, limited, OCTOBER, other)


def test_listing_needs_consultar_and_a_bogus_action_is_refused(ledger, db):
    admin = actor_of(db, "admin.demo")
    with pytest.raises(AccessDenied):
        transactions.export(db, admin, OCTOBER, "borrar")
    with pytest.raises(AccessDenied):
        movements.export(db, admin, ledger.payer.id, None, None, catalog.CONSULTAR)
    restrict(db, "consulta.demo", TX, {catalog.ACCESO})
    restrict(db, "consulta.demo", MOV, {catalog.ACCESO})
    limited = actor_of(db, "consulta.demo")
    with pytest.raises(AccessDenied):
        transactions.search(db, limited, OCTOBER)
    with pytest.raises(AccessDenied):
        transactions.get_detail(db, limited, ledger.p1)
    with pytest.raises(AccessDenied):
        movements.list_movements(db, limited, ledger.payer.id)
    transactions.filter_options(db, limited)  # «Acceso» alone opens the page


def test_phone_channel_needs_front_responsive(ledger, db):
    phone = actor_of(db, "consulta.demo", channel="responsive")  # Pruebas1: no «Responsive»
    with pytest.raises(AccessDenied):
        transactions.search(db, phone, OCTOBER)
    admin_phone = actor_of(db, "admin.demo", channel="responsive")
    assert transactions.search(db, admin_phone, OCTOBER).total == 3


# Exports -------------------------------------------------------------------------------------


def test_excel_holds_every_matching_row_and_neutralises_formulas(ledger, db):
    admin = actor_of(db, "admin.demo")
    claro = _enrollment(db, admin.company_id, "1005")
    claro.alias = "@SUM(A1:A9)"
    db.add(claro)
    db.commit()
    bill = db.get(Bill, db.get(Payment, ledger.p3).bill_id)
    for i in range(12):
        _fail(db, claro, bill, ledger.poor, "programado", utc(2026, 10, 3, 12, i),
              "+57 -1 =cmd|' /C calc'!A0")
    assert len(transactions.search(db, admin, OCTOBER, 1, 10).rows) == 10
    data = transactions.export(db, admin, OCTOBER, catalog.EXCEL)
    sheet = load_workbook(io.BytesIO(exports.to_xlsx("Transacciones",
                                                     transactions.EXPORT_HEADERS,
                                                     data.xlsx_rows()))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == transactions.EXPORT_HEADERS and len(rows) == 1 + 15  # all, not a page
    by_alias = {r[3]: r for r in rows[1:]}
    assert "'" + FORMULA_ALIAS in by_alias and FORMULA_ALIAS not in by_alias
    assert "'@SUM(A1:A9)" in by_alias
    assert {r[8] for r in rows[1:] if r[3] == "'@SUM(A1:A9)"} >= {"'+57 -1 =cmd|' /C calc'!A0"}
    for cell in sheet.iter_rows(min_row=2):
        for c in cell:
            assert c.data_type != "f"  # nothing is a formula
    valor = next(r[5] for r in rows[1:] if r[9] == ledger.receipt1)
    assert Decimal(str(valor)) == Decimal("123456.78")  # a number the sheet can add up
    deferred.flush()
    assert db.exec(select(AuditEvent).where(
        AuditEvent.action == "transacciones_exportadas_excel")).first().target == \
        "15 transacciones"


def test_list_pdf_is_a_real_pdf_of_every_row(ledger, db):
    admin = actor_of(db, "admin.demo")
    claro = _enrollment(db, admin.company_id, "1005")
    bill = db.get(Bill, db.get(Payment, ledger.p3).bill_id)
    for i in range(80):
        _fail(db, claro, bill, ledger.poor, "programado", utc(2026, 10, 4, 12, i % 60, i // 60),
              "El valor de la factura supera el monto máximo programado.")
    data = transactions.export(db, admin, OCTOBER, catalog.PDF)
    pdf = exports.render_table_pdf("Transacciones Realizadas", data.subtitle,
                                        transactions.EXPORT_HEADERS, data.text_rows(),
                                        transactions.PDF_WIDTHS, transactions.PDF_RIGHT)
    assert is_pdf(pdf) and pdf_pages(pdf) >= 3  # 83 rows do not fit on one page
    text = pdf_text(pdf)
    assert ledger.receipt1 in text and ledger.receipt2 in text
    assert "Empresa Demo S.A.S." in text and "2026/10/01 a 2026/10/31" in text
    assert "programado." in text  # long reasons wrap instead of being cut


def test_export_is_bounded(ledger, db, monkeypatch):
    monkeypatch.setattr(transactions, "EXPORT_MAX", 2)
    monkeypatch.setattr(movements, "EXPORT_MAX", 1)
    admin = actor_of(db, "admin.demo")
    with pytest.raises(ValidationError, match="máximo por exportación"):
        transactions.export(db, admin, OCTOBER, catalog.EXCEL)
    with pytest.raises(ValidationError, match="máximo por exportación"):
        movements.export(db, admin, ledger.payer.id, "2026-10-01", "2026-10-31", catalog.PDF)


# Movimientos ---------------------------------------------------------------------------------


def test_movements_newest_first_with_balances(ledger, db):
    admin = actor_of(db, "admin.demo")
    page = movements.list_movements(db, admin, ledger.payer.id, "2026-10-01", "2026-10-31")
    assert [r.reference for r in page.rows] == [ledger.receipt2, ledger.receipt1]
    newest, oldest = page.rows
    assert (oldest.debit, oldest.credit, oldest.amount) == (ledger.amount1, 0, -ledger.amount1)
    assert oldest.balance == 8_650_000_000 - ledger.amount1
    assert newest.balance == oldest.balance - ledger.amount2
    assert newest.when == "2026/10/19 23:30" and "Acueducto de Bogotá" in newest.description
    assert (page.debits, page.credits) == (ledger.amount1 + ledger.amount2, 0)
    assert page.account.label == "Corriente 256098765"
    assert movements.list_movements(db, admin, ledger.poor.id, "2026-10-01",
                                    "2026-10-31").total == 0  # a failed payment moves nothing
    assert movements.list_movements(db, admin, ledger.payer.id, "2026-10-06",
                                    "2026-10-19").rows[0].reference == ledger.receipt2


def test_movement_credits_and_paging(ledger, db):
    admin = actor_of(db, "admin.demo")
    for i in range(23):
        db.add(Movement(account_id=ledger.payer.id, company_id=admin.company_id,
                        amount=1_000_00 * (i + 1), balance_after=i, description=f"Abono {i}",
                        reference=f"ABN{i:03d}", created_at=utc(2026, 10, 7, 12, i)))
    db.commit()
    first = movements.list_movements(db, admin, ledger.payer.id, "2026-10-01", "2026-10-31",
                                     1, 10)
    assert first.total == 25 and [r.reference for r in first.rows][:2] == [
        ledger.receipt2, "ABN022"]
    assert first.credits == sum(1_000_00 * (i + 1) for i in range(23))
    last = movements.list_movements(db, admin, ledger.payer.id, "2026-10-01", "2026-10-31",
                                    10**15, 10)
    assert last.page == 3 and [r.reference for r in last.rows] == [
        "ABN003", "ABN002", "ABN001", "ABN000", ledger.receipt1]


@pytest.mark.parametrize("forged", ["other", "abc", None, -3, True])
def test_movements_of_a_foreign_or_forged_account_are_refused(ledger, db, forged):
    admin = actor_of(db, "admin.demo")
    value = ledger.other_account.id if forged == "other" else forged
    error = ValidationError if forged is None else AccessDenied
    with pytest.raises(error):
        movements.list_movements(db, admin, value)
    with pytest.raises(error):
        movements.export(db, admin, value, None, None, catalog.EXCEL)
    if forged == "other":
        denial = db.exec(select(AuditEvent).where(AuditEvent.action == "acceso_denegado")
                         .order_by(AuditEvent.id.desc())).first()
        assert denial.target == f"cuenta:{ledger.other_account.id}"
    assert [o.id for o in movements.account_options(db, admin)] == [ledger.poor.id,
                                                                     ledger.payer.id]


def test_movements_excel_has_numbers_and_pdf_is_real(ledger, db):
    admin = actor_of(db, "admin.demo")
    data = movements.export(db, admin, ledger.payer.id, "2026-10-01", "2026-10-31",
                            catalog.EXCEL)
    sheet = load_workbook(io.BytesIO(exports.to_xlsx("Movimientos", movements.EXPORT_HEADERS,
                                                     data.xlsx_rows()))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == movements.EXPORT_HEADERS and len(rows) == 3
    assert Decimal(str(rows[2][3])) == Decimal("123456.78") and rows[2][4] is None
    assert rows[2][2] == ledger.receipt1
    pdf = exports.render_table_pdf("Detalles de Movimientos", data.subtitle,
                                        movements.EXPORT_HEADERS, data.text_rows(),
                                        movements.PDF_WIDTHS, movements.PDF_RIGHT)
    assert is_pdf(pdf) and pdf_pages(pdf) == 1 and ledger.receipt2 in pdf_text(pdf)


# The real flow: a payment made with the token shows in both consultas -----------------------


def test_a_payment_made_shows_in_transactions_and_movements(demo, db):
    admin = actor_of(db, "admin.demo")
    payer = account(db, "256098765")
    row = enrollments.inscribe(db, admin, biller(db, "1004").id, "87654321", "Gas planta",
                               payer.id)
    db.commit()
    line = payments.payable_lines(db, admin, [row.id])[0]
    now = utcnow()
    result = payments.pay_bills(db, admin, [(row.id, line.bill_id, line.bill_version)],
                                payer.id, code_for(db, "admin.demo", now, 1), now)[0]
    assert result.ok
    listed = transactions.search(db, admin)  # default range: the last 30 days
    assert [(r.receipt, r.alias, r.amount) for r in listed.rows] == [
        (result.receipt, "Gas planta", line.amount)]
    moves = movements.list_movements(db, admin, payer.id)
    db.refresh(payer)
    assert moves.rows[0].reference == result.receipt and moves.rows[0].debit == line.amount
    assert moves.rows[0].balance == payer.current == moves.account.current
