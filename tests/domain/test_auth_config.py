"""Configuración de Autorizaciones and the limits per user and service (issue 15, points 1
and 4): the forms checked as if forged (each error in Spanish), the administrator's grant,
another company's users, a stale form, the token, the bank's default kept for the kinds
not edited, and the rules and limits the rest of the domain applies afterwards."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, delete, func, select

from occireflex.domain.demo import OTHER_NIT
from occireflex.domain.dual import config, limits, limits_admin, rules
from occireflex.domain.dual.rules import ARCHIVO, PAGO, PROGRAMACION, Range
from occireflex.domain.errors import AccessDenied, ValidationError
from occireflex.models import (
    AuditEvent,
    AuthConfig,
    Authorizer,
    AuthRule,
    Company,
    User,
    UserLimit,
)
from tests.helpers import actor_at, code_for, steps_apart

T0 = datetime(2026, 3, 2, 15, 0, 5, tzinfo=UTC)  # a Monday, 10:00 in Bogotá
MILLION = 100_000_000  # $ 1.000.000 in centavos


def _user(db: Session, username: str) -> User:
    return db.exec(select(User).where(User.username == username)).one()


def _unconfigure(db: Session) -> int:
    """The demo company back to the bank's default (the fixture seeds «firma única»)."""
    company = db.exec(select(Company).where(Company.nit != OTHER_NIT)).first()
    db.exec(delete(AuthRule).where(AuthRule.company_id == company.id))
    db.exec(delete(AuthConfig).where(AuthConfig.company_id == company.id))
    db.commit()
    return company.id


def _count(db: Session, model) -> int:
    db.expire_all()
    return db.exec(select(func.count()).select_from(model)).one()


def _ranges(*rows: tuple[str, object]) -> list[dict]:
    return [{"amount_to": to, "required": req} for to, req in rows]


TWO_STEPS = _ranges(("1.000.000", "1"), ("", "2"))


@pytest.mark.parametrize("ranges, fragment", [
    ([], "al menos un rango"),
    ("0-100", "al menos un rango"),
    (["x"], "rangos enviados no son válidos"),
    (_ranges(("", "3")), "Rango 1: las autorizaciones requeridas son 0, 1 o 2"),
    (_ranges(("", True)), "Rango 1: las autorizaciones requeridas"),
    (_ranges(("", "-1")), "Rango 1: las autorizaciones requeridas"),
    (_ranges(("1.000.000", "1")), "El último rango debe quedar sin tope"),
    (_ranges(("", "1"), ("", "2")), "Rango 1: solo el último rango puede quedar sin tope"),
    (_ranges(("2.000.000", "1"), ("1.000.000", "2"), ("", "2")),
     "Rango 2: el monto «hasta» debe ser mayor"),
    (_ranges(("1,000.50", "1"), ("", "2")), "monto «hasta» del rango 1"),
    (_ranges(("-5", "1"), ("", "2")), "monto «hasta» del rango 1"),
    (_ranges(("0", "1"), ("", "2")), "monto «hasta» del rango 1 mayor que cero"),
    (_ranges((1.5, "1"), ("", "2")), "monto «hasta» del rango 1"),
    ([{"amount_from": 5, "amount_to": "", "required": 1}], "continuos desde $ 0"),
    (_ranges(*[(str(i + 1), "1") for i in range(10)], ("", "1")), "como máximo 10 rangos"),
])
def test_each_wrong_range_is_named_and_nothing_changes(demo, db, ranges, fragment):
    _unconfigure(db)
    admin = actor_at(db, "admin.demo", T0)
    with pytest.raises(ValidationError) as refused:
        config.save_rules(db, admin, PAGO, ranges, [], 0,
                          code_for(db, "admin.demo", steps_apart(T0, 1)), steps_apart(T0, 1))
    assert fragment in refused.value.message
    db.rollback()
    assert _count(db, AuthConfig) == 1 and _count(db, AuthRule) == 3  # the other company's


