"""Token Virtual (seed 002) over the database: the administrator's Liberar and Bloquear,
the authorization in the App (bound, once, 10 minutes), enrollment with seed 002 step 10,
the App's login, Consulta de Token, and isolation between users and companies."""

from __future__ import annotations

import base64
import threading
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from occireflex.domain import access, auth, security, sessions, tokens
from occireflex.domain.errors import AccessDenied, DomainError, LoginFailed, SessionExpired
from occireflex.domain.payments import pay as payments
from occireflex.domain.tokens import admin as ta
from occireflex.domain.tokens import device as enrollment
from occireflex.domain.tokens import history as token_history
from occireflex.domain.tokens import states as ts
from occireflex.domain.tokens import virtual as tv
from occireflex.models import (
    AuditEvent,
    Enrollment,
    LoginSession,
    OutboxMessage,
    Token,
    TokenEvent,
    TokenRequest,
    User,
    utcnow,
)
from tests.helpers import actor_at, app_actor, app_login, code_for, login


def at(steps: int) -> datetime:
    """A day ahead of the demo data (seeded at the pinned «now»), 5 s into a TOTP step, plus
    ``steps`` TOTP steps (30 s each): a fresh code for every operation."""
    t0 = (security.time_step(utcnow()) + 2880) * 30 + 5
    return datetime.fromtimestamp(t0, UTC) + timedelta(seconds=30 * steps)


def uid(db: Session, username: str) -> int:
    return db.exec(select(User).where(User.username == username)).one().id


def tokens_of(db: Session, username: str) -> list[Token]:
    db.expire_all()
    return list(db.exec(select(Token).where(Token.user_id == uid(db, username))
                        .order_by(Token.id)).all())


def events_of(db: Session, username: str) -> list[str]:
    return [e.event for e in db.exec(select(TokenEvent).where(
        TokenEvent.user_id == uid(db, username)).order_by(TokenEvent.id)).all()]


def shown(db: Session, username: str, now: datetime) -> str:
    return tv.virtual_state(db, uid(db, username), now).shown


def release(db, admin, username, now, reason="solo_semilla"):
    ticket = ta.request_release(db, admin, uid(db, username), reason,
                                code_for(db, admin.username, now), now)
    db.commit()
    return ticket


def approve(db, app_admin, request_id, now):
    result = ta.approve(db, app_admin, request_id, now)
    db.commit()
    return result


def enroll(db, app_user, now, device="Celular de prueba") -> pyotp.TOTP:
    """begin → deliver (the QR's otpauth URI) → the authenticator built from it."""
    started = enrollment.begin(db, app_user, device, now)
    db.commit()
    provisioning = enrollment.deliver(db, app_user, started.ticket, now)
    db.commit()
    return pyotp.parse_uri(provisioning.uri)


@pytest.fixture
def admin(demo, db):
    return actor_at(db, "admin.demo", at(0))


@pytest.fixture
def app_admin(demo, db):
    return app_actor(db, "admin.demo", at(1))


# 1. who may act -------------------------------------------------------------------------


def test_a_secondary_user_is_refused_even_with_the_grant_and_it_is_audited(demo, db):
    autoriza = actor_at(db, "autoriza.demo", at(0))  # «Autorizador todo» grants the service
    assert ("administracion.seguridad.token", "acceso") in autoriza.grants
    assert not autoriza.can(ta.SERVICE)
    prepara = uid(db, "prepara.demo")
    calls = [
        lambda: ta.list_users(db, autoriza),
        lambda: ta.token_row(db, autoriza, prepara),
        lambda: ta.preview_change(db, autoriza, prepara, ts.LIBERAR, "solo_semilla"),
        lambda: ta.request_release(db, autoriza, prepara, "solo_semilla",
                                   code_for(db, "autoriza.demo", at(1)), at(1)),
        lambda: ta.block(db, autoriza, prepara, "perdida_robo",
                         code_for(db, "autoriza.demo", at(2)), at(2)),
    ]
    for call in calls:
        with pytest.raises(AccessDenied) as exc:
            call()
        assert exc.value.message == ta.ADMIN_ONLY
    denials = db.exec(select(AuditEvent).where(AuditEvent.action == "acceso_denegado",
                                               AuditEvent.user_id == autoriza.user_id)).all()
    assert len(denials) == len(calls)
    assert all(d.target.startswith("token_virtual:") for d in denials)
    assert db.exec(select(TokenRequest)).all() == []
    # the refused calls never consumed the token's time step either
    assert tokens_of(db, "autoriza.demo")[-1].last_step == security.time_step(at(0))


def test_a_secondary_user_in_the_app_cannot_authorize(demo, db, admin):
    ticket = release(db, admin, "prepara.demo", at(2))
    autoriza = app_actor(db, "autoriza.demo", at(3))
    for call in (ta.pending_requests, lambda d, a, *r: ta.approve(d, a, ticket.request_id, at(3)),
                 lambda d, a, *r: ta.reject(d, a, ticket.request_id, at(3))):
        with pytest.raises(AccessDenied):
            call(db, autoriza)
    assert db.get(TokenRequest, ticket.request_id).state == tv.R_PENDIENTE


