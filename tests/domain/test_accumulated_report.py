"""«Consulta Montos Acumulados por Usuario y Servicio» (issue 15, point 4): today's and this
month's counting operations per user and kind against the limits that apply (own or the
company's), only the actor's company, by grant; exports by grant. The clock is pinned: the
figures never depend on the day the tests run."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from occireflex import catalog
from occireflex.domain import deferred
from occireflex.domain.dual import accumulated_report as acc
from occireflex.domain.dual import limits
from occireflex.domain.errors import AccessDenied, ValidationError
from occireflex.models import AuditEvent, PendingOperation, User, UserLimit
from tests.helpers import actor_at

pytestmark = pytest.mark.clock("2026-12-15T08:00:05")  # Bogotá: Tuesday 15 December
TODAY = "2026-12-15"
F = acc.Filters


def user_id(db: Session, username: str) -> int:
    return db.exec(select(User.id).where(User.username == username)).one()


def company_of(db: Session, username: str) -> int:
    return db.exec(select(User.company_id).where(User.username == username)).one()


def add_op(db: Session, username: str, kind: str, amount: int, day: str = TODAY,
           state: str = "pendiente") -> None:
    db.add(PendingOperation(
        company_id=company_of(db, username), kind=kind, state=state, summary="prueba",
        amount=amount, payload="{}", prepared_by=user_id(db, username), prepared_day=day,
        expires_at=datetime(2026, 12, 16, 5, tzinfo=UTC)))


def add_limit(db: Session, company_id: int, user: int | None, kind: str, **values) -> None:
    db.add(UserLimit(company_id=company_id, user_id=user, kind=kind, **values))


def seed(db: Session) -> None:
    """prepara.demo: counting and not counting payments, today, this month, last month;
    one programming today; the other company's operation today. Limits: the company's for
    payments, prepara's own for programming."""
    for state in ("pendiente", "autorizada"):
        add_op(db, "prepara.demo", "pago", 100_000 if state == "pendiente" else 50_000,
               state=state)
    for state in ("rechazada", "cancelada", "vencida"):
        add_op(db, "prepara.demo", "pago", 7_000_000, state=state)
    add_op(db, "prepara.demo", "pago", 200_000, day="2026-12-01", state="autorizada")
    add_op(db, "prepara.demo", "pago", 9_900_000, day="2026-11-30", state="autorizada")
    add_op(db, "prepara.demo", "pago", 8_800_000, day="2026-12-16")  # after today
    add_op(db, "prepara.demo", "programacion", 10_000)
    add_op(db, "opera.otra", "pago", 123_456_789)
    demo = company_of(db, "prepara.demo")
    add_limit(db, demo, None, "pago", day_amount=1_000_000, month_count=10)
    add_limit(db, demo, user_id(db, "prepara.demo"), "programacion", per_operation=50_000)
    add_limit(db, company_of(db, "opera.otra"), None, "archivo", day_amount=1)
    db.commit()


def row(report: acc.Report, username: str, kind: str) -> acc.Row:
    return next(r for r in report.rows if r.username == username and r.kind == kind)


def test_today_and_month_count_only_counting_operations_of_the_company(demo, db,
                                                                       pinned_clock):
    seed(db)
    actor = actor_at(db, "admin.demo", pinned_clock.now)
    report = acc.report(db, actor, pinned_clock.now)
    assert report.day == "2026/12/15" and report.month == "2026/12"
    pago = row(report, "prepara.demo", "pago")
    assert (pago.day_amount, pago.day_count) == (150_000, 2)
    assert (pago.month_amount, pago.month_count) == (350_000, 3)
    programacion = row(report, "prepara.demo", "programacion")
    assert (programacion.day_amount, programacion.month_count) == (10_000, 1)
    archivo = row(report, "prepara.demo", "archivo")
    assert (archivo.month_amount, archivo.month_count) == (0, 0)
    # every active user of the company × every kind, none of the other company
    usernames = {r.username for r in report.rows}
    assert usernames == {"admin.demo", "prepara.demo", "autoriza.demo", "consulta.demo"}
    assert len(report.rows) == 4 * 3
    assert all(r.month_amount < 123_456_789 for r in report.rows)
    # the same figures as the limits' own check adds up
    demo_id = company_of(db, "prepara.demo")
    for r in report.rows:
        sums = limits.accumulated(db, demo_id, r.user_id, r.kind, datetime(2026, 12, 15).date())
        assert (r.day_amount, r.day_count, r.month_amount, r.month_count) == (
            sums.day_amount, sums.day_count, sums.month_amount, sums.month_count)


