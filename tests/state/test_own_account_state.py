"""Administración > Usuarios > «Cambio de Clave e Imagen Propia» as the browser calls it,
forged calls included; the database is the proof (issue 13, points 4 and 7)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from occireflex import catalog
from occireflex.domain import own_account
from occireflex.domain.auth import TOKEN_INVALID
from occireflex.models import AuditEvent, OutboxMessage, PasswordHistory, User
from tests.helpers import DEMO_PASSWORD, code_for, login

ROUTE = catalog.SERVICES_BY_CODE[catalog.CAMBIO_CLAVE_IMAGEN].route
NEW = "tres tigres comen trigo en Cali"


def user_row(db, username: str) -> User:
    db.expire_all()
    return db.exec(select(User).where(User.username == username)).one()


def fresh_code(db, clock, username: str) -> str:
    """A code of the next time step (each code is accepted once)."""
    clock.advance(timedelta(seconds=31))
    return code_for(db, username, clock.now)


def own_page(logged_in, username: str):
    b = logged_in(username)
    b.navigate(ROUTE)
    assert b.portal.guard(catalog.CAMBIO_CLAVE_IMAGEN) is None and not b.portal.denied
    b.own_account.load()
    return b


def test_every_user_opens_it_with_the_current_image_marked(logged_in, db, pinned_clock):
    b = own_page(logged_in, "consulta.demo")  # Pruebas1 grants nothing of Administración
    assert b.own_account.current_image == "cafe" and b.own_account.image == ""
    assert catalog.CAMBIO_CLAVE_IMAGEN in b.portal.visible_services
    b.own_account.measure("password1")
    assert b.own_account.strength_label == "Muy débil"
    b.own_account.measure(NEW)
    assert b.own_account.strength >= 3
    b.own_account.measure(None)  # forged: the meter, nothing else
    assert b.own_account.strength == 0
    # a temporary password is sent to the first access instead
    user = user_row(db, "prepara.demo")
    user.password_temporary_until = pinned_clock.now + timedelta(hours=24)
    db.add(user)
    db.commit()
    temporary = logged_in("prepara.demo")
    temporary.navigate(ROUTE)
    assert "/primer-ingreso" in str(temporary.portal.guard(catalog.CAMBIO_CLAVE_IMAGEN))


def test_a_wrong_current_password_or_code_changes_nothing(logged_in, db, pinned_clock):
    b = own_page(logged_in, "admin.demo")
    before = user_row(db, "admin.demo").password_hash
    code = fresh_code(db, pinned_clock, "admin.demo")
    b.own_account.measure(NEW)
    b.own_account.change_password({"actual": "no es la clave", "nueva": NEW, "repetir": NEW,
                                   "token": code})
    assert b.own_account.password_error == own_account.WRONG_CURRENT
    assert b.own_account.password_message == "" and b.own_account.strength_label == ""
    b.own_account.change_password({"actual": DEMO_PASSWORD, "nueva": NEW, "repetir": NEW,
                                   "token": "000000"})
    assert b.own_account.password_error == TOKEN_INVALID
    for forged in (None, [], "x", {"actual": ["x"], "nueva": NEW}, {"nueva": {"a": 1}}):
        b.own_account.change_password(forged)
        assert b.own_account.password_error and b.own_account.password_message == ""
    assert user_row(db, "admin.demo").password_hash == before
    assert db.exec(select(PasswordHistory)).all() == []
    assert db.exec(select(OutboxMessage)).all() == []
    # the refusals before the token spent no code: the same one still confirms
    b.own_account.change_password({"actual": DEMO_PASSWORD, "nueva": NEW, "repetir": NEW,
                                   "token": code})
    assert b.own_account.password_error == ""


def test_a_change_writes_hash_history_audit_and_the_notice(logged_in, db, pinned_clock):
    b = own_page(logged_in, "admin.demo")
    before = user_row(db, "admin.demo").password_hash
    b.own_account.change_password({"actual": DEMO_PASSWORD, "nueva": NEW, "repetir": NEW,
                                   "token": fresh_code(db, pinned_clock, "admin.demo")})
    assert b.own_account.password_error == ""
    assert b.own_account.password_message.startswith("Su clave fue cambiada.")
    assert "aviso a su correo" in b.own_account.password_message
    user = user_row(db, "admin.demo")
    assert user.password_hash != before
    assert db.exec(select(PasswordHistory.password_hash)).all() == [before]
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "clave_cambiada")).one()
    assert (event.outcome, event.user_id, event.channel) == ("ok", user.id, "web")
    notice = db.exec(select(OutboxMessage)).one()
    assert (notice.kind, notice.user_id) == ("clave_cambiada", user.id)
    assert NEW not in notice.body and "desde el Portal Empresarial" in notice.body
    pinned_clock.advance(timedelta(seconds=31))
    assert login(db, "admin.demo", password=NEW).user_id == user.id


def test_the_image_comes_from_the_gallery_only(logged_in, db, pinned_clock):
    b = own_page(logged_in, "admin.demo")
    for forged in ("../../etc/passwd", "", None, ["sol"], "FARO"):
        b.own_account.choose_image(forged)
        assert b.own_account.image == ""
    b.own_account.change_image({"token": fresh_code(db, pinned_clock, "admin.demo")})
    assert b.own_account.image_error == own_account.UNKNOWN_IMAGE
    b.own_account.choose_image("sol")
    b.own_account.change_image({"token": "000000"})
    assert b.own_account.image_error == TOKEN_INVALID and b.own_account.current_image == "faro"
    assert user_row(db, "admin.demo").own_image == "faro"
    b.own_account.choose_image("sol")
    b.own_account.change_image({"token": fresh_code(db, pinned_clock, "admin.demo")})
    assert b.own_account.image_error == "" and b.own_account.image == ""
    assert b.own_account.current_image == "sol" and "imagen propia" in \
        b.own_account.image_message
    assert user_row(db, "admin.demo").own_image == "sol"
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "imagen_propia_cambiada",
                                             AuditEvent.outcome == "ok")).one()
    assert '"sol"' in event.after and '"faro"' in event.before


@pytest.mark.parametrize("username", ["admin.otra", "consulta.demo"])
def test_a_user_changes_their_own_account_only(logged_in, db, pinned_clock, username):
    """The functions act on the actor: no argument names another user, whatever the form
    holds (another company's administrator, or a colleague of the same company)."""
    target = user_row(db, "admin.demo")
    target_hash, target_id = target.password_hash, target.id
    mine = user_row(db, username)
    my_hash, my_id = mine.password_hash, mine.id
    b = own_page(logged_in, username)
    b.own_account.choose_image("luna")
    b.own_account.change_image({"token": fresh_code(db, pinned_clock, username),
                                "usuario": "admin.demo", "user_id": str(target_id)})
    b.own_account.change_password({"actual": DEMO_PASSWORD, "nueva": NEW, "repetir": NEW,
                                   "token": fresh_code(db, pinned_clock, username),
                                   "usuario": "admin.demo", "user_id": str(target_id)})
    assert b.own_account.password_error == b.own_account.image_error == ""
    after = user_row(db, "admin.demo")
    assert (after.password_hash, after.own_image) == (target_hash, "faro")
    changed = user_row(db, username)
    assert changed.own_image == "luna" and changed.password_hash != my_hash
    assert {m.user_id for m in db.exec(select(OutboxMessage)).all()} == {my_id}