def test_another_companys_users_and_requests_are_out_of_reach(demo, db, admin):
    other_admin = actor_at(db, "admin.otra", at(0))
    prepara = uid(db, "prepara.demo")
    rows, total = ta.list_users(db, other_admin)
    assert {r.username for r in rows} == {"admin.otra", "opera.otra"} and total == 2
    for call in (
        lambda: ta.token_row(db, other_admin, prepara),
        lambda: ta.request_release(db, other_admin, prepara, "solo_semilla",
                                   code_for(db, "admin.otra", at(1)), at(1)),
        lambda: ta.block(db, other_admin, prepara, "perdida_robo",
                         code_for(db, "admin.otra", at(2)), at(2)),
        lambda: token_history.history(db, other_admin, prepara),
    ):
        with pytest.raises(AccessDenied) as exc:
            call()
        assert exc.value.message == tv.USER_NOT_FOUND
    ticket = release(db, admin, "prepara.demo", at(3))
    other_app = app_actor(db, "admin.otra", at(4))
    assert ta.pending_requests(db, other_app, at(4)) == []
    for call in (ta.approve, ta.reject):
        with pytest.raises(AccessDenied) as exc:
            call(db, other_app, ticket.request_id, at(4))
        assert exc.value.message == ta.REQUEST_NOT_FOUND
    assert db.get(TokenRequest, ticket.request_id).state == tv.R_PENDIENTE


@pytest.mark.parametrize("forged", [None, "3", -1, 0, True, 2**70, 3.0, [3], {"id": 3}])
def test_forged_ids_are_refused(demo, db, admin, forged):
    with pytest.raises(AccessDenied):
        ta.token_row(db, admin, forged)
    with pytest.raises(AccessDenied):
        ta.approve(db, admin, forged, at(1))


# 2. the grid ---------------------------------------------------------------------------


def test_the_grid_shows_both_tokens_with_their_states(demo, db, admin):
    rows, total = ta.list_users(db, admin, now=at(1))
    by_name = {r.username: r for r in rows}
    assert total == 4 and list(by_name) == sorted(by_name)
    prepara, autoriza = by_name["prepara.demo"], by_name["autoriza.demo"]
    assert (prepara.physical, prepara.virtual_label, prepara.device) == ("Activo", "Sin token", "")
    assert prepara.actions == (ts.LIBERAR,) and prepara.physical_serial == "OCC-100002"
    assert (autoriza.physical, autoriza.virtual_label) == ("Inhabilitado", "Activo")
    assert autoriza.device == "iPhone 13 de Laura"
    assert autoriza.actions == (ts.LIBERAR, ts.BLOQUEAR_ACCION)
    assert prepara.changed  # the day its token was issued
    rows, total = ta.list_users(db, admin, "PEDRO", now=at(1))
    assert [r.username for r in rows] == ["prepara.demo"] and total == 1
    rows, total = ta.list_users(db, admin, "%", now=at(1))
    assert total == 0  # LIKE wildcards are escaped


# 3. Liberar ----------------------------------------------------------------------------


def test_release_is_a_pending_request_confirmed_with_the_admins_token(demo, db, admin):
    with pytest.raises(DomainError) as exc:
        ta.request_release(db, admin, uid(db, "prepara.demo"), "solo_semilla", "000000", at(1))
    assert exc.value.message == ta.TOKEN_INVALID
    assert db.exec(select(TokenRequest)).all() == []
    assert db.exec(select(AuditEvent).where(
        AuditEvent.action == "token_virtual_token_rechazado")).one().outcome == "fallido"

    ticket = release(db, admin, "prepara.demo", at(2))
    request = db.get(TokenRequest, ticket.request_id)
    assert (request.state, request.reason, request.requested_by) == (
        tv.R_PENDIENTE, "solo_semilla", admin.user_id)
    assert request.expires_at == at(2) + timedelta(minutes=10)
    assert len(ticket.verification) == 2 and ticket.verification == request.verification
    assert shown(db, "prepara.demo", at(3)) == ts.PENDIENTE
    assert events_of(db, "prepara.demo")[-1] == tv.EV_SOLICITADA
    # the user's tokens are untouched until the authorization
    assert [t.state for t in tokens_of(db, "prepara.demo")] == [tokens.ACTIVO]
    with pytest.raises(ts.InvalidTransition) as exc:
        release(db, admin, "prepara.demo", at(3))
    assert exc.value.message == ts.ALREADY_PENDING


