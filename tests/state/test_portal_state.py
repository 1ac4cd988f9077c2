"""Portal shell handlers: guards, menus, favorites and balances, with forged calls."""

from __future__ import annotations

from sqlmodel import select

from occireflex import catalog
from occireflex.models import AuditEvent, Favorite, LoginSession
from tests.state.conftest import PHONE_UA

SALDOS = "consultas.saldos.por_producto"


def test_admin_sees_every_module(logged_in):
    b = logged_in("admin.demo")
    b.portal.guard_home()
    assert b.portal.ready
    assert set(b.portal.visible_modules) == {
        "consultas", "transacciones", "servicio_cliente", "administracion", "ayudas", "archivos"}
    assert b.portal.company_name == "Empresa Demo S.A.S."


def test_menus_follow_profile(logged_in):
    b = logged_in("consulta.demo")
    b.portal.guard_home()
    # its profile's module, and Administración for the own account (every user's)
    assert b.portal.visible_modules == ["administracion", "consultas"]
    assert SALDOS in b.portal.visible_services
    assert "consultas.saldos.consolidados" not in b.portal.visible_services
    assert "consultas|Saldos" in b.portal.visible_groups


def test_phone_shows_only_front_responsive_services(logged_in):
    b = logged_in("consulta.demo", user_agent=PHONE_UA)  # Pruebas1 has no «Front Responsive»
    b.portal.guard_home()
    assert b.portal.visible_services == sorted(catalog.SELF_SERVICE)
    admin = logged_in("admin.demo", user_agent=PHONE_UA)
    admin.portal.guard_home()
    assert SALDOS in admin.portal.visible_services and admin.portal.is_mobile_channel


def test_guard_without_grant_denies_and_audits(logged_in, db):
    b = logged_in("opera.otra")
    b.portal.guard(SALDOS)
    assert b.portal.denied
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "acceso_denegado")).one()
    assert event.outcome == "denegado" and SALDOS in event.target


def test_guard_with_forged_service_code_denies(logged_in):
    b = logged_in("admin.demo")
    b.portal.guard("administracion.usuarios.perfiles<script>")
    assert b.portal.denied
    b.portal.guard(SALDOS)
    assert not b.portal.denied


def test_guard_without_session_redirects_to_login(browser):
    assert "/login" in str(browser.portal.guard(SALDOS))
    assert not browser.portal.ready


def test_favorite_toggle_and_survives_new_state(logged_in, db):
    b = logged_in("consulta.demo")
    b.portal.guard(SALDOS)
    b.portal.toggle_favorite()
    assert b.portal.is_favorite
    assert [f["code"] for f in b.portal.favorite_links] == [SALDOS]
    assert db.exec(select(Favorite)).one().service_code == SALDOS
    b.portal.toggle_favorite()
    assert not b.portal.is_favorite and db.exec(select(Favorite)).first() is None


def test_forged_favorite_of_ungranted_service_is_refused(logged_in, db):
    b = logged_in("opera.otra")
    b.portal.guard(SALDOS)
    b.portal.service_code = SALDOS  # a tampered client cannot do more than this
    b.portal.toggle_favorite()
    assert db.exec(select(Favorite)).first() is None
    denials = db.exec(select(AuditEvent).where(AuditEvent.action == "acceso_denegado")).all()
    assert any("favorito" in e.target for e in denials)


def test_balances_are_company_scoped(logged_in):
    b = logged_in("admin.demo")
    b.balances.load_balances()
    assert [r["number"] for r in b.balances.checking] == ["256034567", "256098765"]
    assert b.balances.checking[0]["available"] == "$302.43"
    assert b.balances.savings == []
    other = logged_in("admin.otra")
    other.balances.load_balances()
    assert [r["number"] for r in other.balances.checking] == ["256011111"]
    assert [r["number"] for r in other.balances.savings] == ["456022222"]


def test_balances_refused_without_grant(logged_in):
    b = logged_in("opera.otra")
    b.balances.load_balances()
    assert not b.balances.balances_allowed and b.balances.checking == []


def test_logout_ends_session(logged_in, db):
    b = logged_in("admin.demo")
    b.portal.logout()
    assert b.command(b.portal)["name"] == "logout"
    row = db.exec(select(LoginSession)).one()
    db.refresh(row)
    assert row.ended_at is not None and row.end_reason == "cierre_usuario"
    assert "/login" in str(b.portal.guard_home())


def test_periodic_check_does_not_count_as_activity(logged_in, db):
    from datetime import timedelta

    b = logged_in("admin.demo")
    b.portal.guard_home()
    row = db.exec(select(LoginSession)).one()
    row.last_seen_at = row.last_seen_at - timedelta(minutes=10)
    db.add(row)
    db.commit()
    assert b.portal.check_session() is None  # still alive
    db.refresh(row)
    assert row.ended_at is None
    assert row.last_seen_at < row.created_at  # not touched by the check
    row.last_seen_at = row.last_seen_at - timedelta(minutes=6)
    db.add(row)
    db.commit()
    assert "/login" in str(b.portal.check_session())
    assert b.portal.notice.startswith("Su sesión terminó por inactividad")


def test_grant_removal_applies_at_next_event_without_new_login(logged_in, db):
    from occireflex.models import Grant, Profile

    b = logged_in("consulta.demo")
    b.portal.guard(SALDOS)
    assert not b.portal.denied and SALDOS in b.portal.visible_services
    profile = db.exec(select(Profile).where(Profile.name == "Pruebas1")).one()
    for grant in db.exec(select(Grant).where(Grant.profile_id == profile.id,
                                             Grant.service_code == SALDOS)).all():
        db.delete(grant)
    db.commit()
    b.balances.load_balances()  # any event
    assert b.portal.denied and SALDOS not in b.portal.visible_services
    assert b.balances.checking == []


def test_periodic_check_applies_profile_deactivation(logged_in, db):
    from occireflex.models import Profile

    b = logged_in("consulta.demo")
    b.portal.guard(SALDOS)
    profile = db.exec(select(Profile).where(Profile.name == "Pruebas1")).one()
    profile.is_active = False
    db.add(profile)
    db.commit()
    b.portal.check_session()
    assert b.portal.denied and b.portal.visible_modules == ["administracion"]


def test_a_reconnect_keeps_the_half_filled_form_a_new_visit_starts_clean(logged_in):
    # Reflex re-runs the page's on_load when the socket reconnects (another backend after
    # one died, a network blip): the inscription form being filled must survive that
    b = logged_in("admin.demo")

    def open_services():
        b.navigate("/transacciones/pagos/servicios")
        b.portal.guard("transacciones.pagos.servicios")
        b.payments.load()

    open_services()
    b.payments.open_form()
    b.payments.set_biller_search("acue")
    open_services()  # the reconnect: same page, same state
    assert b.payments.form_open and b.payments.biller_search == "acue"
    b.navigate("/")
    b.portal.guard_home()
    open_services()  # a new visit
    assert not b.payments.form_open
