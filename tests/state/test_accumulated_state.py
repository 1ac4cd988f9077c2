"""Consulta Montos Acumulados through the state layer: the grid, the filters as the browser
sends them (forged ones too: wrong types, another company's user), exports by grant, with
the database as proof."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from occireflex import catalog
from occireflex.domain.dual import accumulated_report as acc
from occireflex.models import AuditEvent, Grant, Profile, User
from occireflex.state.accumulated import AccumulatedState
from occireflex.state.paging import NO_QUERY
from occireflex.state.transactions import ALL
from tests.domain.test_accumulated_report import seed, user_id
from tests.state.test_transactions_state import (
    denials,
    download_of,
    is_print,
    is_toast_error,
    restrict,
)

pytestmark = pytest.mark.clock("2026-12-15T08:00:05")


@pytest.fixture
def seeded(demo, db):
    seed(db)
    return db


def screen(logged_in, username: str = "admin.demo"):
    s = logged_in(username).get(AccumulatedState)
    s.load()
    return s


def test_the_screen_shows_every_user_and_service_with_limits(logged_in, seeded):
    s = screen(logged_in)
    assert s.message == "" and s.total == 12 and len(s.rows) == 10
    assert s.range_label == "Hoy 2026/12/15 · Mes 2026/12"
    assert {o["label"] for o in s.user_options} == {"admin.demo", "autoriza.demo",
                                                     "consulta.demo", "prepara.demo"}
    assert [o["id"] for o in s.kind_options] == ["pago", "programacion", "archivo"]
    assert s.can_excel and s.can_pdf and s.can_print
    s.set_user(str(user_id(seeded, "prepara.demo")))
    s.set_kind("pago")
    s.apply_filters()
    assert s.total == 1
    (row,) = s.rows
    assert (row["day_amount"], row["day_count"]) == ("$1,500.00", "2")
    assert (row["month_amount"], row["month_count"]) == ("$3,500.00", "3")
    assert row["day_limit"] == "$10,000.00" and row["per_operation"] == "Sin límite"
    assert row["day_limits"] == "$10,000.00 · sin límite de op."
    assert row["month_limits"] == "Sin límite · 10 op."
    assert row["source"] == "De la empresa" and row["used"] == "30 %" and row["bar"] == "30%"
    s.set_kind("programacion")
    s.apply_filters()
    assert s.rows[0]["source"] == "Propio del usuario" and s.rows[0]["own"] == "1"
    assert s.rows[0]["used"] == "—" and s.rows[0]["level"] == "none"
    s.go_to_page(2)  # one row: the domain clamps the page
    assert s.page == 1 and s.total == 1


@pytest.mark.parametrize("forged", [123, None, ["pago"], {"k": 1}])
def test_a_kind_that_is_not_text_means_all(logged_in, seeded, forged):
    s = screen(logged_in)
    s.set_kind(forged)
    assert s.f_kind == ALL
    s.apply_filters()
    assert s.total == 12 and s.message == ""


@pytest.mark.parametrize("forged", ["x" * 5000, "pago;--", "PAGO", "todas"])
def test_a_kind_outside_the_list_is_refused(logged_in, seeded, forged):
    s = screen(logged_in)
    s.set_kind(forged)
    assert len(s.f_kind) <= 20
    s.apply_filters()
    assert s.rows == [] and s.total == 0 and "servicio" in s.message


def test_another_companys_user_leaks_nothing_and_is_audited(logged_in, seeded):
    foreign = user_id(seeded, "opera.otra")
    s = screen(logged_in)
    before = denials(seeded, "admin.demo")
    for forged in (str(foreign), "abc", "-5", "99999999999999999999"):
        s.set_user(forged)
        s.apply_filters()
        assert s.rows == [] and s.total == 0 and "no existe" in s.message
        assert all("otra" not in o["label"] for o in s.user_options)
    assert denials(seeded, "admin.demo") == before + 4
    target = seeded.exec(select(AuditEvent).where(AuditEvent.target == f"usuario:{foreign}"))
    assert target.first() is not None
    # the refused filters are not applied: an export holds nothing
    assert is_toast_error(s.export_excel(), NO_QUERY)
    s.set_user(ALL)
    s.apply_filters()
    assert s.total == 12 and all(r["user"] != "opera.otra" for r in s.rows)


def test_exports_by_grant(logged_in, seeded):
    s = screen(logged_in)
    s.set_kind("pago")
    s.apply_filters()
    s.set_kind("archivo")  # edited but not applied: the export follows what is shown
    name, data = download_of(s.export_excel())
    assert name == "montos-acumulados.xlsx"
    sheet = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert sheet[0] == acc.HEADERS and len(sheet) == 5
    assert {r[2] for r in sheet[1:]} == {"Pago de facturas"}
    name, data = download_of(s.export_pdf())
    assert name == "montos-acumulados.pdf" and data.startswith(b"%PDF-")
    s.print_list()
    assert is_print(s)


def grant_only(db, username: str, actions: set[str]) -> None:
    """Give ``username``'s profile the service with ``actions`` only."""
    user = db.exec(select(User).where(User.username == username)).one()
    profile = db.get(Profile, user.profile_id)
    for action in actions:
        db.add(Grant(profile_id=profile.id, service_code=acc.SERVICE, action_code=action))
    db.commit()


@pytest.mark.parametrize(("action", "flag", "handler"), [
    (catalog.EXCEL, "can_excel", "export_excel"),
    (catalog.PDF, "can_pdf", "export_pdf"),
    (catalog.IMPRIMIR, "can_print", "print_list"),
])
def test_forged_export_without_the_grant_is_refused(logged_in, seeded, action, flag, handler):
    restrict(seeded, "autoriza.demo", acc.SERVICE, {action})
    s = screen(logged_in, "autoriza.demo")
    assert s.total == 12 and getattr(s, flag) is False
    before = denials(seeded, "autoriza.demo")
    result = getattr(s, handler)()  # the button is hidden; the event is forged
    assert is_toast_error(result, "No tiene permiso")
    assert denials(seeded, "autoriza.demo") == before + 1


def test_without_the_service_nothing_is_shown(logged_in, seeded):
    s = screen(logged_in, "consulta.demo")
    assert s.rows == [] and "permiso" in s.message
    s.apply_filters()
    assert s.rows == [] and s.total == 0
    assert is_toast_error(s.export_excel())
    grant_only(seeded, "consulta.demo", {catalog.ACCESO, catalog.CONSULTAR})
    s.load()
    assert s.total == 12 and not s.can_excel


def test_without_session_the_handlers_go_to_login(browser, seeded):
    s = browser.get(AccumulatedState)
    for event in (s.load, s.apply_filters, s.export_excel, s.export_pdf, s.print_list):
        assert "/login" in repr(event())
        assert s.rows == []