def test_only_one_open_request_per_user_even_at_the_database(demo, db, admin):
    release(db, admin, "prepara.demo", at(2))
    request = db.exec(select(TokenRequest)).one()
    db.add(TokenRequest(company_id=request.company_id, user_id=request.user_id,
                        action=ts.LIBERAR, reason="solo_semilla", state=tv.R_PENDIENTE,
                        requested_by=admin.user_id, expires_at=at(30)))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_bad_causales_and_actions_are_refused_before_the_token(demo, db, admin):
    prepara = uid(db, "prepara.demo")
    for reason in ("perdida_robo", "", None, 7, "x" * 500):
        with pytest.raises(ts.InvalidTransition):
            ta.request_release(db, admin, prepara, reason, code_for(db, "admin.demo", at(1)),
                               at(1))
    with pytest.raises(ts.InvalidTransition):
        ta.preview_change(db, admin, prepara, "borrar", "solo_semilla", at(1))
    with pytest.raises(ts.InvalidTransition):
        ta.preview_change(db, admin, prepara, ts.BLOQUEAR_ACCION, "perdida_robo", at(1))
    preview = ta.preview_change(db, admin, prepara, ts.LIBERAR, "cambio_dispositivo", at(1))
    assert (preview.action_label, preview.reason_label) == ("Liberar", "Cambio de dispositivo")
    assert db.exec(select(TokenRequest)).all() == []
    assert tokens_of(db, "admin.demo")[0].last_step == security.time_step(at(0))


# 4. authorization in the App ----------------------------------------------------------------


def test_approval_destroys_the_seed_ends_its_sessions_and_issues_an_activation_code(
        demo, db, admin, app_admin):
    portal = login(db, "autoriza.demo", now=at(1))  # logged in with the virtual token
    old = tokens_of(db, "autoriza.demo")[-1]
    assert old.kind == tokens.VIRTUAL and old.seed_encrypted is not None
    ticket = release(db, admin, "autoriza.demo", at(2), "cambio_dispositivo")
    pending = ta.pending_requests(db, app_admin, at(3))
    assert [(p.id, p.username, p.reason, p.verification) for p in pending] == [
        (ticket.request_id, "autoriza.demo", "Cambio de dispositivo", ticket.verification)]
    assert 0 < pending[0].seconds_left <= 600

    approval = approve(db, app_admin, ticket.request_id, at(3))
    assert approval.username == "autoriza.demo" and len(approval.activation_code) == 8
    db.expire_all()
    old = db.get(Token, old.id)
    assert old.state == tokens.LIBERADO and old.seed_encrypted is None  # destroyed
    assert tokens.active_tokens(db, old.user_id) == []
    session = db.exec(select(LoginSession).where(
        LoginSession.token_hash == security.hash_session_token(portal.session_token))).one()
    assert session.end_reason == "token_liberado"
    assert shown(db, "autoriza.demo", at(4)) == ts.LIBERADO
    request = db.get(TokenRequest, ticket.request_id)
    assert (request.state, request.decided_by, request.decided_channel) == (
        tv.R_APROBADA, app_admin.user_id, "app")
    assert request.activation_hash and approval.activation_code not in request.activation_hash
    assert events_of(db, "autoriza.demo")[-2:] == [tv.EV_SOLICITADA, tv.EV_LIBERADO]


def test_a_user_who_keeps_a_physical_token_gets_no_activation_code(demo, db, admin, app_admin):
    ticket = release(db, admin, "prepara.demo", at(2))
    approval = approve(db, app_admin, ticket.request_id, at(3))
    assert approval.activation_code == ""
    states = [(t.kind, t.state) for t in tokens_of(db, "prepara.demo")]
    assert states == [(tokens.FISICO, tokens.ACTIVO), (tokens.VIRTUAL, tokens.LIBERADO)]


def test_approve_twice_reject_after_approve_and_approve_after_expiry_are_refused(
        demo, db, admin, app_admin):
    ticket = release(db, admin, "prepara.demo", at(2))
    approve(db, app_admin, ticket.request_id, at(3))
    for call in (ta.approve, ta.reject):
        with pytest.raises(ts.InvalidTransition) as exc:
            call(db, app_admin, ticket.request_id, at(4))
        assert exc.value.message == ts.NOT_PENDING

    late = release(db, admin, "consulta.demo", at(5))
    with pytest.raises(ts.InvalidTransition) as exc:
        ta.approve(db, app_admin, late.request_id, at(5) + timedelta(minutes=10))
    assert exc.value.message == ta.EXPIRED
    db.expire_all()
    assert db.get(TokenRequest, late.request_id).state == tv.R_EXPIRADA
    assert events_of(db, "consulta.demo")[-1] == tv.EV_EXPIRADO
    assert shown(db, "consulta.demo", at(30)) == ts.SIN_TOKEN
    with pytest.raises(ts.InvalidTransition) as exc:  # expired stays expired
        ta.approve(db, app_admin, late.request_id, at(31))
    assert exc.value.message == ta.EXPIRED


