"""«Cancelar solicitud» (issue 16, point 5): the administrator withdraws a pending release
from the portal with their token; the user's token stays as it was. Forged calls (a
secondary user, another company, junk ids, a request no longer pending) are refused with
the database as proof, and never spend the administrator's code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from occireflex.domain import security, tokens
from occireflex.domain.errors import AccessDenied, ValidationError
from occireflex.domain.tokens import admin as ta
from occireflex.domain.tokens import portal_approval
from occireflex.domain.tokens import states as ts
from occireflex.domain.tokens import virtual as tv
from occireflex.models import AuditEvent, Token, TokenEvent, TokenRequest, User, utcnow
from tests.helpers import actor_at, app_actor, code_for


def at(steps: int) -> datetime:
    """A day ahead of the demo data, 5 s into a TOTP step, plus ``steps`` steps of 30 s."""
    t0 = (security.time_step(utcnow()) + 2880) * 30 + 5
    return datetime.fromtimestamp(t0, UTC) + timedelta(seconds=30 * steps)


def uid(db: Session, username: str) -> int:
    return db.exec(select(User).where(User.username == username)).one().id


def release(db, admin, username, now) -> ta.ReleaseTicket:
    ticket = ta.request_release(db, admin, uid(db, username), "cambio_dispositivo",
                                code_for(db, admin.username, now), now)
    db.commit()
    return ticket


def cancel(db, admin, request_id, now) -> str:
    username = portal_approval.cancel_request(db, admin, request_id,
                                              code_for(db, admin.username, now), now)
    db.commit()
    return username


def request_state(db, request_id: int) -> str:
    db.expire_all()
    return db.get(TokenRequest, request_id).state


def last_step(db, username: str) -> int | None:
    db.expire_all()
    return db.exec(select(Token).where(Token.user_id == uid(db, username),
                                       Token.state == tokens.ACTIVO)).first().last_step


def events_of(db, username: str) -> list[TokenEvent]:
    return list(db.exec(select(TokenEvent).where(TokenEvent.user_id == uid(db, username))
                        .order_by(TokenEvent.id)).all())


@pytest.fixture
def admin(demo, db):
    return actor_at(db, "admin.demo", at(0))


def test_cancel_withdraws_the_release_and_the_token_stays_as_it_was(demo, db, admin):
    seed_before = db.exec(select(Token).where(
        Token.user_id == uid(db, "autoriza.demo"), Token.state == tokens.ACTIVO)
        ).one().seed_encrypted
    for step, username, before in ((1, "prepara.demo", ts.SIN_TOKEN),
                                   (3, "autoriza.demo", ts.ACTIVO)):
        ticket = release(db, admin, username, at(step))
        assert tv.virtual_state(db, uid(db, username), at(step)).shown == ts.PENDIENTE
        assert cancel(db, admin, ticket.request_id, at(step + 1)) == username
        request = db.get(TokenRequest, ticket.request_id)
        assert (request.state, request.decided_by, request.decided_channel) == (
            tv.R_CANCELADA, admin.user_id, "web")
        assert request.decided_at.replace(tzinfo=None) == at(step + 1).replace(tzinfo=None)
        assert tv.virtual_state(db, uid(db, username), at(step + 1)).shown == before
        last = events_of(db, username)[-1]
        assert (last.event, last.actor_id, last.request_id, last.reason) == (
            tv.EV_CANCELADO, admin.user_id, ticket.request_id, "cambio_dispositivo")
    # autoriza.demo's virtual token is the same one, seed and all; prepara.demo's untouched
    assert [(t.kind, t.state) for t in db.exec(select(Token).where(
        Token.user_id == uid(db, "autoriza.demo")).order_by(Token.id)).all()] == [
        (tokens.FISICO, tokens.INHABILITADO), (tokens.VIRTUAL, tokens.ACTIVO)]
    assert db.exec(select(Token).where(Token.user_id == uid(db, "autoriza.demo"),
                                       Token.state == tokens.ACTIVO)
                   ).one().seed_encrypted == seed_before
    assert [(t.kind, t.state) for t in db.exec(select(Token).where(
        Token.user_id == uid(db, "prepara.demo"))).all()] == [(tokens.FISICO, tokens.ACTIVO)]
    audits = db.exec(select(AuditEvent).where(
        AuditEvent.action == "token_liberacion_cancelada").order_by(AuditEvent.id)).all()
    assert [(a.target, a.user_id, a.outcome) for a in audits] == [
        ("usuario:prepara.demo", admin.user_id, "ok"),
        ("usuario:autoriza.demo", admin.user_id, "ok")]
    assert ta.pending_requests(db, admin, at(5)) == []
    # Consulta de Token tells it; a new release may follow at once
    assert tv.EVENT_LABELS[tv.EV_CANCELADO] == "Solicitud cancelada"
    again = release(db, admin, "prepara.demo", at(6))
    assert request_state(db, again.request_id) == tv.R_PENDIENTE


def test_a_wrong_code_cancels_nothing_and_is_audited(demo, db, admin):
    ticket = release(db, admin, "prepara.demo", at(1))
    for code in ("000000", None, ["1"]):  # fewer than the attempts that lock the user
        with pytest.raises(ValidationError) as exc:
            portal_approval.cancel_request(db, admin, ticket.request_id, code, at(2))
        assert exc.value.message == ta.TOKEN_INVALID
    assert request_state(db, ticket.request_id) == tv.R_PENDIENTE
    assert db.exec(select(AuditEvent).where(
        AuditEvent.action == "token_liberacion_cancelada")).all() == []
    assert db.exec(select(AuditEvent).where(
        AuditEvent.action == "token_liberacion_token_rechazado",
        AuditEvent.outcome == "fallido")).all()


def test_a_secondary_user_and_another_company_are_refused(demo, db, admin):
    ticket = release(db, admin, "prepara.demo", at(1))
    autoriza = actor_at(db, "autoriza.demo", at(2))  # her profile grants the service
    with pytest.raises(AccessDenied) as exc:
        portal_approval.cancel_request(db, autoriza, ticket.request_id,
                                       code_for(db, "autoriza.demo", at(3)), at(3))
    assert exc.value.message == ta.ADMIN_ONLY
    other = actor_at(db, "admin.otra", at(2))
    with pytest.raises(AccessDenied) as exc:
        portal_approval.cancel_request(db, other, ticket.request_id,
                                       code_for(db, "admin.otra", at(3)), at(3))
    assert exc.value.message == ta.REQUEST_NOT_FOUND
    assert request_state(db, ticket.request_id) == tv.R_PENDIENTE
    denials = db.exec(select(AuditEvent).where(AuditEvent.action == "acceso_denegado",
                                               AuditEvent.user_id.in_(
                                                   [autoriza.user_id, other.user_id]))).all()
    assert len(denials) == 2
    # neither refused call spent its code
    assert last_step(db, "autoriza.demo") == security.time_step(at(2))
    assert last_step(db, "admin.otra") == security.time_step(at(2))


@pytest.mark.parametrize("forged", [None, "1", -1, 0, True, 2**70, 1.0, [1], {"id": 1}, "x"])
def test_forged_request_ids_are_refused(demo, db, admin, forged):
    ticket = release(db, admin, "prepara.demo", at(1))
    with pytest.raises(AccessDenied) as exc:
        portal_approval.cancel_request(db, admin, forged, code_for(db, "admin.demo", at(2)),
                                       at(2))
    assert exc.value.message == ta.REQUEST_NOT_FOUND
    assert request_state(db, ticket.request_id) == tv.R_PENDIENTE
    assert last_step(db, "admin.demo") == security.time_step(at(1))


def test_a_block_request_is_not_a_release_to_cancel(demo, db, admin):
    ta.block(db, admin, uid(db, "autoriza.demo"), "perdida_robo",
             code_for(db, "admin.demo", at(1)), at(1))
    db.commit()
    block_id = db.exec(select(TokenRequest.id).where(TokenRequest.action == ts.BLOQUEAR_ACCION)
                       ).one()
    with pytest.raises(AccessDenied) as exc:
        cancel(db, admin, block_id, at(2))
    assert exc.value.message == ta.REQUEST_NOT_FOUND
    assert request_state(db, block_id) == tv.R_EJECUTADA


def test_a_request_no_longer_pending_is_refused_before_the_code(demo, db, admin):
    app_admin = app_actor(db, "admin.demo", at(1))
    approved = release(db, admin, "prepara.demo", at(2))
    ta.approve(db, app_admin, approved.request_id, at(3))
    db.commit()
    rejected = release(db, admin, "consulta.demo", at(4))
    ta.reject(db, app_admin, rejected.request_id, at(5))
    db.commit()
    cancelled = release(db, admin, "autoriza.demo", at(6))
    cancel(db, admin, cancelled.request_id, at(7))
    for ticket, state in ((approved, tv.R_APROBADA), (rejected, tv.R_RECHAZADA),
                          (cancelled, tv.R_CANCELADA)):
        with pytest.raises(ts.InvalidTransition) as exc:
            cancel(db, admin, ticket.request_id, at(8))
        assert exc.value.message == ts.NOT_PENDING
        assert request_state(db, ticket.request_id) == state
    assert last_step(db, "admin.demo") == security.time_step(at(7))  # no code spent
    assert len(db.exec(select(AuditEvent).where(
        AuditEvent.action == "token_liberacion_cancelada")).all()) == 1


def test_an_expired_request_cannot_be_cancelled(demo, db, admin):
    ticket = release(db, admin, "prepara.demo", at(1))
    late = at(1) + ta.REQUEST_TTL
    with pytest.raises(ts.InvalidTransition) as exc:
        cancel(db, admin, ticket.request_id, late)
    assert exc.value.message == ta.EXPIRED
    assert request_state(db, ticket.request_id) == tv.R_EXPIRADA
    assert events_of(db, "prepara.demo")[-1].event == tv.EV_EXPIRADO
    assert last_step(db, "admin.demo") == security.time_step(at(1))

