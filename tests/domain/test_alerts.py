"""Inscripción de Alertas (issue 15 point 5): emit by subscription or the bank's default,
SMS stored by the outbox, the bell scoped to its user (forged ids change nothing), the
«pago programado para mañana» reminder once per payment with a pinned clock, and the hooks
of a login from a new IP and of a token blocked. Both databases (``engine`` fixture)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from occireflex import scheduler
from occireflex.domain import alerts, outbox
from occireflex.domain.errors import AccessDenied, ValidationError
from occireflex.domain.payments import billers
from occireflex.domain.payments.autopay import reminders
from occireflex.domain.tokens import admin as ta
from occireflex.models import (
    Account,
    AlertSubscription,
    AuditEvent,
    AutoPayRule,
    Biller,
    Enrollment,
    OutboxMessage,
    PortalNotice,
    User,
    utcnow,
)
from tests.helpers import actor_at, code_for, login

pytestmark = pytest.mark.clock("2026-12-15T09:00")  # never the day the suite runs


def uid(db: Session, username: str) -> int:
    return db.exec(select(User).where(User.username == username)).one().id


def outbox_of(db: Session, username: str) -> list[OutboxMessage]:
    db.expire_all()
    return list(db.exec(select(OutboxMessage).where(
        OutboxMessage.user_id == uid(db, username),
        OutboxMessage.kind.startswith("alerta_")).order_by(OutboxMessage.id)).all())


def notices_of(db: Session, username: str) -> list[PortalNotice]:
    db.expire_all()
    return list(db.exec(select(PortalNotice).where(
        PortalNotice.user_id == uid(db, username)).order_by(PortalNotice.id)).all())


def subscribe(db, username: str, event: str, correo: bool, sms: bool, portal: bool) -> None:
    db.add(AlertSubscription(user_id=uid(db, username), event=event, by_email=correo,
                             by_sms=sms, by_portal=portal))
    db.commit()


def test_defaults_without_a_subscription(demo, db):
    assert alerts.emit(db, [uid(db, "prepara.demo")], alerts.PAGO, "Pago", "Pagó") == 2
    assert alerts.emit(db, [uid(db, "prepara.demo")], alerts.TOKEN, "Token", "Bloqueado") == 1
    db.commit()
    (mail,) = outbox_of(db, "prepara.demo")
    assert (mail.channel, mail.kind, mail.to_address) == ("correo", "alerta_pago",
                                                          "prepara.demo@example.com")
    assert [n.event for n in notices_of(db, "prepara.demo")] == [alerts.PAGO, alerts.TOKEN]


def test_emit_follows_each_users_subscription(demo, db):
    subscribe(db, "prepara.demo", alerts.POR_AUTORIZAR, False, True, False)
    subscribe(db, "autoriza.demo", alerts.POR_AUTORIZAR, False, False, False)
    ids = [uid(db, "prepara.demo"), uid(db, "autoriza.demo"), uid(db, "admin.demo")]
    assert alerts.emit(db, ids, alerts.POR_AUTORIZAR, "Pendiente", "Autorice el pago") == 3
    db.commit()
    (sms,) = outbox_of(db, "prepara.demo")
    assert sms.channel == "sms" and sms.to_address == "3179100002"
    assert sms.body.startswith("BdO Empresas: Autorice") and len(sms.body) <= 160
    assert notices_of(db, "prepara.demo") == []
    assert outbox_of(db, "autoriza.demo") == [] and notices_of(db, "autoriza.demo") == []
    assert len(outbox_of(db, "admin.demo")) == 1 and len(notices_of(db, "admin.demo")) == 1


@pytest.mark.parametrize("ids, event", [
    ("1", alerts.PAGO), ([True, -1, "2"], alerts.PAGO), ([10**6], alerts.PAGO),
    ([1], "otro"), (None, alerts.PAGO)])
def test_emit_never_raises_for_bad_input(demo, db, ids, event):
    assert alerts.emit(db, ids, event, "x", "y") == 0
    assert db.exec(select(PortalNotice)).all() == []


def test_an_inactive_user_or_one_without_address_gets_what_it_can(demo, db):
    user = db.get(User, uid(db, "consulta.demo"))
    user.email, user.phone = "", ""
    db.add(user)
    subscribe(db, "consulta.demo", alerts.PAGO, True, True, True)
    assert alerts.emit(db, [user.id], alerts.PAGO, "Pago", "Pagó") == 1  # the bell only
    inactive = db.get(User, uid(db, "prepara.demo"))
    inactive.is_active = False
    db.add(inactive)
    assert alerts.emit(db, [inactive.id], alerts.PAGO, "Pago", "Pagó") == 0


def test_the_sms_is_stored_as_a_file_by_the_outbox(demo, db, tmp_path, monkeypatch):
    monkeypatch.setattr(outbox, "settings", dataclasses.replace(
        outbox.settings, smtp_url="", instance_dir=tmp_path))
    subscribe(db, "prepara.demo", alerts.TOKEN, False, True, False)
    alerts.emit(db, [uid(db, "prepara.demo")], alerts.TOKEN, "Token", "Su token fue bloqueado")
    db.commit()
    assert outbox.deliver_due(db, utcnow() + timedelta(seconds=1)).sent == 1
    (sms,) = outbox_of(db, "prepara.demo")
    stored = (tmp_path / "outbox" / "sms" / f"{sms.id:08d}.txt").read_text(encoding="utf-8")
    assert "Para: 3179100002" in stored and "Su token fue bloqueado" in stored
    assert sms.sent_at is not None and not list((tmp_path / "outbox").glob("*.eml"))


# Subscriptions of the current user ---------------------------------------------------------


def test_save_and_read_own_subscriptions_audited(demo, db):
    actor = actor_at(db, "consulta.demo", utcnow())  # any profile: a self-service
    choices = {c.event: c for c in alerts.subscriptions(db, actor)}
    assert choices[alerts.PAGO].correo and not choices[alerts.IP_NUEVA].correo
    saved = alerts.save(db, actor, {alerts.IP_NUEVA: {"correo": True, "sms": True,
                                                      "portal": False}})
    db.commit()
    assert [c for c in saved if c.event == alerts.IP_NUEVA][0].as_dict() == {
        "correo": True, "sms": True, "portal": False}
    (row,) = db.exec(select(AlertSubscription)).all()
    assert (row.user_id, row.by_email, row.by_sms, row.by_portal) == (actor.user_id, True, True,
                                                                      False)
    (event,) = db.exec(select(AuditEvent).where(AuditEvent.action == "alertas_actualizadas")).all()
    assert event.user_id == actor.user_id and '"ip_nueva"' in event.after
    alerts.save(db, actor, {alerts.IP_NUEVA: {"correo": True, "sms": True, "portal": False}})
    db.commit()  # nothing changed: no second audit event
    assert len(db.exec(select(AuditEvent).where(
        AuditEvent.action == "alertas_actualizadas")).all()) == 1


@pytest.mark.parametrize("values", [
    None, [], {}, {"otro": {"correo": True, "sms": False, "portal": True}},
    {alerts.PAGO: {"correo": "true", "sms": False, "portal": True}},
    {alerts.PAGO: {"correo": 1, "sms": False, "portal": True}},
    {alerts.PAGO: {"correo": True, "sms": False}},
    {alerts.PAGO: {"correo": True, "sms": False, "portal": True, "user_id": 1}}])
def test_forged_subscriptions_are_refused(demo, db, values):
    actor = actor_at(db, "prepara.demo", utcnow())
    with pytest.raises(ValidationError):
        alerts.save(db, actor, values)
    db.rollback()
    assert db.exec(select(AlertSubscription)).all() == []


def test_sms_needs_a_phone_and_a_forged_actor_is_refused(demo, db):
    actor = actor_at(db, "prepara.demo", utcnow())
    user = db.get(User, actor.user_id)
    user.phone = ""
    db.add(user)
    db.commit()
    with pytest.raises(ValidationError, match="celular"):
        alerts.save(db, actor, {alerts.PAGO: {"correo": True, "sms": True, "portal": True}})
    with pytest.raises(AccessDenied):
        alerts.subscriptions(db, object())
    with pytest.raises(AccessDenied):
        alerts.unread_count(db, None)


# The bell ----------------------------------------------------------------------------------


def test_the_bell_counts_lists_and_marks_only_its_users_notices(demo, db):
    mine = actor_at(db, "prepara.demo", utcnow())
    for text in ("uno", "dos"):
        alerts.emit(db, [mine.user_id, uid(db, "admin.otra")], alerts.PAGO, "Pago", text)
    db.commit()
    assert alerts.unread_count(db, mine) == 2
    assert [n.text for n in alerts.recent(db, mine)] == ["dos", "uno"]
    theirs = notices_of(db, "admin.otra")
    assert not alerts.mark_read(db, mine, theirs[0].id)  # another company's notice
    assert not alerts.mark_read(db, mine, str(theirs[0].id))
    assert alerts.mark_all_read(db, mine) == 2
    db.commit()
    assert alerts.unread_count(db, mine) == 0
    assert all(n.read_at is None for n in notices_of(db, "admin.otra"))
    assert all(n.read_at is not None for n in notices_of(db, "prepara.demo"))


# «Pago programado para mañana» ---------------------------------------------------------------


def _program(db, username: str) -> Enrollment:
    biller = db.exec(select(Biller).where(Biller.code == "1004")).one()  # Vanti
    payer = db.exec(select(Account).where(Account.number == "256098765")).one()
    enrollment = Enrollment(company_id=payer.company_id, biller_id=biller.id,
                            reference="55667788", alias="gas", account_id=payer.id)
    db.add(enrollment)
    db.flush()
    db.add(AutoPayRule(enrollment_id=enrollment.id, company_id=payer.company_id,
                       account_id=payer.id, days_before=2, max_amount=10**12,
                       start_on=date(2026, 1, 1), created_by=uid(db, username)))
    db.commit()
    return enrollment


@pytest.mark.clock("2026-12-13T08:00")
def test_the_reminder_comes_the_day_before_once(demo, db):
    # Vanti: issued 2026-12-03, due Thursday 12-17; two days before: Tuesday 12-15
    _program(db, "prepara.demo")
    billers.issue_due_bills(db, scheduler.parse_now("2026-12-13T08:00"))
    db.commit()
    assert reminders.remind_tomorrow(db, scheduler.parse_now("2026-12-13T09:00")) == 0
    assert reminders.remind_tomorrow(db, scheduler.parse_now("2026-12-14T07:00")) == 1
    (notice,) = notices_of(db, "prepara.demo")
    assert notice.event == alerts.PROGRAMADO_MANANA and "2026/12/15" in notice.text
    for again in ("2026-12-14T07:00", "2026-12-14T18:00", "2026-12-15T04:00Z"):
        assert reminders.remind_tomorrow(db, scheduler.parse_now(again)) == 0
    assert len(notices_of(db, "prepara.demo")) == 1
    assert notices_of(db, "admin.demo") == []
    (mark,) = db.exec(select(AuditEvent).where(AuditEvent.action == reminders.ACTION)).all()
    assert mark.channel == "sistema" and mark.target.startswith("factura:")


# Hooks ---------------------------------------------------------------------------------------


def test_a_login_from_a_new_ip_alerts_once_the_user_has_history(demo, db):
    now = utcnow()
    login(db, "prepara.demo", now=now, ip="10.0.0.1")  # the first login: nothing to compare
    assert notices_of(db, "prepara.demo") == []
    login(db, "prepara.demo", now=now + timedelta(seconds=30), ip="10.0.0.1")
    assert notices_of(db, "prepara.demo") == []
    login(db, "prepara.demo", now=now + timedelta(seconds=60), ip="192.0.2.77")
    (notice,) = notices_of(db, "prepara.demo")
    assert notice.event == alerts.IP_NUEVA and "192.0.2.77" in notice.text
    login(db, "prepara.demo", now=now + timedelta(seconds=90), ip="192.0.2.77")
    assert len(notices_of(db, "prepara.demo")) == 1


def test_a_blocked_token_alerts_its_user(demo, db):
    t0 = utcnow() + timedelta(days=1)
    admin = actor_at(db, "admin.demo", t0)
    at = t0 + timedelta(seconds=60)
    ta.block(db, admin, uid(db, "autoriza.demo"), "perdida_robo", code_for(db, "admin.demo", at),
             at)
    db.commit()
    (notice,) = notices_of(db, "autoriza.demo")
    assert notice.event == alerts.TOKEN and "bloqueado" in notice.text
    assert notices_of(db, "admin.demo") == []