def test_expiry_is_applied_by_the_sweep_and_a_new_request_may_follow(demo, db, admin):
    ticket = release(db, admin, "prepara.demo", at(2))
    assert tv.expire_overdue(db, at(2) + timedelta(minutes=9, seconds=59)) == 0
    assert tv.expire_overdue(db, at(2) + timedelta(minutes=10)) == 1
    db.commit()
    assert tv.expire_overdue(db, at(40)) == 0  # idempotent
    assert db.get(TokenRequest, ticket.request_id).state == tv.R_EXPIRADA
    assert shown(db, "prepara.demo", at(40)) == ts.SIN_TOKEN
    release(db, admin, "prepara.demo", at(41))
    assert shown(db, "prepara.demo", at(42)) == ts.PENDIENTE


def test_rejection_leaves_the_token_as_it_was(demo, db, admin, app_admin):
    ticket = release(db, admin, "autoriza.demo", at(2))
    assert ta.reject(db, app_admin, ticket.request_id, at(3)) == "autoriza.demo"
    db.commit()
    assert shown(db, "autoriza.demo", at(4)) == ts.ACTIVO
    assert tokens_of(db, "autoriza.demo")[-1].seed_encrypted is not None
    assert events_of(db, "autoriza.demo")[-1] == tv.EV_RECHAZADO


def test_only_one_of_two_concurrent_approvals_wins(demo, engine, db, admin, app_admin):
    ticket = release(db, admin, "prepara.demo", at(2))
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def run():
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                ta.approve(session, app_admin, ticket.request_id, at(3))
                session.commit()
                outcomes.append("ok")
            except ts.InvalidTransition:
                session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["ok", "refused"]
    assert events_of(db, "prepara.demo").count(tv.EV_LIBERADO) == 1


# 5. Bloquear ---------------------------------------------------------------------------


def test_block_takes_effect_at_once_and_ends_the_sessions_that_relied_on_it(
        demo, db, admin, app_admin):
    portal = login(db, "autoriza.demo", now=at(1))
    app = app_login(db, "autoriza.demo", now=at(2))
    other = login(db, "prepara.demo", now=at(2))
    virtual = tokens_of(db, "autoriza.demo")[-1]
    result = ta.block(db, admin, uid(db, "autoriza.demo"), "perdida_robo",
                      code_for(db, "admin.demo", at(3)), at(3))
    db.commit()
    assert result.sessions_ended == 2
    db.expire_all()
    virtual = db.get(Token, virtual.id)
    assert virtual.state == tokens.BLOQUEADO and virtual.seed_encrypted is None
    code = security.code_at_step(pyotp.random_base32(), 1)  # any code: the seed is gone
    assert tokens.verify_code(db, virtual.user_id, code, at(4)) is None
    for raw in (portal.session_token, app.session_token):
        with pytest.raises(SessionExpired):
            sessions.resolve_session(db, raw, at(4))
    sessions.resolve_session(db, other.session_token, at(4))  # someone else's: untouched
    request = db.exec(select(TokenRequest).where(TokenRequest.action == ts.BLOQUEAR_ACCION)).one()
    assert (request.state, request.reason) == (tv.R_EJECUTADA, "perdida_robo")
    assert shown(db, "autoriza.demo", at(4)) == ts.BLOQUEADO
    # the user is told out of band (seed 002's token events), no secret in it
    [notice] = db.exec(select(OutboxMessage).where(
        OutboxMessage.user_id == uid(db, "autoriza.demo"))).all()
    assert notice.kind == "token_bloqueado" and "bloqueado" in notice.body
    # blocked: cannot be released, blocked again, or enrolled
    with pytest.raises(ts.InvalidTransition) as exc:
        release(db, admin, "autoriza.demo", at(5))
    assert exc.value.message == ts.BLOCKED_NO_RELEASE
    with pytest.raises(ts.InvalidTransition) as exc:
        ta.block(db, admin, uid(db, "autoriza.demo"), "retiro_usuario",
                 code_for(db, "admin.demo", at(6)), at(6))
    assert exc.value.message == ts.ALREADY_BLOCKED


def test_block_cancels_an_open_release_and_kills_activation_codes(demo, db, admin, app_admin):
    first = release(db, admin, "autoriza.demo", at(2))
    code = approve(db, app_admin, first.request_id, at(3)).activation_code
    second = release(db, admin, "autoriza.demo", at(4))  # from Liberado: a new code later
    ta.block(db, admin, uid(db, "autoriza.demo"), "sospecha_fraude",
             code_for(db, "admin.demo", at(5)), at(5))
    db.commit()
    assert db.get(TokenRequest, second.request_id).state == tv.R_CANCELADA
    with pytest.raises(LoginFailed):
        app_login(db, "autoriza.demo", code, now=at(6))
    assert events_of(db, "autoriza.demo")[-2:] == [tv.EV_CANCELADO, tv.EV_BLOQUEADO]


def test_nothing_to_block_without_a_virtual_token(demo, db, admin):
    with pytest.raises(ts.InvalidTransition) as exc:
        ta.block(db, admin, uid(db, "prepara.demo"), "perdida_robo",
                 code_for(db, "admin.demo", at(1)), at(1))
    assert exc.value.message == ts.NOTHING_TO_BLOCK


