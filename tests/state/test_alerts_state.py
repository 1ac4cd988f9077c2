"""Inscripción de Alertas and the bell through the state layer, as the browser calls them:
the table's checkboxes and «Guardar», the bell's count on page load, its notices and
«Marcar todas como leídas»; forged events (wrong types, unknown events, another user's
notices) change nothing, with the database as proof."""

from __future__ import annotations

import pytest
from sqlmodel import select

from occireflex import catalog
from occireflex.domain import alerts
from occireflex.models import AlertSubscription, PortalNotice, User
from occireflex.state.alerts import AlertBellState, AlertsState


def uid(db, username: str) -> int:
    return db.exec(select(User).where(User.username == username)).one().id


def rows(db) -> dict[tuple[int, str], tuple[bool, bool, bool]]:
    db.expire_all()
    return {(r.user_id, r.event): (r.by_email, r.by_sms, r.by_portal)
            for r in db.exec(select(AlertSubscription)).all()}


def unread(db, username: str) -> int:
    db.expire_all()
    return len(db.exec(select(PortalNotice).where(
        PortalNotice.user_id == uid(db, username), PortalNotice.read_at.is_(None))).all())


def test_any_user_chooses_their_alerts_and_saves_them(logged_in, db):
    b = logged_in("consulta.demo")  # a profile without the grant: it is self-service
    b.portal.guard(catalog.INSCRIPCION_ALERTAS)
    assert not b.portal.denied
    s = b.get(AlertsState)
    s.load()
    assert s.error == "" and [e["event"] for e in s.events] == list(alerts.EVENTS)
    assert s.chosen["pago-correo"] and s.chosen["pago-portal"] and not s.chosen["pago-sms"]
    s.toggle("ip_nueva", "sms", True)
    s.toggle("pago", "correo", False)
    s.save()
    assert s.message == alerts.SAVED and s.error == "", s.error
    me = uid(db, "consulta.demo")
    assert rows(db) == {(me, "ip_nueva"): (False, True, True), (me, "pago"): (False, False, True)}
    s.load()
    assert s.chosen["ip_nueva-sms"] and not s.chosen["pago-correo"]


def test_forged_toggles_and_saves_change_nothing_else(logged_in, db):
    s = logged_in("prepara.demo").get(AlertsState)
    s.load()
    before = dict(s.chosen)
    s.toggle("otro", "correo", True)  # an unknown event
    s.toggle("pago", "fax", True)  # an unknown channel
    s.toggle(7, ["correo"], True)  # wrong types
    s.toggle("pago-correo", "", True)
    s.toggle("pago", "sms", "true")  # not a boolean: unchecked
    assert s.chosen == before
    s.save()
    assert s.message == alerts.SAVED and rows(db) == {}  # nothing changed: nothing written
    s.toggle("token", "sms", True)
    s.save()
    assert rows(db) == {(uid(db, "prepara.demo"), "token"): (False, True, True)}


def test_the_bell_shows_and_marks_only_the_users_notices(logged_in, db):
    me, other = uid(db, "prepara.demo"), uid(db, "admin.otra")
    alerts.emit(db, [me, other], alerts.POR_AUTORIZAR, "Pendiente", "Autorice el pago 1")
    alerts.emit(db, [me, other], alerts.PAGO, "Pago", "Pago realizado")
    db.commit()
    b = logged_in("prepara.demo")
    b.portal.guard_home()
    assert b.portal.bell_count == 2
    bell = b.get(AlertBellState)
    bell.open_bell("no")  # a forged argument: nothing loaded
    assert bell.notices == []
    bell.open_bell(True)
    assert [n["text"] for n in bell.notices] == ["Pago realizado", "Autorice el pago 1"]
    assert all(n["unread"] == "1" for n in bell.notices)
    bell.read_all()
    assert b.portal.bell_count == 0 and all(n["unread"] == "" for n in bell.notices)
    assert unread(db, "prepara.demo") == 0 and unread(db, "admin.otra") == 2
    with pytest.raises(TypeError):  # Reflex refuses arguments the event does not take
        bell.read_all(str(other))
    assert unread(db, "admin.otra") == 2


def test_without_a_session_nothing_is_read_or_written(browser, db):
    alerts.emit(db, [uid(db, "prepara.demo")], alerts.PAGO, "Pago", "Pago realizado")
    db.commit()
    bell = browser.get(AlertBellState)
    bell.open_bell(True)
    bell.read_all()
    assert bell.notices == [] and unread(db, "prepara.demo") == 1
    s = browser.get(AlertsState)
    s.save()
    assert rows(db) == {}