def test_the_default_then_a_first_save_keeps_one_authorization_for_the_other_kinds(demo, db):
    company_id = _unconfigure(db)
    admin = actor_at(db, "admin.demo", T0)
    shown = config.configuration(db, admin)
    assert not shown.configured and shown.version == 0
    assert [k.ranges for k in shown.kinds] == [rules.DEFAULT_RANGES] * 3
    assert {c.username for c in shown.candidates} == {"admin.demo", "prepara.demo",
                                                      "autoriza.demo"}
    ids = {c.username: c.user_id for c in shown.candidates}
    draft = config.preview_rules(db, admin, PAGO, TWO_STEPS,
                                 [ids["autoriza.demo"], ids["prepara.demo"]])
    assert draft.changes[0] == ("Rangos", "Cualquier monto: 1 autorización",
                                "Hasta $ 1.000.000: 1 autorización; Más de $ 1.000.000: "
                                "2 autorizaciones")
    assert draft.changes[1] == ("Autorizadores", config.ANYONE, "autoriza.demo, prepara.demo")
    with pytest.raises(ValidationError, match="token no es válido"):
        config.save_rules(db, admin, PAGO, TWO_STEPS, [], 0, "000000", steps_apart(T0, 1))
    with pytest.raises(ValidationError, match="token"):
        config.save_rules(db, admin, PAGO, TWO_STEPS, [], 0, None, steps_apart(T0, 1))
    assert _count(db, AuthConfig) == 1  # the other company's only
    saved = config.save_rules(db, admin, PAGO, TWO_STEPS,
                              [ids["autoriza.demo"], ids["prepara.demo"]], 0,
                              code_for(db, "admin.demo", steps_apart(T0, 2)), steps_apart(T0, 2))
    db.commit()
    assert saved.configured and saved.version == 1
    assert rules.ranges_of(db, company_id, PAGO) == (Range(0, MILLION, 1),
                                                     Range(MILLION + 1, None, 2))
    assert rules.required_for(db, company_id, PAGO, MILLION) == 1
    assert rules.required_for(db, company_id, PAGO, MILLION + 1) == 2
    for kind in (PROGRAMACION, ARCHIVO):
        assert rules.ranges_of(db, company_id, kind) == rules.DEFAULT_RANGES
        assert rules.required_for(db, company_id, kind, 10 * MILLION) == 1
    assert rules.listed_authorizers(db, company_id, PAGO) == sorted(
        [ids["autoriza.demo"], ids["prepara.demo"]])
    assert not rules.may_authorize(db, company_id, PAGO, _user(db, "admin.demo"))
    assert rules.may_authorize(db, company_id, PROGRAMACION, _user(db, "admin.demo"))
    event = db.exec(select(AuditEvent).where(AuditEvent.action == config.ACTION)).one()
    assert "Cualquier monto: 1 autorización" in event.before and "2 autorizaciones" in event.after
    # the same form again: nothing to save
    with pytest.raises(ValidationError, match=config.NO_CHANGES):
        config.preview_rules(db, admin, PAGO, TWO_STEPS,
                             [ids["prepara.demo"], ids["autoriza.demo"]])


def test_a_stale_form_and_two_authorizations_without_two_authorizers(demo, db):
    company_id = _unconfigure(db)
    admin = actor_at(db, "admin.demo", T0)
    autoriza = _user(db, "autoriza.demo").id
    with pytest.raises(ValidationError, match="elija al menos 2 autorizadores"):
        config.preview_rules(db, admin, PAGO, TWO_STEPS, [autoriza])
    # none listed: anyone holding the inbox authorizes, no complaint
    config.save_rules(db, admin, ARCHIVO, _ranges(("", 2)), [], 0,
                      code_for(db, "admin.demo", steps_apart(T0, 1)), steps_apart(T0, 1))
    db.commit()
    with pytest.raises(ValidationError, match="Otro usuario cambió"):
        config.save_rules(db, admin, PAGO, _ranges(("", 0)), [], 0,
                          code_for(db, "admin.demo", steps_apart(T0, 2)), steps_apart(T0, 2))
    db.rollback()
    assert rules.required_for(db, company_id, PAGO, 5) == 1
    assert rules.required_for(db, company_id, ARCHIVO, 5) == 2
    config.save_rules(db, admin, PAGO, _ranges(("", "0")), [], 1,
                      code_for(db, "admin.demo", steps_apart(T0, 3)), steps_apart(T0, 3))
    db.commit()
    assert rules.required_for(db, company_id, PAGO, 10**12) == 0
    assert db.get(AuthConfig, company_id).version == 2


