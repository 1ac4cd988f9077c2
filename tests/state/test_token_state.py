"""Token Virtual handlers as the browser calls them — forged calls included — in the
portal (Administración de Token, Consulta de Token) and in the App (login, enrollment,
authorizations); and the seed never in a public var."""

from __future__ import annotations

import json

import pyotp
import pytest
from sqlalchemy import update
from sqlmodel import select

from occireflex.domain import auth, sessions, tokens
from occireflex.domain.errors import DomainError
from occireflex.domain.tokens import admin as token_admin
from occireflex.domain.tokens import device as enrollment
from occireflex.domain.tokens import states as ts
from occireflex.domain.tokens import virtual as tv
from occireflex.models import AuditEvent, Token, TokenRequest, User, utcnow
from tests.helpers import code_for


def uid(db, username: str) -> int:
    return db.exec(select(User).where(User.username == username)).one().id


def spare_code(db, username: str) -> str:
    """The active token's current code, its time step made unused again (so one test can
    confirm several times without waiting 30 s per confirmation)."""
    db.exec(update(Token).where(Token.user_id == uid(db, username), Token.state == tokens.ACTIVO)
            .values(last_step=None))
    db.commit()
    return code_for(db, username, utcnow())


def release_in_portal(b, db, username: str, reason: str = "solo_semilla") -> None:
    b.token_admin.load()
    b.token_admin.open_change(str(uid(db, username)))
    b.token_admin.set_action(ts.LIBERAR)
    b.token_admin.set_reason(reason)
    b.token_admin.continue_to_confirm()
    assert b.token_admin.stage == "confirmar", b.token_admin.dialog_error
    b.token_admin.confirm({"token": spare_code(db, "admin.demo")})
    assert b.token_admin.stage == "" and b.token_admin.release_user == username


def pending_id(db, username: str) -> int:
    return db.exec(select(TokenRequest.id).where(
        TokenRequest.user_id == uid(db, username), TokenRequest.state == "pendiente")).one()


def test_the_administrator_releases_from_the_grid(logged_in, db):
    b = logged_in("admin.demo")
    b.token_admin.load()
    assert [r["username"] for r in b.token_admin.rows] == [
        "admin.demo", "autoriza.demo", "consulta.demo", "prepara.demo"]
    b.token_admin.open_change(str(uid(db, "prepara.demo")))
    assert b.token_admin.stage == "elegir" and b.token_admin.target_actions == [ts.LIBERAR]
    assert b.token_admin.action == ts.LIBERAR  # the only action allowed is preselected
    b.token_admin.set_reason("perdida_robo")  # another action's causal: ignored
    assert b.token_admin.reason == ""
    b.token_admin.continue_to_confirm()
    assert b.token_admin.dialog_error == "Seleccione la causal."
    b.token_admin.set_reason("cambio_dispositivo")
    assert {o["label"] for o in b.token_admin.reason_options} >= {"Cambio de dispositivo"}
    b.token_admin.continue_to_confirm()
    assert (b.token_admin.action_label, b.token_admin.reason_label) == (
        "Liberar", "Cambio de dispositivo")
    b.token_admin.confirm({"token": "000000"})
    assert b.token_admin.dialog_error == token_admin.TOKEN_INVALID
    assert db.exec(select(TokenRequest)).all() == []
    b.token_admin.confirm({"token": spare_code(db, "admin.demo")})
    assert b.token_admin.release_user == "prepara.demo"
    assert len(b.token_admin.release_verification) == 2
    row = next(r for r in b.token_admin.rows if r["username"] == "prepara.demo")
    assert row["virtual_label"] == "Pendiente de autorización"


def test_block_from_the_grid_ends_the_users_sessions(logged_in, db):
    user = logged_in("autoriza.demo")
    user.portal.guard_home()
    assert user.portal.ready
    b = logged_in("admin.demo")
    b.token_admin.load()
    b.token_admin.open_change(str(uid(db, "autoriza.demo")))
    b.token_admin.set_action(ts.BLOQUEAR_ACCION)
    b.token_admin.set_reason("sospecha_fraude")
    b.token_admin.continue_to_confirm()
    b.token_admin.confirm({"token": spare_code(db, "admin.demo")})
    assert b.token_admin.message.startswith("Token virtual de autoriza.demo bloqueado")
    assert "1 sesión" in b.token_admin.message
    assert "/login" in str(user.portal.check_session())
    assert user.portal.notice == sessions.ENDED_MESSAGE


def test_a_secondary_user_is_refused_in_every_handler_and_audited(logged_in, db):
    b = logged_in("autoriza.demo")  # her profile grants the service: still refused
    b.token_admin.load()
    assert b.token_admin.rows == [] and b.token_admin.error == token_admin.ADMIN_ONLY
    b.token_admin.open_change(str(uid(db, "prepara.demo")))
    assert b.token_admin.stage == "" and b.token_admin.error == token_admin.ADMIN_ONLY
    # even with the dialog forced open on a target, the domain refuses
    b.token_admin.stage, b.token_admin._target_id = "confirmar", uid(db, "prepara.demo")
    b.token_admin.action, b.token_admin.reason = ts.LIBERAR, "solo_semilla"
    b.token_admin.confirm({"token": spare_code(db, "autoriza.demo")})
    assert b.token_admin.dialog_error == token_admin.ADMIN_ONLY
    b.portal.guard(token_admin.SERVICE)
    assert b.portal.denied
    assert token_admin.SERVICE not in b.portal.visible_services
    assert db.exec(select(TokenRequest)).all() == []
    denied = db.exec(select(AuditEvent).where(AuditEvent.action == "acceso_denegado",
                                              AuditEvent.user_id == uid(db, "autoriza.demo"))
                     ).all()
    assert len(denied) >= 4