def test_the_bank_reenables_a_blocked_token(demo, db, admin):
    ta.block(db, admin, uid(db, "autoriza.demo"), "retiro_usuario",
             code_for(db, "admin.demo", at(1)), at(1))
    db.commit()
    with pytest.raises(ts.InvalidTransition):
        tv.bank_enable(db, "prepara.demo", at(2))
    assert tv.bank_enable(db, "AUTORIZA.demo", at(2)) == "autoriza.demo"
    db.commit()
    assert shown(db, "autoriza.demo", at(3)) == ts.LIBERADO
    assert events_of(db, "autoriza.demo")[-1] == tv.EV_HABILITADO_BANCO


# 6. enrollment and seed 002 step 10 ----------------------------------------------------------


def test_enrollment_needs_the_release_and_the_app(demo, db, admin, app_admin):
    prepara_app = app_actor(db, "prepara.demo", at(2))
    with pytest.raises(ts.InvalidTransition) as exc:
        enrollment.begin(db, prepara_app, "Celular", at(2))
    assert exc.value.message == ts.NOT_RELEASED
    ticket = release(db, admin, "prepara.demo", at(3))
    with pytest.raises(ts.InvalidTransition) as exc:
        enrollment.begin(db, prepara_app, "Celular", at(3))
    assert exc.value.message == ts.WAIT_APPROVAL
    approve(db, app_admin, ticket.request_id, at(4))
    portal = actor_at(db, "prepara.demo", at(5))
    with pytest.raises(AccessDenied) as exc:
        enrollment.begin(db, portal, "Celular", at(5))
    assert exc.value.message == enrollment.APP_ONLY
    for bad in ("", "   ", "x" * 41, None, 5, "tab\there\x07"):
        with pytest.raises(DomainError):
            enrollment.begin(db, prepara_app, bad, at(5))
    assert enrollment.status(db, prepara_app, at(5)).can_enroll


def test_the_seed_is_delivered_once_and_a_current_code_activates_it_disabling_the_physical(
        demo, db, admin, app_admin):
    ticket = release(db, admin, "prepara.demo", at(2))
    approve(db, app_admin, ticket.request_id, at(3))
    app_user = app_actor(db, "prepara.demo", at(4))  # with the physical token, still active
    fob = tokens_of(db, "prepara.demo")[0]
    physical_code = code_for(db, "prepara.demo", at(8))

    started = enrollment.begin(db, app_user, "Celular de Pedro", at(5))
    db.commit()
    with pytest.raises(DomainError):
        enrollment.deliver(db, app_user, "x" * 43, at(5))
    provisioning = enrollment.deliver(db, app_user, started.ticket, at(5))
    db.commit()
    with pytest.raises(DomainError) as exc:
        enrollment.deliver(db, app_user, started.ticket, at(5))
    assert exc.value.message == enrollment.SHOWN_ONCE
    totp = pyotp.parse_uri(provisioning.uri)
    assert provisioning.uri.startswith("otpauth://totp/Banco%20de%20Occidente%20Empresas:prepara.demo?")
    assert "issuer=Banco%20de%20Occidente%20Empresas" in provisioning.uri
    assert len(base64.b32decode(provisioning.secret)) == 20  # 160 bits
    assert totp.secret == provisioning.secret

    with pytest.raises(DomainError) as exc:
        enrollment.activate(db, app_user, "000000" if totp.at(at(6)) != "000000" else "111111",
                            at(6))
    assert exc.value.message == enrollment.CODE_INVALID
    activated = enrollment.activate(db, app_user, totp.at(at(6)), at(6))
    db.commit()
    assert activated.physical_disabled and activated.device == "Celular de Pedro"
    states = {(t.kind, t.state) for t in tokens_of(db, "prepara.demo")}
    assert (tokens.FISICO, tokens.INHABILITADO) in states
    assert (tokens.VIRTUAL, tokens.ACTIVO) in states
    assert [t.kind for t in tokens.active_tokens(db, fob.user_id)] == [tokens.VIRTUAL]
    assert events_of(db, "prepara.demo")[-2:] == [tv.EV_ENROLADO, tv.EV_INHABILITADO]
    assert shown(db, "prepara.demo", at(7)) == ts.ACTIVO

    # from now on only the virtual token's codes: the portal login ...
    with pytest.raises(LoginFailed):
        login(db, "prepara.demo", code=physical_code, now=at(8))
    login(db, "prepara.demo", code=totp.at(at(9)), now=at(9))
    # ... and every token prompt (a payment's «Aceptar y Confirmar», for one)
    portal = actor_at(db, "prepara.demo", at(10))
    enrollment_id = db.exec(select(Enrollment.id)).first()
    fob_code = security.code_at_step(security.decrypt_seed(fob.seed_encrypted),
                                     security.time_step(at(12)))
    with pytest.raises(DomainError) as exc:
        payments.pay_bills(db, portal, [(enrollment_id, 1, 1)], 1, fob_code, at(12))
    assert exc.value.message == payments.TOKEN_INVALID
    assert tokens.verify_code(db, fob.user_id, fob_code, at(12)) is None
    assert tokens.verify_code(db, fob.user_id, totp.at(at(12)), at(12)) is not None
    # the App session now rests on the new token
    session = db.get(LoginSession, app_user.session_id)
    assert session.token_id == tokens.active_tokens(db, fob.user_id)[0].id