def test_forged_calls_are_refused_with_the_database_as_proof(demo, db):
    _unconfigure(db)
    secondary = actor_at(db, "autoriza.demo", T0)  # holds every grant, but not admin
    with pytest.raises(AccessDenied):
        config.configuration(db, secondary)
    with pytest.raises(AccessDenied):
        config.save_rules(db, secondary, PAGO, _ranges(("", "0")), [], 0,
                          code_for(db, "autoriza.demo", steps_apart(T0, 1)), steps_apart(T0, 1))
    with pytest.raises(AccessDenied):
        limits_admin.save_limits(db, secondary, None, PAGO, {"per_operation": "1"},
                                 code_for(db, "autoriza.demo", steps_apart(T0, 2)),
                                 steps_apart(T0, 2))
    assert _count(db, AuthConfig) == 1 and _count(db, UserLimit) == 0
    admin = actor_at(db, "admin.demo", T0)
    stranger = _user(db, "opera.otra").id
    for forged in ([stranger], ["7"], [True], [2**70], "1,2", [None]):
        with pytest.raises((AccessDenied, ValidationError)):
            config.save_rules(db, admin, PAGO, _ranges(("", "1")), forged, 0,
                              code_for(db, "admin.demo", steps_apart(T0, 3)), steps_apart(T0, 3))
    consulta = _user(db, "consulta.demo").id  # of the company, without the inbox
    with pytest.raises(ValidationError, match="consulta.demo no puede autorizar"):
        config.preview_rules(db, admin, PAGO, _ranges(("", "1")), [consulta])
    with pytest.raises(ValidationError, match="tipo de operación"):
        config.preview_rules(db, admin, "transferencia", _ranges(("", "1")), [])
    assert _count(db, AuthConfig) == 1 and _count(db, Authorizer) == 0
    denied = db.exec(select(AuditEvent).where(AuditEvent.action == "acceso_denegado",
                                              AuditEvent.target.startswith("usuario:"))).all()
    assert len(denied) >= 2


# limits ----------------------------------------------------------------------------------

def _limits(**values) -> dict:
    return {"per_operation": "", "day_amount": "", "day_count": "", "month_amount": "",
            "month_count": "", **values}


@pytest.mark.parametrize("values, fragment", [
    (_limits(per_operation="-1"), "«Monto máximo por operación»"),
    (_limits(day_amount="1,000.00"), "«Monto máximo diario»"),
    (_limits(day_count="2.5"), "«Número máximo de operaciones diarias» debe ser un número"),
    (_limits(month_count="-3"), "«Número máximo de operaciones mensuales»"),
    (_limits(month_count=True), "«Número máximo de operaciones mensuales»"),
    (_limits(month_amount=["1"]), "«Monto máximo mensual»"),
    ("per_operation=1", "límites enviados no son válidos"),
])
def test_each_wrong_limit_is_named(demo, db, values, fragment):
    admin = actor_at(db, "admin.demo", T0)
    with pytest.raises(ValidationError) as refused:
        limits_admin.save_limits(db, admin, None, PAGO, values,
                                 code_for(db, "admin.demo", steps_apart(T0, 1)),
                                 steps_apart(T0, 1))
    assert fragment in refused.value.message
    db.rollback()
    assert _count(db, UserLimit) == 0