@pytest.mark.parametrize("forged", ["abc", "-1", "", None, 10**30, [1], {"id": 1}, True])
def test_forged_arguments_never_crash_or_change_anything(logged_in, db, forged):
    b = logged_in("admin.demo")
    b.token_admin.load()
    b.token_admin.open_change(forged)
    assert b.token_admin.stage == "" and b.token_admin.error
    b.token_admin.set_action(forged)
    b.token_admin.set_reason(forged)
    b.token_admin.confirm(forged)  # no dialog open: nothing happens
    b.token_admin.go_to_page(forged)
    b.token_admin.set_search(forged)
    assert b.token_admin.page == 1
    assert db.exec(select(TokenRequest)).all() == []


def test_another_companys_user_is_refused(logged_in, db):
    b = logged_in("admin.otra")
    b.token_admin.open_change(str(uid(db, "prepara.demo")))
    assert b.token_admin.error == tv.USER_NOT_FOUND and b.token_admin.stage == ""


def test_an_app_session_never_opens_the_portal(in_app, db):
    b = in_app("admin.demo")
    b.set_sid(b.app_sid)  # the App's session id placed in the portal's cookie
    b.token_admin.load()
    assert "/login" in str(b.portal.guard_home()) and not b.portal.ready


# the App ----------------------------------------------------------------------------------


def test_app_login_handles_forged_forms_with_one_message(browser, db):
    for forged in (None, [], "x", {"usuario": ["admin.demo"]}, {"usuario": "admin.demo",
                                                                "clave": 5, "factor": None}):
        browser.app.login(forged)
        assert browser.app.login_error == auth.GENERIC_FAILURE and not browser.app.ready
    browser.app.login({"usuario": "admin.demo", "clave": "Demo2026*",
                       "factor": code_for(db, "admin.demo", utcnow())})
    browser.run_command(browser.app)  # the page trades the ticket for the App's cookie
    browser.app.open_home()
    assert browser.app.ready and browser.app.is_admin
    assert [t["label"] for t in browser.app.tiles] == [
        "Token Virtual", "Autorizaciones pendientes", "Saldos", "Transacciones Realizadas",
        "Cambio de Clave"]
    browser.set_sid(browser.app_sid)
    assert browser.portal._actor() is None  # the portal refuses it


def test_app_tiles_follow_acceso_app(in_app):
    b = in_app("consulta.demo")  # Pruebas1: Saldos and Transacciones with «Acceso App»
    b.app.open_home()
    assert [t["label"] for t in b.app.tiles] == ["Token Virtual", "Saldos",
                                                  "Transacciones Realizadas", "Cambio de Clave"]
    b.approvals.load()
    assert b.approvals.requests == [] and b.approvals.error == token_admin.ADMIN_ONLY
    b.app_balances.load()
    assert [r["number"] for r in b.app_balances.checking] == ["*****4567", "*****8765"]
    b.app_transactions.load()
    assert b.app_transactions.error == ""


def test_app_services_without_acceso_app_are_refused(in_app, db):
    from occireflex.models import Grant, Profile

    profile = db.exec(select(Profile).where(Profile.name == "Pruebas1")).one()
    for grant in db.exec(select(Grant).where(Grant.profile_id == profile.id,
                                             Grant.action_code == "app")).all():
        db.delete(grant)
    db.commit()
    b = in_app("consulta.demo")
    b.app.open_home()
    # the own password is every user's, whatever the profile
    assert [t["label"] for t in b.app.tiles] == ["Token Virtual", "Cambio de Clave"]
    b.app_balances.load()
    assert b.app_balances.checking == [] and "permiso" in b.app_balances.error
    b.app_transactions.open_detail("1")
    assert "permiso" in b.app_transactions.error