def test_an_enrollment_lapses_after_ten_minutes(demo, db, admin, app_admin):
    ticket = release(db, admin, "prepara.demo", at(2))
    approve(db, app_admin, ticket.request_id, at(3))
    app_user = app_actor(db, "prepara.demo", at(4))
    started = enrollment.begin(db, app_user, "Celular", at(4))
    db.commit()
    late = at(4) + timedelta(minutes=10)
    with pytest.raises(DomainError) as exc:
        enrollment.deliver(db, app_user, started.ticket, late)
    assert exc.value.message == enrollment.NO_ENROLLMENT
    tv.expire_overdue(db, late)
    db.commit()
    lapsed = [t for t in tokens_of(db, "prepara.demo") if t.state == tokens.VENCIDO]
    assert len(lapsed) == 1 and lapsed[0].seed_encrypted is None


def test_a_second_enrollment_replaces_the_first(demo, db, admin, app_admin):
    ticket = release(db, admin, "prepara.demo", at(2))
    approve(db, app_admin, ticket.request_id, at(3))
    app_user = app_actor(db, "prepara.demo", at(4))
    first = enroll(db, app_user, at(4))
    second = enroll(db, app_user, at(5))
    assert first.secret != second.secret
    with pytest.raises(DomainError):
        enrollment.activate(db, app_user, first.at(at(6)), at(6))
    enrollment.activate(db, app_user, second.at(at(7)), at(7))
    db.commit()
    assert len(tokens.active_tokens(db, uid(db, "prepara.demo"))) == 1


def test_never_two_active_tokens_at_the_database(demo, db):
    user_id = uid(db, "prepara.demo")
    db.add(Token(user_id=user_id, kind=tokens.VIRTUAL, state=tokens.ACTIVO,
                 seed_encrypted=security.encrypt_seed(security.new_seed())))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


# 7. the App's login ---------------------------------------------------------------------------


def test_app_login_with_the_activation_code_once_and_within_ten_minutes(
        demo, db, admin, app_admin):
    ticket = release(db, admin, "autoriza.demo", at(2))
    code = approve(db, app_admin, ticket.request_id, at(3)).activation_code
    with pytest.raises(LoginFailed):  # wrong password: the code is not even looked at
        app_login(db, "autoriza.demo", code, password="Errada#1", now=at(4))
    result = app_login(db, "autoriza.demo", f"{code[:4]} {code[4:]}", now=at(4))
    session = db.exec(select(LoginSession).where(LoginSession.user_id == result.user_id,
                                                 LoginSession.channel == "app")).one()
    assert session.token_id is None
    with pytest.raises(LoginFailed):  # single use
        app_login(db, "autoriza.demo", code, now=at(5))
    assert events_of(db, "autoriza.demo")[-2:] == [tv.EV_LIBERADO, tv.EV_ACTIVACION_USADA]

    # a new release gives a new code; it dies after 10 minutes
    again = release(db, admin, "autoriza.demo", at(6))
    fresh = approve(db, app_admin, again.request_id, at(7)).activation_code
    with pytest.raises(LoginFailed):
        app_login(db, "autoriza.demo", fresh, now=at(7) + timedelta(minutes=10))


def test_the_activation_code_is_refused_while_the_user_has_an_active_token(demo, db, admin,
                                                                           app_admin):
    ticket = release(db, admin, "autoriza.demo", at(2))
    code = approve(db, app_admin, ticket.request_id, at(3)).activation_code
    user_id = uid(db, "autoriza.demo")
    fob = tokens_of(db, "autoriza.demo")[0]
    fob.state = tokens.ACTIVO  # say the bank gave the physical token back
    db.add(fob)
    db.commit()
    with pytest.raises(LoginFailed):
        app_login(db, "autoriza.demo", code, now=at(4))
    assert db.get(User, user_id).failed_attempts == 1


def test_app_login_failures_count_and_lock_like_the_portal(demo, db):
    for _ in range(5):
        with pytest.raises(LoginFailed) as exc:
            app_login(db, "prepara.demo", "000000", now=at(1))
    assert exc.value.message == auth.LOCKED
    with pytest.raises(LoginFailed) as exc:
        app_login(db, "prepara.demo", now=at(2))
    assert exc.value.message == auth.LOCKED
    with pytest.raises(LoginFailed) as exc:
        app_login(db, "nadie.aqui", "12345678", now=at(2))
    assert exc.value.message == auth.GENERIC_FAILURE


