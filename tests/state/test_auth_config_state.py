"""Configuración de Autorizaciones through the state layer: the ranges editor, the
authorizers, the changes and the token; the limits tab; forged events (wrong types, rows
that are not there, another company's users, a non-administrator's session) with the
database as proof."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import delete, func, select

from occireflex.domain.demo import OTHER_NIT
from occireflex.domain.dual import limits, rules
from occireflex.domain.dual.rules import ARCHIVO, PAGO, PROGRAMACION, Range
from occireflex.models import AuditEvent, AuthConfig, Authorizer, AuthRule, Company, User, UserLimit
from occireflex.state.auth_config import AuthConfigState
from tests.helpers import code_for

MILLION = 100_000_000


def fresh_code(db, pinned, username: str = "admin.demo") -> str:
    pinned.advance(timedelta(seconds=31))
    return code_for(db, username, pinned.now)


def _demo_company(db) -> int:
    return db.exec(select(Company).where(Company.nit != OTHER_NIT)).first().id


def _unconfigure(db) -> int:
    company_id = _demo_company(db)
    db.exec(delete(AuthRule).where(AuthRule.company_id == company_id))
    db.exec(delete(AuthConfig).where(AuthConfig.company_id == company_id))
    db.commit()
    return company_id


def _user_id(db, username: str) -> int:
    return db.exec(select(User.id).where(User.username == username)).one()


def test_ranges_authorizers_changes_and_the_token(logged_in, db, pinned_clock):
    company_id = _unconfigure(db)
    s = logged_in("admin.demo").get(AuthConfigState)
    s.load()
    assert s.error == "" and not s.configured
    assert [r["to"] for r in s.ranges] == [""] and s.ranges[0]["required"] == "1"
    assert {c["username"] for c in s.candidates} == {"admin.demo", "autoriza.demo",
                                                     "prepara.demo"}
    s.add_range()
    s.set_range_required(1, "2")
    s.ask_save()
    assert "Rango 1: solo el último rango puede quedar sin tope" in s.error
    assert not s.confirm_open
    s.set_range_to("0", "1.000.000")
    assert s.ranges[1]["from"] == "Más de $ 1.000.000"
    s.toggle_authorizer("autoriza.demo", True)
    s.ask_save()
    assert "elija al menos 2 autorizadores" in s.error
    s.toggle_authorizer("prepara.demo", True)
    s.ask_save()
    assert s.confirm_open and s.error == ""
    assert s.changes[0][0] == "Pago de facturas - Rangos"
    s.confirm({"token": "000000"})
    assert "token no es válido" in s.dialog_error
    db.expire_all()
    assert db.get(AuthConfig, company_id) is None
    s.confirm({"token": fresh_code(db, pinned_clock)})
    assert "quedó guardada" in s.message, s.dialog_error
    db.expire_all()
    assert rules.ranges_of(db, company_id, PAGO) == (Range(0, MILLION, 1),
                                                     Range(MILLION + 1, None, 2))
    assert rules.ranges_of(db, company_id, ARCHIVO) == rules.DEFAULT_RANGES
    assert rules.listed_authorizers(db, company_id, PAGO) == sorted(
        [_user_id(db, "autoriza.demo"), _user_id(db, "prepara.demo")])
    assert s.configured and not s.confirm_open and s.chosen == ["autoriza.demo", "prepara.demo"]
    # another kind, edited apart
    s.set_kind(PROGRAMACION)
    assert s.chosen == [] and [r["to"] for r in s.ranges] == [""]
    s.set_range_required("0", "0")
    s.ask_save()
    s.confirm({"token": fresh_code(db, pinned_clock)})
    db.expire_all()
    assert rules.required_for(db, company_id, PROGRAMACION, 10**12) == 0
    assert db.get(AuthConfig, company_id).version == 2
    s.confirm({"token": fresh_code(db, pinned_clock)})  # a replayed confirm: nothing more
    db.expire_all()
    assert db.get(AuthConfig, company_id).version == 2


def test_forged_editor_events_change_nothing(logged_in, db, pinned_clock):
    company_id = _unconfigure(db)
    s = logged_in("admin.demo").get(AuthConfigState)
    s.load()
    s.set_kind("transferencia")
    s.set_kind(["pago"])
    assert s.kind == PAGO
    for index in ("5", -1, "x", None, True, [0], "00000001"):
        s.set_range_to(index, "9")
        s.set_range_required(index, "1")
        s.remove_range(index)
    s.set_range_required(0, "7")
    s.set_range_required(0, 2)
    s.set_range_to(0, ["1"])
    assert s.ranges == [{"to": "", "required": "1", "from": "$ 0"}]
    s.remove_range(0)  # the only range stays
    assert len(s.ranges) == 1
    s.toggle_authorizer("opera.otra", True)  # another company's user
    s.toggle_authorizer("consulta.demo", True)  # not a candidate
    s.toggle_authorizer({"username": "x"}, True)
    assert s.chosen == []
    s.tab = "limites"
    s.set_tab("nada")
    assert s.tab == "limites"
    s.confirm({"token": fresh_code(db, pinned_clock)})  # nothing asked: nothing saved
    db.expire_all()
    assert db.get(AuthConfig, company_id) is None


def test_a_non_administrator_session_is_refused(logged_in, db, pinned_clock):
    company_id = _unconfigure(db)
    s = logged_in("autoriza.demo").get(AuthConfigState)  # every grant, not administrator
    s.load()
    assert "permiso" in s.error and s.candidates == [] and s.limit_rows == []
    s.ask_save()
    s.confirm_open = True  # a browser forging its way to the token step
    s.confirm({"token": fresh_code(db, pinned_clock, "autoriza.demo")})
    s.limit_mode = "guardar"
    s.limit_values = {"per_operation": "1"}
    s.limit_confirm({"token": fresh_code(db, pinned_clock, "autoriza.demo")})
    s.set_limit_user("empresa")
    db.expire_all()
    assert db.get(AuthConfig, company_id) is None
    assert db.exec(select(func.count()).select_from(UserLimit)).one() == 0
    user = _user_id(db, "autoriza.demo")
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "acceso_denegado",
                                            AuditEvent.user_id == user)).first()


def test_limits_tab_save_user_row_and_clear(logged_in, db, pinned_clock):
    company_id = _demo_company(db)
    prepara = _user_id(db, "prepara.demo")
    s = logged_in("admin.demo").get(AuthConfigState)
    s.load()
    assert s.limit_user == "empresa" and s.limit_rows == [] and not s.limit_own
    assert "prepara.demo" in s.user_options and "opera.otra" not in s.user_options
    s.set_limit_value("per_operation", "1.000.000")
    s.set_limit_value("day_count", "abc")
    s.set_limit_value("no_such_field", "1")
    assert "no_such_field" not in s.limit_values
    s.ask_limit_save()
    assert "«Número máximo de operaciones diarias»" in s.limit_error and s.limit_mode == ""
    s.set_limit_value("day_count", "3")
    s.ask_limit_save()
    assert s.limit_mode == "guardar" and s.limit_error == ""
    s.limit_confirm({"token": "000000"})
    assert "token no es válido" in s.limit_error
    assert db.exec(select(func.count()).select_from(UserLimit)).one() == 0
    s.limit_confirm({"token": fresh_code(db, pinned_clock)})
    assert s.message == "Los límites quedaron guardados.", s.limit_error
    assert [r["who"] for r in s.limit_rows] == ["Empresa (todos los usuarios)"]
    db.expire_all()
    assert limits.limits_for(db, company_id, prepara, PAGO) == limits.Limits(
        per_operation=MILLION, day_count=3)
    s.set_limit_user("opera.otra")  # another company's user: not a choice
    s.set_limit_user(7)
    assert s.limit_user == "empresa"
    s.set_limit_user("prepara.demo")
    assert not s.limit_own and s.limit_values["per_operation"] == ""
    s.ask_limit_clear()
    assert "No hay límites propios" in s.limit_error
    s.set_limit_value("per_operation", "500.000")
    s.ask_limit_save()
    s.limit_confirm({"token": fresh_code(db, pinned_clock)})
    db.expire_all()
    assert limits.limits_for(db, company_id, prepara, PAGO) == limits.Limits(
        per_operation=MILLION // 2, own=True)
    assert s.limit_own and len(s.limit_rows) == 2
    s.ask_limit_clear()
    assert s.limit_mode == "eliminar"
    s.limit_confirm({"token": fresh_code(db, pinned_clock)})
    assert "eliminados" in s.message
    db.expire_all()
    assert limits.limits_for(db, company_id, prepara, PAGO).per_operation == MILLION
    assert not s.limit_own and len(s.limit_rows) == 1
    # a forged target (a username that became unknown) is denied by the domain
    s.limit_user = "opera.otra"
    s.limit_mode = "guardar"
    s.limit_confirm({"token": fresh_code(db, pinned_clock)})
    assert "no existe en su empresa" in s.limit_error
    db.expire_all()
    assert db.exec(select(func.count()).select_from(UserLimit)).one() == 1
    assert db.exec(select(func.count()).select_from(Authorizer)).one() == 0