def test_limits_saved_the_users_row_beats_the_companys_and_clearing_it(demo, db):
    admin = actor_at(db, "admin.demo", T0)
    company_id, prepara = admin.company_id, _user(db, "prepara.demo").id
    with pytest.raises(ValidationError, match="token no es válido"):
        limits_admin.save_limits(db, admin, None, PAGO, _limits(per_operation="1.000.000"),
                                 "123456", steps_apart(T0, 1))
    assert _count(db, UserLimit) == 0
    limits_admin.save_limits(db, admin, None, PAGO,
                             _limits(per_operation="1.000.000", day_count="5"),
                             code_for(db, "admin.demo", steps_apart(T0, 2)), steps_apart(T0, 2))
    db.commit()
    assert limits.limits_for(db, company_id, prepara, PAGO) == limits.Limits(
        per_operation=MILLION, day_count=5)
    assert limits.limits_for(db, company_id, prepara, PROGRAMACION) == limits.Limits()
    changes = limits_admin.preview_limits(db, admin, prepara, PAGO,
                                          _limits(per_operation="250.000,50", month_count="0"))
    assert ("Monto máximo por operación", "Sin límite", "$ 250.000,50") in changes
    limits_admin.save_limits(db, admin, prepara, PAGO, _limits(per_operation="250.000,50"),
                             code_for(db, "admin.demo", steps_apart(T0, 3)), steps_apart(T0, 3))
    db.commit()
    own = limits.limits_for(db, company_id, prepara, PAGO)
    assert own == limits.Limits(per_operation=25_000_050, own=True)  # no day count: its own row
    with pytest.raises(ValidationError, match="Monto máximo por operación"):
        limits.check(db, company_id, prepara, PAGO, 25_000_051, steps_apart(T0, 3))
    autoriza = _user(db, "autoriza.demo").id
    assert limits.limits_for(db, company_id, autoriza, PAGO).per_operation == MILLION
    rows = limits_admin.rows(db, admin)
    assert [(r.who, r.kind) for r in rows] == [(limits_admin.COMPANY, PAGO),
                                               ("prepara.demo", PAGO)]
    assert rows[0].values["per_operation"] == "$ 1.000.000" and rows[0].values[
        "day_amount"] == "Sin límite"
    with pytest.raises(ValidationError, match=limits_admin.NO_CHANGES):
        limits_admin.preview_limits(db, admin, prepara, PAGO, _limits(per_operation="250.000,50"))
    with pytest.raises(ValidationError, match="No hay límites propios"):
        limits_admin.clear_limits(db, admin, autoriza, PAGO,
                                  code_for(db, "admin.demo", steps_apart(T0, 4)),
                                  steps_apart(T0, 4))
    limits_admin.clear_limits(db, admin, prepara, PAGO,
                              code_for(db, "admin.demo", steps_apart(T0, 5)), steps_apart(T0, 5))
    db.commit()
    assert limits.limits_for(db, company_id, prepara, PAGO) == limits.Limits(
        per_operation=MILLION, day_count=5)
    events = db.exec(select(AuditEvent).where(
        AuditEvent.action == limits_admin.SAVED).order_by(AuditEvent.id)).all()
    assert [e.target for e in events] == ["limites:empresa:pago", "limites:prepara.demo:pago",
                                          "limites:prepara.demo:pago"]


def test_limits_of_another_companys_user_or_by_a_secondary_user(demo, db):
    admin = actor_at(db, "admin.demo", T0)
    stranger = _user(db, "opera.otra").id
    for forged in (stranger, "1", True, -4):
        with pytest.raises(AccessDenied):
            limits_admin.save_limits(db, admin, forged, PAGO, _limits(day_count="1"),
                                     code_for(db, "admin.demo", steps_apart(T0, 1)),
                                     steps_apart(T0, 1))
    with pytest.raises(AccessDenied):
        limits_admin.clear_limits(db, admin, stranger, PAGO,
                                  code_for(db, "admin.demo", steps_apart(T0, 1)),
                                  steps_apart(T0, 1))
    with pytest.raises(ValidationError, match="tipo de operación"):
        limits_admin.save_limits(db, admin, None, "transferencia", _limits(day_count="1"),
                                 code_for(db, "admin.demo", steps_apart(T0, 1)),
                                 steps_apart(T0, 1))
    assert _count(db, UserLimit) == 0
    other = actor_at(db, "admin.otra", T0)
    limits_admin.save_limits(db, other, None, PAGO, _limits(day_count="2"),
                             code_for(db, "admin.otra", steps_apart(T0, 1)), steps_apart(T0, 1))
    db.commit()
    assert limits_admin.rows(db, admin) == [] and len(limits_admin.rows(db, other)) == 1