def test_an_app_session_never_opens_the_portal_and_vice_versa(demo, db):
    app = app_login(db, "prepara.demo", now=at(1))
    portal = login(db, "prepara.demo", now=at(2))
    with pytest.raises(SessionExpired):
        access.load_actor(db, app.session_token, now=at(3))
    with pytest.raises(SessionExpired):
        access.load_actor(db, portal.session_token, app=True, now=at(3))
    assert access.load_actor(db, app.session_token, app=True, now=at(3)).channel == access.APP


# 8. Consulta de Token ---------------------------------------------------------------------------


def test_history_lists_every_event_with_causal_who_when_and_channel(demo, db, admin, app_admin):
    ticket = release(db, admin, "autoriza.demo", at(2), "cambio_dispositivo")
    approve(db, app_admin, ticket.request_id, at(3))
    page = token_history.history(db, admin, uid(db, "autoriza.demo"))
    assert page.username == "autoriza.demo" and page.total == 5
    newest = page.rows[0]
    assert (newest.event, newest.kind, newest.reason, newest.by, newest.channel) == (
        "Liberación aprobada", "Virtual", "Cambio de dispositivo", "Ana María Rodríguez", "App")
    assert page.rows[1].event == "Liberación solicitada" and page.rows[1].channel == "Portal"
    assert [r.event for r in page.rows[2:]] == [
        "Enrolado en la App", "Token físico inhabilitado", "Token asignado"]
    assert page.rows[-1].by == "El Banco"
    small = token_history.history(db, admin, uid(db, "autoriza.demo"), page=99, page_size=10)
    assert small.page == 1
    name, rows = token_history.export_rows(db, admin, uid(db, "autoriza.demo"), "excel")
    assert name == "autoriza.demo" and len(rows) == 5


def test_history_follows_its_own_grant(demo, db):
    consulta = actor_at(db, "consulta.demo", at(0))
    with pytest.raises(AccessDenied):
        token_history.users(db, consulta)
    autoriza = actor_at(db, "autoriza.demo", at(1))  # granted Consulta de Token
    assert len(token_history.users(db, autoriza)) == 4
    with pytest.raises(AccessDenied):
        token_history.export_rows(db, autoriza, uid(db, "prepara.demo"), "borrar")


# 9. seeds never leave ------------------------------------------------------------------------------


def test_seeds_and_codes_never_reach_the_audit_or_the_history(demo, db, admin, app_admin,
                                                             caplog):
    caplog.set_level("DEBUG")
    ticket = release(db, admin, "autoriza.demo", at(2))
    code = approve(db, app_admin, ticket.request_id, at(3)).activation_code
    app_user = app_actor(db, "autoriza.demo", at(4), factor=code)
    totp = enroll(db, app_user, at(4))
    enrollment.activate(db, app_user, totp.at(at(5)), at(5))
    db.commit()
    secrets_seen = {totp.secret, totp.secret.lower(), code}
    texts = []
    for event in db.exec(select(AuditEvent)).all():
        texts += [event.target or "", event.before or "", event.after or ""]
    for event in db.exec(select(TokenEvent)).all():
        texts += [event.detail, event.reason]
    for request in db.exec(select(TokenRequest)).all():
        texts += [request.activation_hash or "", request.verification]
    texts.append(caplog.text)
    blob = "\n".join(texts)
    assert all(secret not in blob for secret in secrets_seen)
    # and the seed at rest is encrypted
    active = tokens.active_tokens(db, uid(db, "autoriza.demo"))[0]
    assert totp.secret.encode() not in active.seed_encrypted


def test_the_scheduler_sweep_expires_unauthorized_requests(demo, db, admin):
    from occireflex import scheduler

    ticket = release(db, admin, "prepara.demo", at(2))
    assert scheduler.expire_token_requests(at(2) + timedelta(minutes=5)) == 0
    assert scheduler.expire_token_requests(at(2) + timedelta(minutes=10, seconds=1)) == 1
    db.expire_all()
    assert db.get(TokenRequest, ticket.request_id).state == tv.R_EXPIRADA
    assert events_of(db, "prepara.demo")[-1] == tv.EV_EXPIRADO


def test_wrong_codes_at_token_prompts_count_and_lock_like_the_login(demo, db):
    """A hijacked session cannot guess token codes: 5 wrong ones lock the user and end
    the session; a right one resets the counter."""
    raw = login(db, "admin.demo", now=at(0)).session_token
    admin = access.load_actor(db, raw, now=at(0))
    prepara = uid(db, "prepara.demo")
    with pytest.raises(DomainError):
        ta.request_release(db, admin, prepara, "solo_semilla", "000000", at(1))
    assert db.get(User, admin.user_id).failed_attempts == 1
    release(db, admin, "prepara.demo", at(1))
    db.expire_all()
    assert db.get(User, admin.user_id).failed_attempts == 0
    messages = []
    for k in range(5):
        with pytest.raises(DomainError) as exc:
            ta.block(db, admin, uid(db, "autoriza.demo"), "perdida_robo", "999999", at(2 + k))
        messages.append(exc.value.message)
    assert messages[:4] == [auth.TOKEN_INVALID] * 4 and messages[4] == auth.TOKEN_LOCKED
    db.expire_all()
    assert db.get(User, admin.user_id).locked_at is not None
    with pytest.raises(SessionExpired):
        access.load_actor(db, raw, now=at(8))
    assert db.get(LoginSession, admin.session_id).end_reason == "usuario_bloqueado"  # at once
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "usuario_bloqueado_token")).one()
    assert shown(db, "autoriza.demo", at(8)) == ts.ACTIVO  # nothing was blocked


