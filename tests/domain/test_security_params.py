"""Parámetros Generales y de Seguridad: the form's checks against the bank's limits, the
token, the audit and a stale form; forged events; and each parameter applied at the next
event that needs it (timeouts, failed attempts, password length and expiry, days and
hours for login and payments, the App's approvals, payments without the token again)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, func, select

from occireflex import clock
from occireflex.domain import access, own_account, security_admin, security_params
from occireflex.domain.demo import DEMO_PASSWORD, OTHER_NIT
from occireflex.domain.errors import AccessDenied, LoginFailed, SessionExpired, ValidationError
from occireflex.domain.payments import inscriptions, pay
from occireflex.domain.tokens import admin as token_admin
from occireflex.domain.tokens import portal_approval
from occireflex.models import (
    Account,
    AuditEvent,
    Biller,
    Company,
    Payment,
    SecurityParams,
    User,
)
from tests.helpers import actor_at, app_actor, code_for, login, steps_apart

MONDAY_10AM = datetime(2026, 3, 2, 15, 0, 5, tzinfo=UTC)  # 10:00 in Bogotá, a Monday
BANK = security_params.defaults()


def _form(**changes) -> dict:
    values = {"idle_minutes": "15", "absolute_minutes": "720", "max_failed_attempts": "5",
              "min_password_length": "8", "password_expiry_days": "0",
              "allowed_days": ["0", "1", "2", "3", "4", "5", "6"], "open_from": "00:00",
              "open_until": "24:00", "app_may_approve": True, "token_free_up_to": "0"}
    return {**values, **changes}


def _save(db: Session, actor, at: datetime, version: int = 0, **changes):
    with clock.pinned(at):
        params = security_admin.save(db, actor, _form(**changes), version,
                                     code_for(db, actor.username, at), at)
    db.commit()
    return params


def _admin(db: Session, at: datetime = MONDAY_10AM):
    return actor_at(db, "admin.demo", at)


# the form -----------------------------------------------------------------------------

def test_the_bank_defaults_apply_without_a_row(demo, db):
    params, bank = security_admin.view(db, _admin(db))
    assert params == BANK and params.password_expiry_days == 0
    assert (bank.idle[1], bank.absolute[1], bank.attempts[1]) == (15, 720, 5)


@pytest.mark.parametrize("changes, fragment", [
    ({"idle_minutes": "3"}, "«Tiempo máximo de inactividad» debe ser un número entre 5 y 15"),
    ({"idle_minutes": "16"}, "entre 5 y 15 minutos"),
    ({"idle_minutes": True}, "Tiempo máximo de inactividad"),
    ({"absolute_minutes": "721"}, "«Duración máxima de la sesión»"),
    ({"idle_minutes": "15", "absolute_minutes": "60", "open_from": "00:00"}, None),
    ({"max_failed_attempts": "9"}, "«Intentos fallidos antes del bloqueo» debe ser un número "
                                   "entre 3 y 5"),
    ({"min_password_length": "7"}, "entre 8 y 32 caracteres"),
    ({"password_expiry_days": "10"}, "es 0 (sin vencimiento) o un número de días entre 30"),
    ({"allowed_days": []}, "Elija al menos un día"),
    ({"allowed_days": ["7"]}, "días de operación no son válidos"),
    ({"allowed_days": "0123"}, "Elija al menos un día"),
    ({"open_from": "7:00"}, "«Hora inicial» debe ser una hora"),
    ({"open_until": "25:00"}, "«Hora final» debe ser una hora"),
    ({"open_from": "19:00", "open_until": "07:00"}, "debe ser posterior"),
    ({"token_free_up_to": "1,000"}, "monto de pagos sin token"),
    ({"token_free_up_to": "9.000.000"}, "no puede superar $ 5.000.000, el límite del banco"),
    ({"app_may_approve": "si"}, "Autorizaciones desde la App"),
])
def test_each_wrong_value_is_named_and_nothing_changes(demo, db, changes, fragment):
    admin = _admin(db)
    if fragment is None:  # a valid form (idle 15 ≤ absolute 60) with a change
        assert security_admin.preview(db, admin, _form(**changes)).changes
        return
    with pytest.raises(ValidationError) as refused:
        security_admin.save(db, admin, _form(**changes), 0,
                            code_for(db, "admin.demo", steps_apart(MONDAY_10AM, 1)),
                            steps_apart(MONDAY_10AM, 1))
    assert fragment in refused.value.message
    db.rollback()
    assert db.exec(select(func.count()).select_from(SecurityParams)).one() == 0


def test_save_asks_the_token_audits_before_after_and_refuses_a_stale_form(demo, db):
    admin = _admin(db)
    with pytest.raises(ValidationError, match=security_admin.NO_CHANGES):
        security_admin.preview(db, admin, _form())
    with pytest.raises(ValidationError):
        security_admin.save(db, admin, _form(idle_minutes="10"), 0, "000000", MONDAY_10AM)
    db.rollback()
    assert db.get(SecurityParams, admin.company_id) is None
    saved = _save(db, admin, steps_apart(MONDAY_10AM, 1), idle_minutes="10",
                  allowed_days=["0", "1", "2", "3", "4"], open_from="07:00", open_until="19:00")
    assert (saved.idle_minutes, saved.allowed_days, saved.version) == (10, "01234", 1)
    event = db.exec(select(AuditEvent).where(
        AuditEvent.action == "parametros_actualizados")).one()
    assert "15 minutos" in event.before and "10 minutos" in event.after
    assert "De lunes a viernes" in event.after and "Todos los días" in event.before
    # another administrator's form, read before that save: refused, nothing changes
    with pytest.raises(ValidationError, match="Otro usuario cambió"):
        _save(db, admin, steps_apart(MONDAY_10AM, 3), version=0, idle_minutes="5")
    db.rollback()
    assert db.get(SecurityParams, admin.company_id).idle_minutes == 10


def test_forged_calls_are_refused_with_the_database_as_proof(demo, db):
    secondary = actor_at(db, "consulta.demo", MONDAY_10AM)  # no grant for the service
    with pytest.raises(AccessDenied):
        security_admin.save(db, secondary, _form(idle_minutes="5"), 0,
                            code_for(db, "consulta.demo", MONDAY_10AM), MONDAY_10AM)
    with pytest.raises(AccessDenied):
        security_admin.view(db, secondary)
    with pytest.raises(ValidationError):
        security_admin.preview(db, _admin(db, steps_apart(MONDAY_10AM, 1)), ["no", "un dict"])
    # another company's administrator changes their own company only
    other_company = db.exec(select(Company).where(Company.nit == OTHER_NIT)).one()
    stranger = actor_at(db, "admin.otra", steps_apart(MONDAY_10AM, 3))
    _save(db, stranger, steps_apart(MONDAY_10AM, 5), idle_minutes="5")
    rows = db.exec(select(SecurityParams)).all()
    assert [r.company_id for r in rows] == [other_company.id]
    demo_company = db.exec(select(Company).where(Company.nit != OTHER_NIT)).first()
    assert security_params.of_company(db, demo_company.id) == BANK
    denied = db.exec(select(AuditEvent).where(AuditEvent.action == "acceso_denegado")).all()
    assert len(denied) == 2


# each parameter applied ------------------------------------------------------------------

def test_the_companys_idle_timeout_ends_a_session_at_its_next_event(demo, db):
    _save(db, _admin(db), steps_apart(MONDAY_10AM, 1), idle_minutes="5")
    raw = login(db, "prepara.demo", now=steps_apart(MONDAY_10AM, 2)).session_token
    start = steps_apart(MONDAY_10AM, 2)
    access.load_actor(db, raw, now=start)
    access.load_actor(db, raw, now=start + timedelta(minutes=4))  # within 5 minutes, cached
    with pytest.raises(SessionExpired, match="inactividad"):
        access.load_actor(db, raw, now=start + timedelta(minutes=9, seconds=30))


def test_the_companys_failed_attempts_lock_the_user(demo, db):
    _save(db, _admin(db), steps_apart(MONDAY_10AM, 1), max_failed_attempts="3")
    for attempt in range(3):
        with pytest.raises(LoginFailed):
            login(db, "prepara.demo", password="no-es-la-clave",
                  now=steps_apart(MONDAY_10AM, 2 + 2 * attempt))
    db.expire_all()
    assert db.exec(select(User).where(User.username == "prepara.demo")).one().locked_at


def test_the_companys_minimum_password_length(demo, db):
    _save(db, _admin(db), steps_apart(MONDAY_10AM, 1), min_password_length="14")
    user = actor_at(db, "prepara.demo", steps_apart(MONDAY_10AM, 2))
    with pytest.raises(ValidationError, match="al menos 14 caracteres"):
        own_account.change_own_password(db, user, DEMO_PASSWORD, "pradera azul",
                                        "pradera azul", "000000", steps_apart(MONDAY_10AM, 2))
    assert own_account.min_password_length(db, user.company_id) == 14


def test_an_expired_password_opens_only_its_change(demo, db):
    _save(db, _admin(db), steps_apart(MONDAY_10AM, 1), password_expiry_days="30")
    at = steps_apart(MONDAY_10AM, 2)
    user = db.exec(select(User).where(User.username == "prepara.demo")).one()
    user.password_changed_at = at - timedelta(days=29)
    db.add(user)
    db.commit()
    assert not actor_at(db, "prepara.demo", at).must_change_password
    user.password_changed_at = at - timedelta(days=31)
    db.add(user)
    db.commit()
    assert actor_at(db, "prepara.demo", steps_apart(at, 2)).must_change_password
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "clave_vencida")).one()


def test_outside_the_days_and_hours_login_and_payments_are_refused(demo, db):
    admin = _admin(db)
    _save(db, admin, steps_apart(MONDAY_10AM, 1), allowed_days=["0", "1", "2", "3", "4"],
          open_from="07:00", open_until="19:00")
    saturday = MONDAY_10AM + timedelta(days=5)
    with pytest.raises(LoginFailed) as refused:
        login(db, "prepara.demo", now=saturday)
    assert refused.value.message == ("Su empresa permite ingresar de lunes a viernes, de 07:00 "
                                     "a 19:00 (hora de Colombia). Intente de nuevo en ese "
                                     "horario.")
    # a session opened in hours: its payment at 19:30 is refused, nothing is debited
    enrollment, line, account = _payable(db, admin, steps_apart(MONDAY_10AM, 2))
    evening = MONDAY_10AM + timedelta(hours=9, minutes=30)
    with pytest.raises(AccessDenied, match="permite hacer transacciones de lunes a viernes"):
        pay.pay_bills(db, admin, [(enrollment.id, line.bill_id, line.bill_version)],
                      account.id, code_for(db, "admin.demo", evening), evening)
    assert db.exec(select(func.count()).select_from(Payment)).one() == 0
    assert db.exec(select(AuditEvent).where(
        AuditEvent.action == "transaccion_fuera_de_horario")).one().outcome == "denegado"
    assert is_refused_login_audited(db)


def is_refused_login_audited(db: Session) -> bool:
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "login_denegado")).all()
    return any("fuera de horario" in (e.after or "") for e in events)


def _payable(db: Session, actor, at: datetime):
    biller = db.exec(select(Biller).where(Biller.code == "1002")).one()
    account = db.exec(select(Account).where(Account.number == "256098765")).one()
    enrollment = inscriptions.inscribe(db, actor, biller.id, "000123456", "Sede", account.id)
    db.commit()
    (line,) = pay.payable_lines(db, actor, [enrollment.id])
    return enrollment, line, account


def test_payments_up_to_the_amount_go_without_the_token_again(demo, db):
    admin = _admin(db)
    enrollment, line, account = _payable(db, admin, MONDAY_10AM)
    assert pay.asks_token(db, admin, line.amount)
    below = (line.amount // 100 + 1)
    _save(db, admin, steps_apart(MONDAY_10AM, 1), token_free_up_to=str(below))
    assert not pay.asks_token(db, admin, line.amount)
    assert pay.asks_token(db, admin, below * 100 + 1)
    (result,) = pay.pay_bills(db, admin, [(enrollment.id, line.bill_id, line.bill_version)],
                              account.id, "", steps_apart(MONDAY_10AM, 3))
    assert result.ok
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "pago_exitoso")).one()
    assert "monto permitido sin token" in event.after
    # at the bank's default (0) the token is asked again, and an empty code says so
    _save(db, admin, steps_apart(MONDAY_10AM, 5), version=1, token_free_up_to="0")
    with pytest.raises(ValidationError, match=pay.TOKEN_REQUIRED):
        pay.pay_bills(db, admin, [(enrollment.id, line.bill_id, line.bill_version)],
                      account.id, "", steps_apart(MONDAY_10AM, 7))


def test_the_app_may_not_approve_when_the_company_says_so(demo, db):
    admin = _admin(db)
    _save(db, admin, steps_apart(MONDAY_10AM, 1), app_may_approve=False)
    app_admin = app_actor(db, "admin.demo", steps_apart(MONDAY_10AM, 2))
    with pytest.raises(AccessDenied, match="no permite autorizar desde la App"):
        token_admin.approve(db, app_admin, 1, steps_apart(MONDAY_10AM, 2))
    with Session(db.get_bind()) as other:
        assert other.exec(select(AuditEvent).where(
            AuditEvent.action == "acceso_denegado",
            AuditEvent.channel == "app")).one().target.startswith("solicitud_token")


def test_the_portal_authorizes_a_release_with_the_token_when_the_app_may_not(demo, db):
    admin = _admin(db)
    _save(db, admin, steps_apart(MONDAY_10AM, 1), app_may_approve=False)
    at = steps_apart(MONDAY_10AM, 2)
    autoriza = db.exec(select(User).where(User.username == "autoriza.demo")).one()
    ticket = token_admin.request_release(db, admin, autoriza.id, "cambio_dispositivo",
                                         code_for(db, "admin.demo", at), at)
    db.commit()
    (request,) = token_admin.pending_requests(db, admin, at)
    assert request.verification == ticket.verification
    # forged: a secondary user, another company's administrator, a wrong code
    later = steps_apart(at, 2)
    for who in ("prepara.demo", "admin.otra"):
        stranger = actor_at(db, who, later)
        with pytest.raises(AccessDenied):
            portal_approval.approve(db, stranger, request.id, code_for(db, who, later), later)
    with pytest.raises(ValidationError, match="token no es válido"):
        portal_approval.approve(db, admin, request.id, "000000", later)
    db.rollback()
    assert [r.id for r in token_admin.pending_requests(db, admin, later)] == [request.id]
    approval = portal_approval.approve(db, admin, request.id,
                                       code_for(db, "admin.demo", later), later)
    db.commit()
    assert approval.username == "autoriza.demo" and len(approval.activation_code) == 8
    assert token_admin.pending_requests(db, admin, later) == []
    event = db.exec(select(AuditEvent).where(
        AuditEvent.action == "token_liberacion_aprobada")).one()
    assert event.channel == "web"


def test_a_bank_ceiling_lowered_later_wins(demo, db):
    admin = _admin(db)
    _save(db, admin, steps_apart(MONDAY_10AM, 1), token_free_up_to="4.000.000")
    from occireflex.settings import settings

    object.__setattr__(settings, "token_free_max_centavos", 1_000_000_00)
    try:
        assert security_params.of_company(db, admin.company_id).token_free_up_to == \
            1_000_000_00
    finally:
        object.__setattr__(settings, "token_free_max_centavos", 5_000_000_00)