def test_approvals_in_the_app_with_forged_calls(logged_in, in_app, db):
    release_in_portal(logged_in("admin.demo"), db, "autoriza.demo", "cambio_dispositivo")
    b = in_app("admin.demo", spare_code(db, "admin.demo"))
    b.approvals.load()
    assert [(r["username"], r["reason"]) for r in b.approvals.requests] == [
        ("autoriza.demo", "Cambio de dispositivo")]
    request_id = b.approvals.requests[0]["id"]
    b.approvals.ask("999999", "autorizar")  # not on the screen: ignored
    b.approvals.ask(request_id, "borrar")
    assert b.approvals.confirm_id == 0
    for forged_id in ("999999", "abc", None, -4, [1]):
        b.approvals.decide(forged_id, "autorizar")
        assert b.approvals.error and b.approvals.done_message == ""
    b.approvals.decide(request_id, "borrar")
    assert b.approvals.error == "Seleccione autorizar o rechazar."
    assert db.get(TokenRequest, int(request_id)).state == "pendiente"
    b.approvals.ask(request_id, "autorizar")
    assert b.approvals.confirm_name == "Laura Martínez"
    b.approvals.decide(b.approvals.confirm_id, b.approvals.confirm_verb)
    assert b.approvals.done_message.startswith("Liberación autorizada")
    assert len(b.approvals.done_code) == 8 and b.approvals.requests == []
    code = b.approvals.done_code
    b.approvals.decide(request_id, "autorizar")  # approve twice
    assert b.approvals.error == ts.NOT_PENDING
    b.approvals.dismiss()
    assert b.approvals.done_code == ""
    # another company's administrator cannot decide it either
    theirs = in_app("admin.otra")
    theirs.approvals.decide(request_id, "rechazar")
    assert theirs.approvals.error == token_admin.REQUEST_NOT_FOUND
    # the activation code opens the App once for the released user
    user = in_app("autoriza.demo", code)
    user.app.open_home()
    assert user.app.ready and user.app.user_name == "Laura Martínez"


def deliver(b, ticket: str):
    """What the page's script does with the ticket: the one-time hand-over route."""
    from occireflex import api

    return api._deliver(b.app_sid, ticket, "10.9.9.9", "pytest")


def enroll_ticket(b) -> str:
    """The ticket in ``occiApp.enroll(ticket, user)``, the command the handler gives."""
    command = b.command(b.app_token)
    assert command["name"] == "enroll"
    return command["args"][0]


def test_enrollment_in_the_app_and_the_seed_never_in_a_public_var(logged_in, in_app, db):
    release_in_portal(logged_in("admin.demo"), db, "prepara.demo")
    admin_app = in_app("admin.demo", spare_code(db, "admin.demo"))
    admin_app.approvals.load()
    admin_app.approvals.decide(admin_app.approvals.requests[0]["id"], "autorizar")
    b = in_app("prepara.demo")
    b.app_token.load()
    assert b.app_token.virtual_label == "Liberado" and b.app_token.can_enroll
    for forged in (None, [], {"dispositivo": ["x"]}, {"dispositivo": ""}):
        assert b.app_token.start(forged) is None and b.app_token.error
    event = b.app_token.start({"dispositivo": "Celular de Pedro"})
    assert b.app_token.phase == "enrolando"
    ticket = enroll_ticket(b)
    provisioning = deliver(b, ticket)
    seed = pyotp.parse_uri(provisioning["uri"]).secret
    assert provisioning["secret"] == seed and "<svg" in provisioning["qr"]
    assert seed not in str(event) + b.app_token.command  # the ticket only, never the seed
    with pytest.raises(DomainError) as exc:
        deliver(b, ticket)  # shown once
    assert exc.value.message == enrollment.SHOWN_ONCE
    b.app_token.activate({"codigo": "12"})
    assert b.app_token.error
    b.app_token.activate({"codigo": pyotp.TOTP(seed).at(utcnow())})
    assert b.app_token.virtual_label == "Activo" and "inhabilitado" in b.app_token.message
    assert b.app_token.physical == "Inhabilitado"
    # no public var of any state holds the seed (or the ticket)
    everything = json.dumps(b.root.dict(), default=str)
    assert seed not in everything and ticket not in everything
    assert seed not in json.dumps(admin_app.root.dict(), default=str)


def test_enrollment_refused_without_release_and_from_the_portal(in_app, logged_in, db):
    portal = logged_in("consulta.demo")
    b = in_app("consulta.demo", spare_code(db, "consulta.demo"))
    b.app_token.load()
    assert not b.app_token.can_enroll and b.app_token.reason == ts.NOT_RELEASED
    b.app_token.start({"dispositivo": "Celular"})
    assert b.app_token.error == ts.NOT_RELEASED and b.app_token.phase == ""
    portal.set_app_sid(portal.sid)  # a portal session in the App's cookie
    assert "/app" in str(portal.app_token.load())


def test_the_device_keeps_its_seed_while_a_release_waits(logged_in, in_app, db):
    """A pending release does not stop the token: the App keeps showing its code."""
    user = in_app("autoriza.demo")
    assert user.app_token.load() is None and user.app_token.active
    release_in_portal(logged_in("admin.demo"), db, "autoriza.demo")
    assert user.app_token.load() is None
    assert user.command(user.app_token) == {}  # no «forget» command
    assert user.app_token.active and user.app_token.virtual_label == "Pendiente de autorización"
    admin = in_app("admin.demo", spare_code(db, "admin.demo"))
    admin.approvals.load()
    admin.approvals.decide(admin.approvals.requests[0]["id"], "autorizar")
    other = in_app("autoriza.demo", admin.approvals.done_code)
    other.app_token.load()  # released: the old seed is worthless on the device
    assert not other.app_token.active
    assert other.command(other.app_token) == {
        "id": other.command(other.app_token)["id"], "name": "forgetActive",
        "args": ["autoriza.demo"]}
