"""Administración de IP's through the state layer: the form, the confirmation with the
token, «Entiendo» before shutting out one's own address, the session that leaves the list
ended at its next event, forged events and a forged X-Forwarded-For, with the database as
proof."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from occireflex.domain import ip_rules
from occireflex.models import AuditEvent, IpRule, LoginSession, User
from occireflex.settings import settings
from occireflex.state.ip_rules import UNDERSTAND_FIRST, IpRulesState
from tests.helpers import code_for


def fresh_code(db, clock, username: str = "admin.demo") -> str:
    clock.advance(timedelta(seconds=31))
    return code_for(db, username, clock.now)


def rules(db) -> list[str]:
    db.expire_all()
    return [r.network for r in db.exec(select(IpRule).order_by(IpRule.id)).all()]


def test_add_validates_and_confirms_with_the_token(logged_in, db, pinned_clock):
    b = logged_in("admin.demo")
    s = b.get(IpRulesState)
    s.load()
    assert s.own_ip == "10.9.9.9" and s.total == 0
    assert {"id": "prepara.demo", "label": "prepara.demo"} in s.user_options
    s.set_network("10.9.9.1/16")
    s.ask_add()
    assert "bits de equipo" in s.error and "10.9.0.0/16" in s.error and not s.confirm_open
    s.set_network("10.9.0.0/16")
    s.set_channel("todos")  # not a channel: both
    s.set_description("Oficina principal")
    s.ask_add()
    assert s.confirm_open and not s.warn_self and "10.9.0.0/16 · Todos" in s.confirm_text
    s.confirm({"token": "000000"})
    assert "token no es válido" in s.dialog_error and rules(db) == []
    s.confirm({"token": fresh_code(db, pinned_clock)})
    assert s.message == "Se agregó la regla 10.9.0.0/16." and not s.confirm_open
    assert s.rows[0]["network"] == "10.9.0.0/16" and s.rows[0]["channel"] == "Portal y App"
    assert rules(db) == ["10.9.0.0/16"]
    s.confirm({"token": fresh_code(db, pinned_clock)})  # a replayed confirm: nothing more
    assert rules(db) == ["10.9.0.0/16"]
    s.ask_remove(s.rows[0]["id"])
    assert s.confirm_open and not s.warn_self
    s.confirm({"token": fresh_code(db, pinned_clock)})
    assert s.message == "Se eliminó la regla." and rules(db) == [] and s.total == 0


def test_shutting_out_ones_own_address_needs_entiendo_and_ends_the_session(
        logged_in, db, pinned_clock):
    b = logged_in("admin.demo")
    s = b.get(IpRulesState)
    s.load()
    s.set_network("190.24.0.0/16")
    s.set_channel(ip_rules.PORTAL)
    s.ask_add()
    assert s.confirm_open and s.warn_self
    s.confirm({"token": fresh_code(db, pinned_clock)})
    assert s.dialog_error == UNDERSTAND_FIRST and rules(db) == []
    s.set_understood(True)
    s.confirm({"token": fresh_code(db, pinned_clock)})
    assert rules(db) == ["190.24.0.0/16"], s.dialog_error
    # the next event from 10.9.9.9 ends the session, with the reason for the login page
    s.load()
    assert "no está autorizada" in s.notice
    ended = db.exec(select(LoginSession).where(LoginSession.end_reason == "ip_no_autorizada"))
    assert ended.first() is not None


def test_forged_events_of_a_secondary_user_and_of_another_company(logged_in, db, pinned_clock):
    admin = logged_in("admin.demo").get(IpRulesState)
    secondary = logged_in("consulta.demo").get(IpRulesState)
    other = logged_in("admin.otra").get(IpRulesState)
    admin.load()
    admin.set_network("10.9.0.0/16")
    admin.ask_add()
    admin.confirm({"token": fresh_code(db, pinned_clock)})
    rule_id = admin.rows[0]["id"]
    secondary.load()
    assert secondary.rows == [] and "permiso" in secondary.error
    secondary.ask_remove(rule_id)
    secondary.set_network("0.0.0.0/1")
    secondary.ask_add()
    secondary.confirm({"token": fresh_code(db, pinned_clock, "consulta.demo")})
    assert not secondary.confirm_open
    other.load()
    assert other.rows == [] and other.total == 0
    for forged in (rule_id, "1 OR 1=1", "-5", ""):
        other.ask_remove(forged)
        assert not other.confirm_open
    other.confirm({"token": fresh_code(db, pinned_clock, "admin.otra")})
    assert rules(db) == ["10.9.0.0/16"]
    other_user = db.exec(select(User).where(User.username == "admin.otra")).one()
    denied = db.exec(select(AuditEvent).where(AuditEvent.action == "acceso_denegado",
                                              AuditEvent.user_id == other_user.id)).all()
    assert any(e.target == f"iprule:{rule_id}" for e in denied)


def test_a_forged_forwarded_for_is_not_believed_beyond_the_trusted_hops(logged_in, db,
                                                                          pinned_clock):
    admin = logged_in("admin.demo").get(IpRulesState)
    outsider, inside, forged = (logged_in(name) for name in
                                ("prepara.demo", "autoriza.demo", "consulta.demo"))
    admin.load()
    admin.set_network("10.9.0.0/16")
    admin.ask_add()
    admin.confirm({"token": fresh_code(db, pinned_clock)})
    outsider.ip = "203.0.113.7"
    outsider.extra_headers = {"x-forwarded-for": "10.9.0.5"}  # written by the client
    outsider.navigate("/")
    s = outsider.get(IpRulesState)
    s.load()
    assert "no está autorizada" in s.notice
    # behind one trusted proxy, the entry it appended is the client's address
    object.__setattr__(settings, "trusted_proxy_hops", 1)
    try:
        inside.ip = "127.0.0.1"
        inside.extra_headers = {"x-forwarded-for": "203.0.113.7, 10.9.0.5"}
        inside.navigate("/")
        t = inside.get(IpRulesState)
        t.load()
        assert t.notice == "" and t.own_ip == "10.9.0.5"
        forged.ip = "127.0.0.1"
        forged.extra_headers = {"x-forwarded-for": "10.9.0.5, 203.0.113.7"}
        forged.navigate("/")
        u = forged.get(IpRulesState)
        u.load()
        assert "no está autorizada" in u.notice
    finally:
        object.__setattr__(settings, "trusted_proxy_hops", 0)
