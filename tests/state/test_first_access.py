"""«Primer ingreso»: a user with a temporary password is sent to choose a new one and the
«imagen propia», and nothing else answers them until they do, forged events included."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from occireflex import catalog
from occireflex.models import AuditEvent, Enrollment, User
from tests.helpers import code_for, login

NEW = "tres tigres comen trigo en Cali"


def _temporary(db, now, username="admin.demo") -> User:
    user = db.exec(select(User).where(User.username == username)).one()
    user.password_temporary_until = now + timedelta(hours=24)
    db.add(user)
    db.commit()
    return user


def test_every_page_sends_the_user_to_the_first_access_and_forged_events_are_refused(
        logged_in, db, pinned_clock):
    _temporary(db, pinned_clock.now)
    b = logged_in("admin.demo")
    assert "/primer-ingreso" in str(b.portal.guard_home())
    b.navigate("/transacciones/pagos/servicios")
    assert "/primer-ingreso" in str(b.portal.guard(catalog.SERVICIOS_PUBLICOS))
    before = len(db.exec(select(Enrollment)).all())
    b.payments.load()  # forged: the grid's own on_load, without the guard
    assert b.payments.rows == [] and "permiso" in b.payments.error
    assert len(db.exec(select(Enrollment)).all()) == before
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "acceso_denegado",
                                            AuditEvent.target.like("transacciones%"))).first()


def test_choosing_password_and_image_opens_the_portal(logged_in, db, pinned_clock):
    user = _temporary(db, pinned_clock.now)
    b = logged_in("admin.demo")
    b.navigate("/primer-ingreso")
    b.first_access.load()
    assert b.first_access.user_name == "Ana María Rodríguez"
    b.first_access.measure("password1")
    assert b.first_access.strength_label == "Muy débil"
    b.first_access.measure(NEW)
    assert b.first_access.strength >= 3
    b.first_access.choose_image("../../secreto")
    assert b.first_access.image == ""
    b.first_access.choose_image("palmera")
    pinned_clock.advance(timedelta(seconds=31))
    code = code_for(db, "admin.demo", pinned_clock.now)
    b.first_access.save({"nueva": NEW, "repetir": "otra cosa", "token": code})
    assert "no coinciden" in b.first_access.error
    result = b.first_access.save({"nueva": NEW, "repetir": NEW, "token": code})
    assert "/" in str(result) and b.first_access.error == ""
    db.expire_all()
    user = db.get(User, user.id)
    assert user.password_temporary_until is None and user.own_image == "palmera"
    assert b.portal.guard_home() is None and b.portal.ready  # the portal opens now
    pinned_clock.advance(timedelta(seconds=31))
    assert login(db, "admin.demo", password=NEW).user_id == user.id


def test_a_user_without_a_temporary_password_is_sent_home_and_cannot_use_it(logged_in, db):
    b = logged_in("admin.demo")
    b.navigate("/primer-ingreso")
    assert "/" in str(b.first_access.load())
    b.first_access.choose_image("sol")
    b.first_access.save({"nueva": NEW, "repetir": NEW, "token": "123456"})
    assert "ya fue cambiada" in b.first_access.error