def test_the_day_is_bogotas_and_comes_from_now(demo, db, pinned_clock):
    seed(db)
    actor = actor_at(db, "admin.demo", pinned_clock.now)
    evening = datetime(2026, 12, 16, 2, 30, tzinfo=UTC)  # 21:30 of the 15th in Bogotá
    assert row(acc.report(db, actor, evening), "prepara.demo", "pago").day_count == 2
    next_month = acc.report(db, actor, datetime(2027, 1, 2, 15, tzinfo=UTC))
    pago = row(next_month, "prepara.demo", "pago")
    assert (pago.day_amount, pago.month_amount, pago.month_count) == (0, 0, 0)
    tomorrow = row(acc.report(db, actor, evening + timedelta(days=1)), "prepara.demo", "pago")
    assert (tomorrow.day_amount, tomorrow.day_count) == (8_800_000, 1)
    assert tomorrow.month_amount == 350_000 + 8_800_000


def test_limits_own_or_the_companys_and_the_percentage_used(demo, db, pinned_clock):
    seed(db)
    actor = actor_at(db, "admin.demo", pinned_clock.now)
    report = acc.report(db, actor, pinned_clock.now)
    pago = row(report, "prepara.demo", "pago")
    assert pago.source == "empresa" and not pago.limits.own
    assert (pago.limits.day_amount, pago.limits.month_count, pago.limits.per_operation) == (
        1_000_000, 10, 0)
    assert pago.used("day_amount") == 15 and pago.used("month_count") == 30
    assert pago.used("month_amount") is None and pago.highest == 30
    programacion = row(report, "prepara.demo", "programacion")
    assert programacion.source == "propio" and programacion.limits.own
    assert programacion.limits.per_operation == 50_000 and programacion.highest is None
    assert row(report, "autoriza.demo", "programacion").source == "ninguno"
    assert row(report, "admin.demo", "pago").source == "empresa"
    assert row(report, "admin.demo", "pago").highest == 0
    # the other company's limit never applies here
    assert row(report, "admin.demo", "archivo").source == "ninguno"
    assert acc.limit_text("day_amount", 0) == "Sin límite"
    assert acc.limit_text("day_amount", 1_000_000) == "$10,000.00"
    assert acc.limit_text("month_count", 10) == "10"


def test_filters_and_an_inactive_user_with_operations(demo, db, pinned_clock):
    seed(db)
    consulta = db.exec(select(User).where(User.username == "consulta.demo")).one()
    consulta.is_active = False
    autoriza = db.exec(select(User).where(User.username == "autoriza.demo")).one()
    autoriza.is_active = False
    db.add(consulta)
    db.add(autoriza)
    add_op(db, "consulta.demo", "archivo", 5_000, day="2026-12-02", state="autorizada")
    db.commit()
    actor = actor_at(db, "admin.demo", pinned_clock.now)
    report = acc.report(db, actor, pinned_clock.now)
    usernames = {r.username for r in report.rows}
    assert "consulta.demo" in usernames and "autoriza.demo" not in usernames
    only = acc.report(db, actor, pinned_clock.now, user_filter=user_id(db, "prepara.demo"),
                      kind_filter="pago")
    assert [(r.username, r.kind) for r in only.rows] == [("prepara.demo", "pago")]
    assert only.rows[0].month_amount == 350_000
    page = acc.search(db, actor, F(kind="archivo"), 1, 10)
    assert page.total == 3 and {r.kind for r in page.rows} == {"archivo"}
    clamped = acc.search(db, actor, F(), 5, 10)  # 9 rows: page 5 is page 1
    assert clamped.page == 1 and clamped.total == 9 and clamped.rows == report.rows
    for forged in ("inventado", 7, ["pago"]):
        with pytest.raises(ValidationError):
            acc.report(db, actor, pinned_clock.now, kind_filter=forged)
    with pytest.raises(ValidationError):
        acc.search(db, actor, {"user_id": None})


