"""«Cambiar Estado del Token Virtual» while a release waits (issue 16, point 5): the dialog
shows «Pendiente de autorización» with the number the App shows, where to authorize it,
and «Cancelar solicitud» with the administrator's token. Forged events change nothing:
the database is the proof."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import select

from occireflex.domain import tokens
from occireflex.domain.tokens import admin as token_admin
from occireflex.domain.tokens import states as ts
from occireflex.models import AuditEvent, Token, TokenRequest, User, utcnow
from occireflex.state.token_releases import PendingReleasesState
from tests.helpers import code_for


def uid(db, username: str) -> int:
    return db.exec(select(User).where(User.username == username)).one().id


def spare_code(db, username: str) -> str:
    """The active token's current code, its time step made unused again."""
    db.exec(update(Token).where(Token.user_id == uid(db, username), Token.state == tokens.ACTIVO)
            .values(last_step=None))
    db.commit()
    return code_for(db, username, utcnow())


def release(b, db, username: str) -> None:
    b.token_admin.load()
    b.token_admin.open_change(str(uid(db, username)))
    b.token_admin.set_action(ts.LIBERAR)
    b.token_admin.set_reason("solo_semilla")
    b.token_admin.continue_to_confirm()
    b.token_admin.confirm({"token": spare_code(db, "admin.demo")})
    assert b.token_admin.release_user == username, b.token_admin.dialog_error


def request_of(db, username: str) -> TokenRequest:
    db.expire_all()
    return db.exec(select(TokenRequest).where(TokenRequest.user_id == uid(db, username))
                   .order_by(TokenRequest.id.desc())).first()


def row_of(b, username: str) -> dict[str, str]:
    return next(r for r in b.token_admin.rows if r["username"] == username)


def test_a_pending_release_shows_its_number_and_is_cancelled_with_the_token(
        logged_in, in_app, db):
    b = logged_in("admin.demo")
    release(b, db, "prepara.demo")
    number = b.token_admin.release_verification
    assert row_of(b, "prepara.demo")["verification"] == number
    assert row_of(b, "autoriza.demo")["verification"] == ""

    b.token_admin.open_change(str(uid(db, "prepara.demo")))
    s = b.token_admin
    assert (s.stage, s.target_state, s.target_code) == (
        "elegir", "Pendiente de autorización", ts.PENDIENTE)
    assert (s.pending_verification, s.pending_reason, s.pending_app) == (
        number, "Solo liberación de semilla", True)
    assert s.pending_expires and s.target_actions == []
    s.ask_cancel()
    assert s.stage == "cancelar"
    s.confirm_cancel({"token": "000000"})
    assert s.dialog_error == token_admin.TOKEN_INVALID and s.stage == "cancelar"
    assert request_of(db, "prepara.demo").state == "pendiente"
    s.back()
    assert s.stage == "elegir"
    s.ask_cancel()
    event = s.confirm_cancel({"token": spare_code(db, "admin.demo")})
    assert s.dialog_error == "" and s.stage == ""
    assert s.message == ("Solicitud de liberación de prepara.demo cancelada. Su token virtual "
                         "quedó como estaba: Sin token.")
    assert s.release_user == ""  # the «registrada» notice is gone with it
    assert event is PendingReleasesState.load  # the list below refreshes
    request = request_of(db, "prepara.demo")
    assert (request.state, request.decided_by) == ("cancelada", uid(db, "admin.demo"))
    assert (row_of(b, "prepara.demo")["virtual_label"], row_of(b, "prepara.demo")[
        "verification"]) == ("Sin token", "")
    assert db.exec(select(AuditEvent).where(
        AuditEvent.action == "token_liberacion_cancelada")).one().target == "usuario:prepara.demo"
    # neither the portal's list nor the App offers it any more
    pending = b.get(PendingReleasesState)
    pending.load()
    assert pending.requests == []
    app = in_app("admin.demo", spare_code(db, "admin.demo"))
    app.approvals.load()
    assert app.approvals.requests == []
    app.approvals.decide(str(request.id), "autorizar")
    assert app.approvals.error == ts.NOT_PENDING
    assert request_of(db, "prepara.demo").state == "cancelada"


def test_a_pending_active_token_may_still_be_blocked_or_the_request_cancelled(logged_in, db):
    b = logged_in("admin.demo")
    release(b, db, "autoriza.demo")
    b.token_admin.open_change(str(uid(db, "autoriza.demo")))
    assert b.token_admin.target_actions == [ts.BLOQUEAR_ACCION]
    assert b.token_admin.pending_verification == b.token_admin.release_verification
    b.token_admin.ask_cancel()
    b.token_admin.confirm_cancel({"token": spare_code(db, "admin.demo")})
    assert b.token_admin.message.endswith("quedó como estaba: Activo.")
    assert request_of(db, "autoriza.demo").state == "cancelada"
    # a token without a pending release shows no panel and cannot reach the cancel step
    b.token_admin.open_change(str(uid(db, "autoriza.demo")))
    assert b.token_admin.pending_verification == "" and b.token_admin._cancel_id == 0
    b.token_admin.ask_cancel()
    assert b.token_admin.stage == "elegir"


def test_forged_cancel_events_change_nothing(logged_in, db):
    b = logged_in("admin.demo")
    release(b, db, "prepara.demo")
    s = b.token_admin
    # no dialog open: neither the step nor the confirmation does anything
    s.close()
    s.ask_cancel()
    assert s.stage == ""
    assert s.confirm_cancel({"token": spare_code(db, "admin.demo")}) is None
    assert request_of(db, "prepara.demo").state == "pendiente"
    # the confirmation of a Liberar/Bloquear never cancels, nor the cancel confirms them
    s.open_change(str(uid(db, "prepara.demo")))
    s.confirm({"token": spare_code(db, "admin.demo")})
    assert request_of(db, "prepara.demo").state == "pendiente"
    s.ask_cancel()
    for forged in (None, [], "x"):  # fewer than the attempts that lock the user
        s.confirm_cancel(forged)
        assert s.dialog_error == token_admin.TOKEN_INVALID and s.stage == "cancelar"
    assert request_of(db, "prepara.demo").state == "pendiente"
    assert db.exec(select(AuditEvent).where(
        AuditEvent.action == "token_liberacion_cancelada")).all() == []


def test_another_company_and_a_secondary_user_cannot_cancel(logged_in, db):
    release(logged_in("admin.demo"), db, "prepara.demo")
    request_id = request_of(db, "prepara.demo").id
    # the request id lives in a backend var the browser cannot set; forced here, the
    # domain still refuses
    for username, message in (("admin.otra", token_admin.REQUEST_NOT_FOUND),
                              ("autoriza.demo", token_admin.ADMIN_ONLY)):
        other = logged_in(username)
        other.token_admin.stage, other.token_admin._cancel_id = "cancelar", request_id
        other.token_admin.confirm_cancel({"token": spare_code(db, username)})
        assert other.token_admin.dialog_error == message
        # and opening the row never reveals the request
        other.token_admin.open_change(str(uid(db, "prepara.demo")))
        assert other.token_admin.pending_verification == ""
    assert request_of(db, "prepara.demo").state == "pendiente"