def test_an_administrator_cannot_block_their_own_token(demo, db):
    """It would leave them with no token at all: another administrator or the bank does it."""
    fob = tokens_of(db, "admin.demo")[0]
    fob.state = tokens.INHABILITADO
    db.add(fob)
    db.flush()
    db.add(Token(user_id=fob.user_id, kind=tokens.VIRTUAL, state=tokens.ACTIVO,
                 seed_encrypted=security.encrypt_seed(security.new_seed())))
    db.commit()
    admin = actor_at(db, "admin.demo", at(0))
    assert ta.token_row(db, admin, admin.user_id).actions == (ts.LIBERAR,)
    with pytest.raises(ts.InvalidTransition) as exc:
        ta.preview_change(db, admin, admin.user_id, ts.BLOQUEAR_ACCION, "perdida_robo", at(1))
    assert exc.value.message == ta.OWN_BLOCK
    with pytest.raises(ts.InvalidTransition) as exc:
        ta.block(db, admin, admin.user_id, "perdida_robo", code_for(db, "admin.demo", at(1)),
                 at(1))
    assert exc.value.message == ta.OWN_BLOCK
    assert shown(db, "admin.demo", at(2)) == ts.ACTIVO


def test_a_block_racing_an_activation_never_leaves_an_active_token(demo, engine, db, admin,
                                                                    app_admin):
    """Both serialize on the user: whichever comes first, the user ends blocked with no
    active virtual token (an activation that lost finds no enrollment)."""
    ticket = release(db, admin, "autoriza.demo", at(2))
    code = approve(db, app_admin, ticket.request_id, at(3)).activation_code
    user = app_actor(db, "autoriza.demo", at(4), factor=code)
    totp = enroll(db, user, at(4))
    outcomes: dict[str, str] = {}
    barrier = threading.Barrier(2)

    def run(name, call):
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                call(session)
                session.commit()
                outcomes[name] = "ok"
            except DomainError as exc:
                session.rollback()
                outcomes[name] = exc.message

    block_code = code_for(db, "admin.demo", at(5))
    threads = [
        threading.Thread(target=run, args=("block", lambda s: ta.block(
            s, admin, uid(db, "autoriza.demo"), "perdida_robo", block_code, at(5)))),
        threading.Thread(target=run, args=("activate", lambda s: enrollment.activate(
            s, user, totp.at(at(5)), at(5)))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes["block"] == "ok"
    assert outcomes["activate"] in ("ok", ts.BLOCKED_NO_ENROLL)
    assert tokens.active_tokens(db, uid(db, "autoriza.demo")) == []
    assert shown(db, "autoriza.demo", at(6)) == ts.BLOQUEADO


def test_a_confirmation_code_is_accepted_once(demo, db, admin):
    """Replay: the code that confirmed one change cannot confirm another."""
    code = code_for(db, "admin.demo", at(2))
    ta.request_release(db, admin, uid(db, "prepara.demo"), "solo_semilla", code, at(2))
    db.commit()
    with pytest.raises(DomainError) as exc:
        ta.request_release(db, admin, uid(db, "consulta.demo"), "solo_semilla", code, at(2))
    assert exc.value.message == auth.TOKEN_INVALID
    with pytest.raises(DomainError):
        ta.block(db, admin, uid(db, "autoriza.demo"), "perdida_robo", code, at(2))
    assert shown(db, "consulta.demo", at(3)) == ts.SIN_TOKEN
    assert shown(db, "autoriza.demo", at(3)) == ts.ACTIVO


def test_a_virtual_token_code_is_accepted_once_at_activation_and_login(demo, db, admin,
                                                                       app_admin):
    """The code that activated the new token cannot open the portal: its step is spent."""
    ticket = release(db, admin, "prepara.demo", at(2))
    approve(db, app_admin, ticket.request_id, at(3))
    user = app_actor(db, "prepara.demo", at(4))
    totp = enroll(db, user, at(4))
    enrollment.activate(db, user, totp.at(at(5)), at(5))
    db.commit()
    with pytest.raises(LoginFailed):
        login(db, "prepara.demo", code=totp.at(at(5)), now=at(5))
    login(db, "prepara.demo", code=totp.at(at(6)), now=at(6))
