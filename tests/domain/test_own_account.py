"""«Cambio de Clave e Imagen Propia» beyond the policy (tests/domain/test_passwords.py): the
notice «Su clave fue cambiada» written with the change (issue 13, point 7), the reads the
screens show, and a temporary password that opens only the first access."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from occireflex.domain import access, own_account, tokens
from occireflex.domain.bogota import local_moment
from occireflex.domain.errors import AccessDenied, ValidationError
from occireflex.models import AuditEvent, OutboxMessage, User
from tests.helpers import DEMO_PASSWORD, app_actor, code_for, login

NEW = "tres tigres comen trigo"


def _user(db, username="admin.demo") -> User:
    return db.exec(select(User).where(User.username == username)).one()


def _change(db, actor, clock, *, current=DEMO_PASSWORD, code=None) -> None:
    clock.advance(timedelta(seconds=31))
    own_account.change_own_password(db, actor, current, NEW, NEW,
                                    code or code_for(db, actor.username, clock.now))
    db.commit()


def test_a_changed_password_is_told_by_mail_without_the_password(demo, db, pinned_clock):
    actor = access.load_actor(db, login(db, "admin.demo").session_token)
    _change(db, actor, pinned_clock)
    message = db.exec(select(OutboxMessage)).one()
    assert (message.kind, message.subject, message.to_address, message.user_id) == (
        "clave_cambiada", "Su clave fue cambiada", "admin.demo@example.com", actor.user_id)
    body = message.body
    day, time = local_moment(pinned_clock.now).split()  # the pinned «now», in Bogotá
    assert f"el {day} a las {time} (hora de Bogotá)" in body
    assert "desde el Portal Empresarial" in body and "admin.demo" in body
    assert ("Si usted no hizo este cambio, comuníquese con el administrador de su empresa o "
            "con la Banca Empresarial") in body
    assert NEW not in body and DEMO_PASSWORD not in body and "tigres" not in body
    assert message.sent_at is None  # the sidecar sends it, never the event


def test_the_app_is_named_as_the_channel(demo, db, pinned_clock):
    actor = app_actor(db, "autoriza.demo", pinned_clock.now)
    _change(db, actor, pinned_clock)
    body = db.exec(select(OutboxMessage.body)).one()
    assert "desde la App Banco de Occidente Empresas" in body


def test_no_notice_without_a_change_or_without_an_address(demo, db, pinned_clock):
    actor = access.load_actor(db, login(db, "admin.demo").session_token)
    with pytest.raises(ValidationError):
        _change(db, actor, pinned_clock, current="no es la clave")
    db.rollback()
    with pytest.raises(ValidationError):
        _change(db, actor, pinned_clock, code="000000")
    db.rollback()
    assert db.exec(select(OutboxMessage)).all() == []
    user = _user(db)
    user.email = ""
    db.add(user)
    db.commit()
    _change(db, actor, pinned_clock)
    assert db.exec(select(OutboxMessage)).all() == []
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "clave_cambiada",
                                            AuditEvent.outcome == "ok")).one()


def test_the_screens_read_the_own_image_and_the_token_that_confirms(demo, db, pinned_clock):
    actor = access.load_actor(db, login(db, "admin.demo").session_token)
    assert own_account.current_image(db, actor) == "faro"
    assert own_account.token_kind(db, actor) == tokens.FISICO
    laura = app_actor(db, "autoriza.demo", pinned_clock.now)
    assert own_account.token_kind(db, laura) == tokens.VIRTUAL
    for token in tokens.active_tokens(db, laura.user_id):
        token.state = tokens.LIBERADO
        db.add(token)
    db.commit()
    assert own_account.token_kind(db, laura) == ""
    user = _user(db)
    user.own_image = ""  # a new user before the first access
    db.add(user)
    db.commit()
    assert own_account.current_image(db, actor) == ""


def test_a_temporary_password_changes_nothing_but_at_the_first_access(demo, db, pinned_clock):
    user = _user(db)
    user.password_temporary_until = pinned_clock.now + timedelta(hours=24)
    db.add(user)
    db.commit()
    actor = access.load_actor(db, login(db, "admin.demo").session_token)
    assert actor.must_change_password
    before = user.password_hash
    with pytest.raises(AccessDenied):
        _change(db, actor, pinned_clock)
    with pytest.raises(AccessDenied):
        own_account.change_own_image(db, actor, "sol", code_for(db, "admin.demo",
                                                                 pinned_clock.now))
    with pytest.raises(ValidationError, match="galería"):  # the first access's own checks
        own_account.complete_first_access(db, actor, NEW, NEW, "../x", "123456")
    db.expire_all()
    user = _user(db)
    assert (user.password_hash, user.own_image) == (before, "faro")
    assert user.password_temporary_until is not None
    assert len(db.exec(select(AuditEvent).where(
        AuditEvent.action == "acceso_denegado",
        AuditEvent.target == "administracion.usuarios.cambio_clave_imagen:acceso")).all()) == 2
    assert db.exec(select(OutboxMessage)).all() == []
