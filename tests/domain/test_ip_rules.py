"""Administración de IP's: parsing, matching, who and which channel a rule holds, login
refused from outside, a live session ended at its next event (the Actor cache hides
nothing), one's own address, forged events, the trusted hops and the bank's clear."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from occireflex import cli, clock
from occireflex.domain import access, backoffice, ip_admin, ip_rules, network
from occireflex.domain.demo import OTHER_NIT
from occireflex.domain.errors import AccessDenied, LoginFailed, SessionExpired, ValidationError
from occireflex.models import AuditEvent, Company, IpRule, IpRulesVersion, LoginSession, User
from tests.helpers import app_login, code_for, login, steps_apart

NOW = datetime(2026, 3, 2, 8, 0, 5, tzinfo=UTC)
OFFICE = "10.20.0.0/16"


# parsing and matching --------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("10.20.0.0/16", "10.20.0.0/16"), ("190.24.3.7", "190.24.3.7/32"),
    (" 2001:db8::/32 ", "2001:db8::/32"), ("2001:DB8::1", "2001:db8::1/128"),
    ("::ffff:10.1.2.3", "10.1.2.3/32"),
])
def test_addresses_and_ranges_are_read_canonically(raw, expected):
    assert str(ip_rules.parse_network(raw)) == expected


@pytest.mark.parametrize("raw, fragment", [
    ("", "Ingrese una dirección IP"), ("10.0.0.256", "no es una dirección IPv4 ni IPv6"),
    ("10.0.0.0/33", "para IPv4 va de /1 a /32"), ("2001:db8::/129", "para IPv6 va de /1 a /128"),
    ("10.0.0.1/24", "el rango es 10.0.0.0/24"), ("0.0.0.0/0", "/0 admite cualquier"),
    ("10.0.0.0/x", "«/x» no es válido"), ("hola", "«hola» no es una dirección"), (None, "Ingrese"),
])
def test_invalid_rules_say_what_is_wrong(raw, fragment):
    with pytest.raises(ValidationError) as refused:
        ip_rules.parse_network(raw)
    assert fragment in refused.value.message


def _rule(net: str, user_id: int | None = None, channel: str = ip_rules.BOTH, rule_id: int = 1):
    return ip_rules.Rule(rule_id, user_id, ip_rules.parse_network(net), channel)


def test_matching_v4_v6_and_ranges():
    rules = (_rule("10.20.0.0/16"), _rule("2001:db8::/32", rule_id=2), _rule("190.1.1.1", rule_id=3))
    allowed = ["10.20.255.1", "2001:db8:1::5", "190.1.1.1", "::ffff:10.20.0.9"]
    refused = ["10.21.0.1", "2001:db9::1", "190.1.1.2", "", "basura", "::1"]
    assert all(ip_rules.permits(rules, 5, ip_rules.PORTAL, ip) for ip in allowed)
    assert not any(ip_rules.permits(rules, 5, ip_rules.PORTAL, ip) for ip in refused)
    assert ip_rules.permits((), 5, ip_rules.PORTAL, "")  # no rules: any address


def test_a_users_own_rules_replace_the_company_wide_ones_and_channels_are_apart():
    rules = (_rule("10.20.0.0/16", channel=ip_rules.PORTAL),
             _rule("192.168.7.7", user_id=9, channel=ip_rules.PORTAL, rule_id=2),
             _rule("172.16.0.0/12", channel=ip_rules.APP, rule_id=3))
    assert ip_rules.permits(rules, 5, ip_rules.PORTAL, "10.20.1.1")
    assert not ip_rules.permits(rules, 9, ip_rules.PORTAL, "10.20.1.1")
    assert ip_rules.permits(rules, 9, ip_rules.PORTAL, "192.168.7.7")
    assert not ip_rules.permits(rules, 5, ip_rules.PORTAL, "192.168.7.7")
    assert ip_rules.permits(rules, 9, ip_rules.APP, "172.16.4.4")
    assert not ip_rules.permits(rules, 9, ip_rules.APP, "10.20.1.1")
    assert ip_rules.channel_kind("responsive") == ip_rules.PORTAL


# the trusted hops ------------------------------------------------------------------------

def test_forwarded_for_is_believed_only_as_far_as_the_trusted_hops():
    forged = "10.20.0.5, 203.0.113.9"  # the client wrote the first entry, nginx the last
    assert network.client_address("198.51.100.1", forged, hops=0) == "198.51.100.1"
    assert network.client_address("127.0.0.1", forged, hops=1) == "203.0.113.9"
    assert network.client_address("127.0.0.1", "1.1.1.1, 10.20.0.5, 203.0.113.9, 10.0.0.2",
                                  hops=2) == "203.0.113.9"
    # fewer entries than hops (not through every proxy) or garbage: the peer
    assert network.client_address("127.0.0.1", "203.0.113.9", hops=2) == "127.0.0.1"
    assert network.client_address("127.0.0.1", "10.0.0.1, no-es-ip", hops=1) == "127.0.0.1"
    assert network.client_address("::ffff:127.0.0.1", None, hops=1) == "127.0.0.1"
    assert network.client_address("127.0.0.1", "", hops=1) == "127.0.0.1"


def test_the_setting_is_the_default_number_of_hops():
    from occireflex.settings import settings

    object.__setattr__(settings, "trusted_proxy_hops", 1)
    try:
        assert network.client_address("127.0.0.1", "10.20.0.5, 203.0.113.9") == "203.0.113.9"
    finally:
        object.__setattr__(settings, "trusted_proxy_hops", 0)
    assert network.client_address("127.0.0.1", "10.20.0.5, 203.0.113.9") == "127.0.0.1"


# the administrator's changes ---------------------------------------------------------------

def _admin(db: Session, ip: str = "10.20.3.4", now: datetime = NOW):
    raw = login(db, "admin.demo", now=now, ip=ip).session_token
    return access.load_actor(db, raw, ip=ip, now=now), raw


def _add(db, actor, net, user="", channel=ip_rules.BOTH, at=NOW, understood=False):
    with clock.pinned(at):  # the token's code is checked at the business clock's «now»
        rule = ip_admin.add(db, actor, net, user, channel, "Oficina",
                            code_for(db, actor.username, at), understood=understood)
    db.commit()
    return rule


def _remove(db, actor, rule_id, at, understood=False):
    with clock.pinned(at):
        ip_admin.remove(db, actor, rule_id, code_for(db, actor.username, at),
                        understood=understood)
    db.commit()


def test_add_and_remove_are_confirmed_with_the_token_and_audited(demo, db):
    admin, _ = _admin(db)
    with pytest.raises(ValidationError):
        ip_admin.add(db, admin, OFFICE, "", ip_rules.BOTH, "Oficina", "000000")
    db.rollback()
    rule = _add(db, admin, OFFICE, at=steps_apart(NOW, 1))
    assert ip_admin.listing(db, admin) == ([{"id": str(rule.id), "network": OFFICE,
                                             "user": "Todos", "channel": "Portal y App",
                                             "description": "Oficina"}], 1)
    with pytest.raises(ValidationError, match="Ya existe una regla"):
        ip_admin.preview(db, admin, OFFICE, "", ip_rules.BOTH, "")
    _remove(db, admin, rule.id, steps_apart(NOW, 2))
    with Session(demo) as other:
        assert other.exec(select(IpRule)).all() == []
        assert other.exec(select(IpRulesVersion)).one().version == 2
        events = {e.action: e for e in other.exec(select(AuditEvent)).all()}
    assert OFFICE in events["ip_regla_creada"].after
    assert OFFICE in events["ip_regla_eliminada"].before
    assert events["ip_regla_creada"].ip == "10.20.3.4"


def test_a_rule_that_would_shut_out_ones_own_address_asks_for_entiendo(demo, db):
    admin, _ = _admin(db, ip="198.51.100.7")
    draft = ip_admin.preview(db, admin, OFFICE, "", ip_rules.PORTAL, "")
    assert draft.excludes_self
    assert not ip_admin.preview(db, admin, OFFICE, "", ip_rules.APP, "").excludes_self
    assert not ip_admin.preview(db, admin, OFFICE, "prepara.demo", ip_rules.PORTAL,
                                "").excludes_self
    with pytest.raises(ip_admin.OwnAddressExcluded) as refused:
        _add(db, admin, OFFICE, channel=ip_rules.PORTAL)
    assert "198.51.100.7" in refused.value.message
    db.rollback()
    with Session(demo) as other:
        assert other.exec(select(IpRule)).all() == []
    _add(db, admin, "198.51.100.0/24", channel=ip_rules.PORTAL, at=steps_apart(NOW, 1))
    rule = _add(db, admin, OFFICE, channel=ip_rules.PORTAL, at=steps_apart(NOW, 2))
    # removing the rule that admits oneself asks for it again
    own = db.exec(select(IpRule).where(IpRule.network == "198.51.100.0/24")).one()
    assert ip_admin.removal_excludes_self(db, admin, own.id)
    assert not ip_admin.removal_excludes_self(db, admin, rule.id)
    with pytest.raises(ip_admin.OwnAddressExcluded):
        _remove(db, admin, own.id, steps_apart(NOW, 3))


def test_login_from_outside_is_refused_with_the_reason(demo, db):
    admin, _ = _admin(db)
    _add(db, admin, OFFICE, channel=ip_rules.PORTAL, at=steps_apart(NOW, 1))
    later = steps_apart(NOW, 4)
    with pytest.raises(LoginFailed) as refused:
        login(db, "prepara.demo", now=later, ip="203.0.113.50")
    assert refused.value.message == ip_rules.REFUSED.format(ip="203.0.113.50")
    login(db, "prepara.demo", now=steps_apart(NOW, 6), ip="10.20.9.9")
    # the App has no rule: any address
    app_login(db, "prepara.demo", now=steps_apart(NOW, 8), ip="203.0.113.50")
    _add(db, admin, "172.16.0.0/12", channel=ip_rules.APP, at=steps_apart(NOW, 10))
    with pytest.raises(LoginFailed, match="no está autorizado"):
        app_login(db, "prepara.demo", now=steps_apart(NOW, 12), ip="203.0.113.50")
    with Session(demo) as other:
        denied = other.exec(select(AuditEvent).where(
            AuditEvent.action == "login_denegado")).all()
    assert [e.ip for e in denied] == ["203.0.113.50", "203.0.113.50"]
    assert all("ip no autorizada" in e.after for e in denied)


def test_per_user_rules_at_login(demo, db):
    admin, _ = _admin(db)
    _add(db, admin, "192.168.50.0/24", user="prepara.demo", at=steps_apart(NOW, 1))
    login(db, "prepara.demo", now=steps_apart(NOW, 3), ip="192.168.50.3")
    with pytest.raises(LoginFailed):
        login(db, "prepara.demo", now=steps_apart(NOW, 5), ip="10.20.3.4")
    login(db, "consulta.demo", now=steps_apart(NOW, 7), ip="10.99.3.4")  # no rule for them


def test_a_live_session_ends_at_its_next_event_when_the_rules_change(demo, db):
    """The cached Actor serves the event before the change; the change is seen at once."""
    admin, admin_raw = _admin(db)
    raw = login(db, "prepara.demo", now=NOW, ip="203.0.113.50").session_token
    first = access.load_actor(db, raw, ip="203.0.113.50", now=NOW)
    assert access.load_actor(db, raw, ip="203.0.113.50", now=NOW) is first  # cached
    _add(db, admin, OFFICE, channel=ip_rules.BOTH, at=steps_apart(NOW, 1))
    with pytest.raises(SessionExpired) as ended:
        access.load_actor(db, raw, ip="203.0.113.50", now=NOW + timedelta(seconds=40))
    assert "no está autorizada" in ended.value.message
    with Session(demo) as other:
        row = other.exec(select(LoginSession).where(LoginSession.ip == "203.0.113.50")).one()
    assert row.ended_at is not None and row.end_reason == "ip_no_autorizada"
    # the same message at a later event; the administrator, inside, keeps working
    with pytest.raises(SessionExpired, match="no está autorizada"):
        access.load_actor(db, raw, ip="10.20.0.1", now=NOW + timedelta(seconds=50))
    assert access.load_actor(db, admin_raw, ip="10.20.3.4", now=NOW + timedelta(seconds=50))


def test_a_cached_session_moving_to_another_address_ends(demo, db):
    admin, raw = _admin(db)
    _add(db, admin, OFFICE, at=steps_apart(NOW, 1))
    assert access.load_actor(db, raw, ip="10.20.3.4", now=NOW + timedelta(seconds=40))
    with pytest.raises(SessionExpired):
        access.load_actor(db, raw, ip="203.0.113.50", now=NOW + timedelta(seconds=45))


def test_a_secondary_user_without_the_grant_is_denied(demo, db):
    raw = login(db, "consulta.demo", now=NOW, ip="10.20.3.4").session_token
    actor = access.load_actor(db, raw, ip="10.20.3.4", now=NOW)
    assert not actor.can(ip_admin.SERVICE)
    for forged in (lambda: ip_admin.listing(db, actor),
                   lambda: ip_admin.add(db, actor, OFFICE, "", "ambos", "",
                                        code_for(db, "consulta.demo", NOW), understood=True),
                   lambda: ip_admin.remove(db, actor, 1, "000000", understood=True)):
        with pytest.raises(AccessDenied):
            forged()
    with Session(demo) as other:
        assert other.exec(select(IpRule)).all() == []
        denied = other.exec(select(AuditEvent).where(
            AuditEvent.action == "acceso_denegado")).all()
    assert len(denied) == 3


def test_another_companys_rule_or_user_cannot_be_touched(demo, db):
    admin, _ = _admin(db)
    rule = _add(db, admin, OFFICE, at=steps_apart(NOW, 1))
    raw = login(db, "admin.otra", now=steps_apart(NOW, 2), ip="10.20.3.4").session_token
    other_admin = access.load_actor(db, raw, ip="10.20.3.4", now=steps_apart(NOW, 2))
    assert ip_admin.listing(db, other_admin) == ([], 0)
    with pytest.raises(AccessDenied):
        _remove(db, other_admin, rule.id, steps_apart(NOW, 3), understood=True)
    with pytest.raises(AccessDenied):
        ip_admin.preview(db, other_admin, "10.30.0.0/16", "prepara.demo", "ambos", "")
    for forged in ("1; DROP", 2**70, True, None, -1):
        with pytest.raises(AccessDenied):
            ip_admin.remove(db, other_admin, forged, "000000", understood=True)
    with Session(demo) as other:
        assert [r.network for r in other.exec(select(IpRule)).all()] == [OFFICE]
        assert other.exec(select(IpRulesVersion)).one().version == 1


def test_the_bank_clears_a_companys_list(demo, db, capsys):
    admin, _ = _admin(db)
    _add(db, admin, OFFICE, at=steps_apart(NOW, 1))
    _add(db, admin, "2001:db8::/32", channel=ip_rules.APP, at=steps_apart(NOW, 2))
    demo_nit = db.get(Company, admin.company_id).nit
    assert cli.main(["ips", "limpiar", "--empresa", demo_nit]) == 0
    assert "Se eliminaron 2 reglas de IP" in capsys.readouterr().out
    with Session(demo) as other:
        assert other.exec(select(IpRule)).all() == []
        event = other.exec(select(AuditEvent).where(
            AuditEvent.action == "ip_reglas_limpiadas")).one()
    assert event.channel == "banco" and OFFICE in event.before
    # and the users may log in from anywhere again
    login(db, "prepara.demo", now=steps_apart(NOW, 4), ip="203.0.113.50")
    assert cli.main(["ips", "limpiar", "--empresa", "123"]) == 1
    assert backoffice.clear_ip_rules(db, OTHER_NIT).created is False


def test_a_user_of_the_company_only(demo, db):
    admin, _ = _admin(db)
    with pytest.raises(AccessDenied, match="no existe en su empresa"):
        ip_admin.preview(db, admin, OFFICE, "admin.otra", "ambos", "")
    with pytest.raises(ValidationError, match="canal"):
        ip_admin.preview(db, admin, OFFICE, "", "todos", "")
    with pytest.raises(ValidationError, match="80 caracteres"):
        ip_admin.preview(db, admin, OFFICE, "", "ambos", "x" * 81)
    assert db.exec(select(User).where(User.username == "admin.otra")).one()
