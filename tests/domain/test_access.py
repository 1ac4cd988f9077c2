"""Who may do what: grants from the database on every event, profiles, channels, denials
that are audited; favorites; balances with company isolation; money format."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete
from sqlmodel import Session, select

from occireflex import catalog
from occireflex.domain import access, favorites, money
from occireflex.domain.demo import DEMO_PROFILES
from occireflex.domain.errors import AccessDenied
from occireflex.domain.payments import accounts
from occireflex.models import Account, AuditEvent, Favorite, Grant, Profile, User
from tests.helpers import login

NOW = datetime(2026, 3, 2, 10, 0, 5, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)  # the module's data is built at NOW
SALDOS = accounts.BALANCES_SERVICE  # "consultas.saldos.por_producto", the built service
DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0 Safari/537.36"
IPHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
             "Version/17.0 Mobile/15E148 Safari/604.1")
ANDROID_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile"
ALL_GRANTS = frozenset((s.code, a) for s in catalog.SERVICES for a in s.actions)


# helpers ----------------------------------------------------------------------------------


def user_named(db: Session, username: str) -> User:
    return db.exec(select(User).where(User.username == username)).one()


def profile_named(db: Session, name: str, company_id: int | None = None) -> Profile:
    query = select(Profile).where(Profile.name == name)
    if company_id is not None:
        query = query.where(Profile.company_id == company_id)
    return db.exec(query).one()


def actor_for(db: Session, username: str, *, channel: str | None = None, user_agent: str = "",
              now: datetime = NOW) -> tuple[access.Actor, str]:
    raw = login(db, username, now=now).session_token
    actor = access.load_actor(db, raw, channel=channel, user_agent=user_agent, ip="10.3.3.3",
                              now=now)
    db.commit()
    return actor, raw


def reload(db: Session, raw: str, *, channel: str | None = None, minutes: int = 1
           ) -> access.Actor:
    actor = access.load_actor(db, raw, channel=channel, now=NOW + timedelta(minutes=minutes))
    db.commit()
    return actor


def remove_grants(db: Session, profile: Profile, service_code: str, *actions: str) -> None:
    query = delete(Grant).where(Grant.profile_id == profile.id, Grant.service_code == service_code)
    if actions:
        query = query.where(Grant.action_code.in_(actions))
    db.exec(query)
    db.commit()


def audit_rows(engine, action: str) -> list[AuditEvent]:
    with Session(engine) as other:
        return list(other.exec(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all())


def favorite_codes(engine, user_id: int) -> list[str]:
    with Session(engine) as other:
        return list(other.exec(
            select(Favorite.service_code).where(Favorite.user_id == user_id)).all())


# grants -----------------------------------------------------------------------------------


def test_admin_gets_every_catalog_grant(demo, db):
    assert access.grants_for(db, user_named(db, "admin.demo")) == ALL_GRANTS
    actor, _ = actor_for(db, "admin.demo")
    assert actor.is_admin and actor.grants == ALL_GRANTS
    assert actor.visible_services() == catalog.SERVICES
    assert actor.company_name == "Empresa Demo S.A.S."


def test_secondary_user_gets_exactly_its_profile_grants(demo, db):
    user = user_named(db, "prepara.demo")
    rows = db.exec(select(Grant.service_code, Grant.action_code)
                   .where(Grant.profile_id == user.profile_id)).all()
    expected = {(s.code, a) for s in catalog.SERVICES
                if s.code.startswith(("consultas", "transacciones")) for a in s.actions}
    assert set(rows) == expected
    assert access.grants_for(db, user) == expected
    actor, _ = actor_for(db, "prepara.demo")
    assert actor.grants == expected
    assert not actor.can("administracion.usuarios.perfiles")
    # beyond its profile, only what every user has on their own account
    assert {s.code for s in actor.visible_services() if s.module == "administracion"} == set(
        catalog.SELF_SERVICE)
    assert {s.module for s in actor.visible_services()} == {
        "consultas", "transacciones", "administracion"}
    # Rows that name no catalog service or action are ignored.
    db.add(Grant(profile_id=user.profile_id, service_code="no.existe", action_code="acceso"))
    db.add(Grant(profile_id=user.profile_id, service_code=SALDOS, action_code="borrar"))
    db.commit()
    assert access.grants_for(db, user) == expected


def test_own_account_service_is_every_users_but_not_during_first_access(demo, db):
    actor, _ = actor_for(db, "prepara.demo")
    assert (catalog.CAMBIO_CLAVE_IMAGEN, catalog.ACCESO) not in actor.grants
    assert actor.can(catalog.CAMBIO_CLAVE_IMAGEN)
    assert not actor.can(catalog.CAMBIO_CLAVE_IMAGEN, catalog.EXCEL)
    assert not replace(actor, must_change_password=True).can(catalog.CAMBIO_CLAVE_IMAGEN)


def test_inactive_or_foreign_profile_grants_nothing(demo, db):
    user = user_named(db, "consulta.demo")
    user.profile_id = profile_named(db, "Prueba reverso").id  # «Inactivo» in the demo
    db.add(user)
    db.commit()
    assert access.grants_for(db, user) == frozenset()
    actor, _ = actor_for(db, "consulta.demo")
    assert actor.grants == frozenset() and {s.code for s in actor.visible_services()} == set(
        catalog.SELF_SERVICE)
    # A profile of another company grants nothing either, however many grants it has.
    other = user_named(db, "opera.otra")
    other.profile_id = profile_named(db, "Autorizador todo").id  # Empresa Demo's
    db.add(other)
    db.commit()
    assert access.grants_for(db, other) == frozenset()


def test_profile_changes_are_seen_by_the_next_load_without_new_login(demo, db):
    actor, raw = actor_for(db, "consulta.demo")
    assert actor.can(SALDOS) and actor.can(SALDOS, catalog.EXCEL)
    profile = profile_named(db, "Pruebas1")
    remove_grants(db, profile, SALDOS, catalog.EXCEL)
    actor = reload(db, raw)
    assert actor.can(SALDOS) and not actor.can(SALDOS, catalog.EXCEL)
    db.add(Grant(profile_id=profile.id, service_code="ayudas.ayudas.manuales",
                 action_code=catalog.ACCESO))
    db.commit()
    actor = reload(db, raw, minutes=2)
    assert actor.can("ayudas.ayudas.manuales")
    profile.is_active = False  # «Inactivo»
    db.add(profile)
    db.commit()
    actor = reload(db, raw, minutes=3)
    assert actor.grants == frozenset() and not actor.can(SALDOS)


@pytest.mark.parametrize("user_agent, channel", [
    (IPHONE_UA, access.RESPONSIVE), (ANDROID_UA, access.RESPONSIVE),
    ("Opera/9.80 (J2ME/MIDP; Opera Mini/9.80) Presto/2.5", access.RESPONSIVE),
    (DESKTOP_UA, access.WEB), ("", access.WEB), (None, access.WEB),
])
def test_channel_from_user_agent(user_agent, channel):
    assert access.channel_from_user_agent(user_agent) == channel


def test_phone_shows_only_services_granted_for_responsive(demo, db):
    # Pruebas1 (consulta.demo) has no «Acceso Front Responsive» at all.
    web, raw = actor_for(db, "consulta.demo", user_agent=DESKTOP_UA)
    assert web.channel == access.WEB and SALDOS in {s.code for s in web.visible_services()}
    phone = access.load_actor(db, raw, user_agent=IPHONE_UA, now=NOW)
    assert phone.channel == access.RESPONSIVE
    own = set(catalog.SELF_SERVICE)  # every user's own account, on every channel
    assert {s.code for s in phone.visible_services()} == own and not phone.can(SALDOS)
    explicit = access.load_actor(db, raw, channel=access.RESPONSIVE, now=NOW)
    assert {s.code for s in explicit.visible_services()} == own
    # «Consulta Saldos» grants responsive on the Saldos services only.
    user = user_named(db, "consulta.demo")
    user.profile_id = profile_named(db, "Consulta Saldos").id
    db.add(user)
    db.commit()
    phone = reload(db, raw, channel=access.RESPONSIVE)
    assert {s.code for s in phone.visible_services()} == {
        "consultas.saldos.por_producto", "consultas.saldos.consolidados", *catalog.SELF_SERVICE}


def test_removing_the_responsive_grant_hides_the_service_on_the_phone_only(demo, db):
    actor, raw = actor_for(db, "prepara.demo", channel=access.RESPONSIVE)
    assert actor.can(SALDOS)
    remove_grants(db, profile_named(db, "Prepara y Autoriza"), SALDOS, catalog.RESPONSIVE)
    assert not reload(db, raw, channel=access.RESPONSIVE).can(SALDOS)
    assert reload(db, raw, channel=access.WEB).can(SALDOS)
    with pytest.raises(AccessDenied):
        accounts.balances(db, reload(db, raw, channel=access.RESPONSIVE))


def test_denied_operation_is_audited_and_survives_the_callers_rollback(demo, db):
    actor, _ = actor_for(db, "consulta.demo")
    with pytest.raises(AccessDenied) as exc:
        access.require(db, actor, "transacciones.pagos.nomina")
    assert exc.value.message == "No tiene permiso para realizar esta operación."
    db.rollback()
    (event,) = audit_rows(demo, "acceso_denegado")
    assert event.outcome == "denegado"
    assert event.target == "transacciones.pagos.nomina:acceso"
    assert event.user_id == actor.user_id and event.company_id == actor.company_id
    assert event.ip == "10.3.3.3"
    # Allowed operations leave no denial behind.
    access.require(db, actor, SALDOS, catalog.CONSULTAR)
    assert len(audit_rows(demo, "acceso_denegado")) == 1


def test_require_refuses_a_missing_actor_or_bad_arguments(demo, db):
    actor, _ = actor_for(db, "admin.demo")
    for who, service, action in ((None, SALDOS, catalog.ACCESO),
                                 ({"is_admin": True}, SALDOS, catalog.ACCESO),
                                 (actor, None, catalog.ACCESO),
                                 (actor, SALDOS, "borrar"),
                                 (actor, "no.existe", catalog.ACCESO)):
        with pytest.raises(AccessDenied):
            access.require(db, who, service, action)
    assert len(audit_rows(demo, "acceso_denegado")) == 3  # the three with a real actor


def test_denial_does_not_commit_the_callers_pending_changes(demo, db):
    actor, _ = actor_for(db, "consulta.demo")
    account = db.exec(select(Account).where(Account.number == "256034567")).one()
    account.available = 0  # work in progress of the operation about to be refused
    db.add(account)
    with pytest.raises(AccessDenied):
        access.require(db, actor, "transacciones.pagos.nomina")
    db.rollback()
    assert len(audit_rows(demo, "acceso_denegado")) == 1
    with Session(demo) as other:
        stored = other.exec(select(Account).where(Account.number == "256034567")).one()
    assert stored.available == 30243


# favorites --------------------------------------------------------------------------------


def test_star_and_unstar_a_granted_built_service(demo, db):
    actor, _ = actor_for(db, "consulta.demo")
    assert favorites.set_favorite(db, actor, SALDOS, True) is True
    assert favorites.set_favorite(db, actor, SALDOS, True) is True  # idempotent
    db.commit()
    assert favorite_codes(demo, actor.user_id) == [SALDOS]
    assert [s.code for s in favorites.list_favorites(db, actor)] == [SALDOS]
    assert favorites.set_favorite(db, actor, SALDOS, False) is False
    db.commit()
    assert favorite_codes(demo, actor.user_id) == []
    assert favorites.list_favorites(db, actor) == []
    assert [e.target for e in audit_rows(demo, "favorito_agregado")] == [SALDOS]
    assert [e.target for e in audit_rows(demo, "favorito_retirado")] == [SALDOS]


INVALID_FAVORITES = [
    ("consultas.saldos.consolidados", True),  # in the catalog and granted, but not built
    ("no.existe", True),
    (None, True),
    (42, True),
    (SALDOS, "true"),
    (SALDOS, 1),
    (SALDOS, None),
]


def test_invalid_favorite_is_refused(demo, db):
    actor, _ = actor_for(db, "admin.demo")
    for code, starred in INVALID_FAVORITES:
        with pytest.raises(AccessDenied) as exc:
            favorites.set_favorite(db, actor, code, starred)
        assert exc.value.message == "Servicio no válido.", (code, starred)
    db.commit()
    assert favorite_codes(demo, actor.user_id) == []
    events = audit_rows(demo, "acceso_denegado")
    assert len(events) == len(INVALID_FAVORITES)
    assert all(e.target.startswith("favorito:") and e.outcome == "denegado" for e in events)
    assert audit_rows(demo, "favorito_agregado") == []


def test_favorite_of_a_service_the_actor_may_not_open_is_refused(demo, db):
    other, _ = actor_for(db, "opera.otra")  # «Operativo» has no grants
    phone, _ = actor_for(db, "consulta.demo", channel=access.RESPONSIVE)  # no responsive grant
    for actor in (other, phone):
        with pytest.raises(AccessDenied) as exc:
            favorites.set_favorite(db, actor, SALDOS, True)
        assert exc.value.message == "No tiene permiso para realizar esta operación."
        db.commit()
        assert favorite_codes(demo, actor.user_id) == []
    assert [e.target for e in audit_rows(demo, "acceso_denegado")] == [f"favorito:{SALDOS}"] * 2


def test_favorites_hide_services_whose_grant_was_removed(demo, db):
    actor, raw = actor_for(db, "consulta.demo")
    favorites.set_favorite(db, actor, SALDOS, True)
    db.commit()
    remove_grants(db, profile_named(db, "Pruebas1"), SALDOS, catalog.ACCESO)
    actor = reload(db, raw)
    assert favorites.list_favorites(db, actor) == []
    assert favorite_codes(demo, actor.user_id) == [SALDOS]  # kept, only hidden
    db.add(Grant(profile_id=profile_named(db, "Pruebas1").id, service_code=SALDOS,
                 action_code=catalog.ACCESO))
    db.commit()
    assert [s.code for s in favorites.list_favorites(db, reload(db, raw, minutes=2))] == [SALDOS]


# accounts ---------------------------------------------------------------------------------


def _numbers(rows: list[accounts.BalanceRow]) -> list[str]:
    return [r.number for r in rows]


def test_balances_of_the_demo_company(demo, db):
    actor, _ = actor_for(db, "admin.demo")
    data = accounts.balances(db, actor)
    assert _numbers(data[accounts.CORRIENTE]) == ["256034567", "256098765"]
    assert data[accounts.AHORROS] == []
    main = data[accounts.CORRIENTE][0]
    assert (main.available, main.clearing, main.current) == (30243, 0, 30243)
    pagos = data[accounts.CORRIENTE][1]
    assert (pagos.available, pagos.clearing, pagos.current) == (
        8_500_000_000, 150_000_000, 8_650_000_000)


def test_balances_show_only_the_actors_company(demo, db):
    actor, _ = actor_for(db, "admin.otra")
    data = accounts.balances(db, actor)
    assert _numbers(data[accounts.CORRIENTE]) == ["256011111"]
    assert _numbers(data[accounts.AHORROS]) == ["456022222"]
    with Session(demo) as other:
        assert len(other.exec(select(Account)).all()) == 4  # the other two are Empresa Demo's


def test_balances_need_consultar_on_saldos_por_producto(demo, db):
    actor, raw = actor_for(db, "consulta.demo")
    assert _numbers(accounts.balances(db, actor)[accounts.CORRIENTE]) == [
        "256034567", "256098765"]
    remove_grants(db, profile_named(db, "Pruebas1"), SALDOS, catalog.CONSULTAR)
    actor = reload(db, raw)
    assert actor.can(SALDOS)  # may still open the page…
    with pytest.raises(AccessDenied):
        accounts.balances(db, actor)  # …but not read balances
    no_grants, _ = actor_for(db, "opera.otra")
    with pytest.raises(AccessDenied):
        accounts.balances(db, no_grants)
    targets = [e.target for e in audit_rows(demo, "acceso_denegado")]
    assert targets == [f"{SALDOS}:{catalog.CONSULTAR}"] * 2


@pytest.mark.parametrize("centavos, text", [
    (30243, "$302.43"),
    (850_000_000_000, "$8,500,000,000.00"),
    (0, "$0.00"),
    (5, "$0.05"),
    (100, "$1.00"),
    (-125_000_000, "-$1,250,000.00"),
    (-5, "-$0.05"),
    (-30243, "-$302.43"),
])
def test_format_money(centavos, text):
    assert money.format_money(centavos) == text


def test_demo_profiles_match_the_seed_table():
    """Guards the demo facts the tests above rely on."""
    by_name = {name: (active, grants) for name, _, active, _, grants in DEMO_PROFILES}
    assert by_name["Prueba reverso"][0] is False
    assert not any(a == catalog.RESPONSIVE for _, a in by_name["Pruebas1"][1])
    assert (SALDOS, catalog.CONSULTAR) in by_name["Pruebas1"][1]
