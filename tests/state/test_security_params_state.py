"""Parámetros Generales y de Seguridad through the state layer: the form and its errors,
the changes to confirm with the warning when the new hours exclude now, the token, and
forged events from a secondary user and another company, with the database as proof."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from occireflex import clock
from occireflex.domain.bogota import BOGOTA
from occireflex.models import AuditEvent, Company, SecurityParams, User
from occireflex.state.security_params import SecurityParamsState
from tests.helpers import code_for


def fresh_code(db, pinned, username: str = "admin.demo") -> str:
    pinned.advance(timedelta(seconds=31))
    return code_for(db, username, pinned.now)


def stored(db) -> list[SecurityParams]:
    db.expire_all()
    return list(db.exec(select(SecurityParams)).all())


def test_the_form_the_changes_and_the_token(logged_in, db, pinned_clock):
    s = logged_in("admin.demo").get(SecurityParamsState)
    s.load()
    assert s.values["idle_minutes"] == "15" and s.values["open_until"] == "24:00"
    assert s.days == list("0123456") and s.app_may_approve
    assert "Entre 5 y 15 minutos." == s.hints["idle_minutes"]
    s.set_value("idle_minutes", "3")
    s.ask_save()
    assert "«Tiempo máximo de inactividad»" in s.error and not s.confirm_open
    s.set_value("idle_minutes", "10")
    today = str(clock.now().astimezone(BOGOTA).weekday())
    s.toggle_day(today, False)
    s.set_app_may_approve(False)
    s.ask_save()
    assert s.confirm_open and s.closes_now, s.error
    assert ["Tiempo máximo de inactividad", "15 minutos", "10 minutos"] in s.changes
    assert ["Autorizaciones desde la App", "Sí", "No"] in s.changes
    s.confirm({"token": "000000"})
    assert "token no es válido" in s.dialog_error and stored(db) == []
    s.confirm({"token": fresh_code(db, pinned_clock)})
    assert "quedaron guardados" in s.message and not s.confirm_open, s.dialog_error
    (row,) = stored(db)
    assert (row.idle_minutes, row.app_may_approve, today in row.allowed_days) == (10, False,
                                                                                   False)
    assert s.current["idle_minutes"] == "10 minutos"
    s.confirm({"token": fresh_code(db, pinned_clock)})  # a replayed confirm: nothing more
    assert stored(db)[0].version == 1


def test_forged_events_of_a_secondary_user_and_of_another_company(logged_in, db, pinned_clock):
    secondary = logged_in("consulta.demo").get(SecurityParamsState)
    secondary.load()
    assert "permiso" in secondary.error and secondary.values == {}
    secondary.values = {"idle_minutes": "5"}  # a browser can send any state it likes
    secondary.set_value("idle_minutes", "5")
    secondary.ask_save()
    secondary.confirm_open = True
    secondary.confirm({"token": fresh_code(db, pinned_clock, "consulta.demo")})
    assert stored(db) == []
    other = logged_in("admin.otra").get(SecurityParamsState)
    other.load()
    other.toggle_day("9", True)
    other.toggle_day(["0"], True)
    other.set_value("no_such_field", "1")
    assert other.days == list("0123456") and "no_such_field" not in other.values
    other.set_value("max_failed_attempts", "3")
    other.ask_save()
    other.confirm({"token": fresh_code(db, pinned_clock, "admin.otra")})
    (row,) = stored(db)
    other_company = db.exec(select(Company).where(Company.name == "Otra Empresa S.A.S.")).one()
    assert row.company_id == other_company.id and row.max_failed_attempts == 3
    user = db.exec(select(User).where(User.username == "consulta.demo")).one()
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "acceso_denegado",
                                            AuditEvent.user_id == user.id)).first()


def test_a_release_authorized_from_the_portal_and_forged_choices(logged_in, db, pinned_clock):
    from occireflex.domain.tokens import admin as token_admin
    from occireflex.models import TokenRequest
    from occireflex.state.token_releases import PendingReleasesState
    from tests.helpers import actor_at

    b = logged_in("admin.demo")
    pinned_clock.advance(timedelta(seconds=31))
    admin = actor_at(db, "admin.demo", pinned_clock.now)
    autoriza = db.exec(select(User).where(User.username == "autoriza.demo")).one()
    token_admin.request_release(db, admin, autoriza.id, "cambio_dispositivo",
                                fresh_code(db, pinned_clock))
    db.commit()
    s = b.get(PendingReleasesState)
    s.load()
    (row,) = s.requests
    s.ask("999999", "autorizar")  # not a request on the screen: nothing opens
    s.ask(row["id"], "borrar")
    assert s.confirm_verb == ""
    s.confirm({"token": fresh_code(db, pinned_clock)})  # nothing chosen: nothing happens
    assert db.exec(select(TokenRequest)).one().state == "pendiente"
    s.ask(row["id"], "autorizar")
    s.confirm({"token": "000000"})
    assert "token no es válido" in s.dialog_error
    s.confirm({"token": fresh_code(db, pinned_clock)})
    assert "Liberación autorizada" in s.done_message and len(s.done_code) == 8
    db.expire_all()
    assert db.exec(select(TokenRequest)).one().state == "aprobada" and s.requests == []
    secondary = logged_in("prepara.demo").get(PendingReleasesState)
    secondary.load()
    assert secondary.requests == []


def test_the_own_account_screen_shows_the_companys_minimum(logged_in, db, pinned_clock):
    from occireflex.state.own_account import OwnAccountState

    b = logged_in("admin.demo")
    own = b.get(OwnAccountState)
    own.load()
    assert own.min_length == 8
    s = b.get(SecurityParamsState)
    s.load()
    s.set_value("min_password_length", "12")
    s.ask_save()
    s.confirm({"token": fresh_code(db, pinned_clock)})
    assert stored(db)[0].min_password_length == 12, s.dialog_error
    own.load()
    assert own.min_length == 12


def test_a_payment_within_the_companys_amount_goes_without_the_token(logged_in, db,
                                                                     pinned_clock):
    from sqlalchemy import func

    from occireflex.models import Payment

    b = logged_in("admin.demo")
    s = b.get(SecurityParamsState)
    s.load()
    s.set_value("token_free_up_to", "1.000")  # $ 1.000: below any demo bill
    s.ask_save()
    s.confirm({"token": fresh_code(db, pinned_clock)})
    assert stored(db)[0].token_free_up_to == 100_000, s.dialog_error
    b.payments.load()
    payable = [r for r in b.payments.rows if r["payable"]]
    b.payments.pay_one(payable[0]["id"])
    assert b.payments.stage == "pay" and b.payments.pay_needs_token  # above $ 1.000
    b.payments.back_to_grid()
    s.set_value("token_free_up_to", "5.000.000")
    s.ask_save()
    s.confirm({"token": fresh_code(db, pinned_clock)})
    assert stored(db)[0].token_free_up_to == 500_000_000, s.dialog_error
    b.payments.pay_one(payable[0]["id"])
    assert not b.payments.pay_needs_token
    b.payments.confirm_payment({})  # no token field on the screen
    assert b.payments.stage == "result" and b.payments.results_ok == 1, b.payments.pay_error
    assert db.exec(select(func.count()).select_from(Payment)).one() == 1