def test_another_companys_user_and_forged_ids_are_denied(demo, db, pinned_clock):
    seed(db)
    actor = actor_at(db, "admin.demo", pinned_clock.now)
    foreign = user_id(db, "opera.otra")
    for forged in (foreign, -1, "1", True, 2**70):
        with pytest.raises(AccessDenied):
            acc.report(db, actor, pinned_clock.now, user_filter=forged)
    denied = db.exec(select(AuditEvent).where(AuditEvent.action == "acceso_denegado",
                                              AuditEvent.target == f"usuario:{foreign}"))
    assert denied.first() is not None
    other = actor_at(db, "admin.otra", pinned_clock.now)
    theirs = acc.report(db, other, pinned_clock.now)
    assert {r.username for r in theirs.rows} == {"admin.otra", "opera.otra"}
    assert row(theirs, "opera.otra", "pago").day_amount == 123_456_789
    assert row(theirs, "opera.otra", "archivo").limits.day_amount == 1


def test_the_grant_is_required_for_the_report_and_each_export(demo, db, pinned_clock):
    seed(db)
    for username in ("prepara.demo", "consulta.demo"):  # profiles without the service
        actor = actor_at(db, username, pinned_clock.now)
        with pytest.raises(AccessDenied):
            acc.report(db, actor, pinned_clock.now)
        with pytest.raises(AccessDenied):
            acc.options(db, actor)
        with pytest.raises(AccessDenied):
            acc.export(db, actor, F(), catalog.EXCEL, pinned_clock.now)
    autoriza = actor_at(db, "autoriza.demo", pinned_clock.now)  # «Autorizador todo»
    assert len(acc.report(db, autoriza, pinned_clock.now).rows) == 12
    admin = actor_at(db, "admin.demo", pinned_clock.now)
    with pytest.raises(AccessDenied):
        acc.export(db, admin, F(), "csv", pinned_clock.now)


def test_exports_hold_every_row_with_exact_amounts(demo, db, pinned_clock):
    seed(db)
    actor = actor_at(db, "admin.demo", pinned_clock.now)
    data = acc.export(db, actor, F(), catalog.EXCEL, pinned_clock.now)
    assert len(data.rows) == 12 and data.file_name("xlsx") == "montos-acumulados.xlsx"
    sheet = list(load_workbook(io.BytesIO(data.xlsx())).active.iter_rows(values_only=True))
    assert sheet[0] == acc.HEADERS and len(sheet) == 13
    pago = next(r for r in sheet if r[0] == "prepara.demo" and r[2] == "Pago de facturas")
    assert Decimal(str(pago[3])) == Decimal("1500") and pago[4] == 2
    assert Decimal(str(pago[5])) == Decimal("3500") and pago[6] == 3
    assert pago[7] == "Sin límite" and Decimal(str(pago[8])) == Decimal("10000")
    assert pago[12] == "De la empresa" and pago[13] == "30 %"
    assert data.pdf()[:4] == b"%PDF"
    text = acc.export(db, actor, F(kind="programacion"), catalog.PDF, pinned_clock.now)
    assert {r.kind for r in text.rows} == {"programacion"}
    assert any(t[12] == "Propio del usuario" and t[7] == "$500.00" for t in text.text_rows())
    assert "Hoy 2026/12/15" in text.subtitle
    deferred.flush()
    audited = db.exec(select(AuditEvent.action).where(
        AuditEvent.action.startswith("montos_acumulados_exportados_"))).all()
    assert sorted(audited) == ["montos_acumulados_exportados_excel",
                               "montos_acumulados_exportados_pdf"]
