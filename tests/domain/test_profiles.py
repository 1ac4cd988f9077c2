"""Perfiles rules (issue 3): paging, names, token confirmation, versions, grants, isolation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from occireflex import catalog
from occireflex.domain import access, profiles
from occireflex.domain.errors import AccessDenied, ValidationError
from occireflex.models import AuditEvent, Grant, Profile, User, utcnow
from tests.helpers import code_for, login

SALDOS = "consultas.saldos.por_producto"


def actor_of(db, username, channel="web"):
    raw = login(db, username, now=utcnow() - timedelta(minutes=1),
                code=None).session_token
    return access.load_actor(db, raw, channel=channel)


@pytest.fixture
def admin(demo, db):
    return actor_of(db, "admin.demo")


def _profile(db, name):
    return db.exec(select(Profile).where(Profile.name == name)).one()


def _save(db, actor, profile_id, data, grants, *, version=None, offset=0):
    now = utcnow()
    code = code_for(db, actor.username, now, offset)
    pid = profiles.save_profile(db, actor, profile_id, version, data, grants, code, now)
    db.commit()
    return pid


def test_list_pages_in_sql_and_orders_by_name(admin, db):
    rows, total = profiles.list_profiles(db, admin, "", 1, 10)
    assert total == 12 and len(rows) == 10
    assert rows[0].name == "Auditoría Interna"
    rows2, _ = profiles.list_profiles(db, admin, "", 2, 10)
    assert len(rows2) == 2
    assert {r.name for r in rows} & {r.name for r in rows2} == set()
    assert profiles.list_profiles(db, admin, "", 1, 999)[0] == rows  # invalid size → 10


def test_search_is_case_and_accent_insensitive_and_escapes_wildcards(admin, db):
    names = {r.name for r in profiles.list_profiles(db, admin, "PRUEBA", 1, 50)[0]}
    assert names == {"Prueba reverso", "prueba support", "pruebas", "Pruebas1"}
    assert [r.name for r in profiles.list_profiles(db, admin, "auditoria", 1, 10)[0]] == [
        "Auditoría Interna"]
    assert profiles.list_profiles(db, admin, "%", 1, 10)[1] == 0


def test_dates_are_shown_as_in_seed(admin, db):
    rows, _ = profiles.list_profiles(db, admin, "Autorizador", 1, 10)
    assert rows[0].updated == "2024/11/06" and rows[0].is_active


def test_other_company_sees_only_its_profiles(demo, db):
    other = actor_of(db, "admin.otra")
    rows, total = profiles.list_profiles(db, other, "", 1, 10)
    assert total == 1 and rows[0].name == "Operativo"
    demo_profile = _profile(db, "Pruebas1")
    with pytest.raises(AccessDenied):
        profiles.get_profile(db, other, demo_profile.id)
    with pytest.raises(AccessDenied):
        profiles.delete_profile(db, other, demo_profile.id)


def test_user_without_perfiles_grant_is_refused_and_audited(demo, db):
    user = actor_of(db, "consulta.demo")
    with pytest.raises(AccessDenied):
        profiles.list_profiles(db, user)
    db.rollback()
    events = db.exec(select(AuditEvent).where(AuditEvent.outcome == "denegado")).all()
    assert any(profiles.PERFILES in e.target for e in events)


def test_create_with_token_saves_grants_and_one_audit_event(admin, db):
    grants = profiles.grants_from_ids([catalog.GRANT_ID[(SALDOS, catalog.CONSULTAR)]])
    assert (SALDOS, catalog.ACCESO) in grants  # implied
    pid = _save(db, admin, None, profiles.ProfileData("Tesorería Norte", "Pagos", True), grants)
    saved = db.exec(select(Grant.service_code, Grant.action_code).where(
        Grant.profile_id == pid)).all()
    assert set(saved) == {(SALDOS, catalog.CONSULTAR), (SALDOS, catalog.ACCESO)}
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "perfil_creado")).all()
    assert len(events) == 1 and f"{SALDOS}:consultar" in events[0].after


def test_wrong_or_replayed_token_saves_nothing(admin, db):
    data = profiles.ProfileData("Nuevo perfil", "", True)
    with pytest.raises(ValidationError, match="token"):
        profiles.save_profile(db, admin, None, None, data, frozenset(), "000000")
    db.rollback()
    now = utcnow()
    code = code_for(db, "admin.demo", now, 1)
    profiles.save_profile(db, admin, None, None, data, frozenset(), code, now)
    db.commit()
    with pytest.raises(ValidationError, match="token"):
        profiles.save_profile(db, admin, None, None,
                              profiles.ProfileData("Otro perfil", "", True), frozenset(), code, now)
    db.rollback()
    assert db.exec(select(Profile).where(Profile.name == "Otro perfil")).first() is None


@pytest.mark.parametrize("name", ["PRUEBAS", "Prúebas", "  pruebas  ", "ab", "x" * 51, ""])
def test_invalid_or_duplicate_names_are_refused(admin, db, name):
    with pytest.raises(ValidationError):
        profiles.preview(db, admin, None, profiles.ProfileData(name, "", True), frozenset())


def test_markup_in_name_is_kept_as_text(admin, db):
    pid = _save(db, admin, None, profiles.ProfileData("<b>Perfil</b>", "<script>", True),
                frozenset())
    assert db.get(Profile, pid).name == "<b>Perfil</b>"


def test_forged_grant_ids_are_refused(admin):
    for bad in ([-1], [len(catalog.GRANT_PAIRS)], ["3"], [True], [1.5]):
        with pytest.raises(ValidationError):
            profiles.grants_from_ids(bad)
    with pytest.raises(ValidationError):
        profiles.normalize_grants([("consultas.saldos.por_producto", "borrar")])


def test_concurrent_edit_is_refused_not_overwritten(admin, db):
    target = _profile(db, "PRUBASUX")
    detail = profiles.get_profile(db, admin, target.id)
    first = profiles.ProfileData("PRUBASUX", "primero", True)
    _save(db, admin, target.id, first, detail.grants, version=detail.version)
    second = profiles.ProfileData("PRUBASUX", "segundo", False)
    with pytest.raises(profiles.VersionConflict):
        _save(db, admin, target.id, second, frozenset(), version=detail.version, offset=1)
    db.expire_all()
    after = db.get(Profile, target.id)
    assert after.description == "primero" and after.is_active
    assert profiles.get_profile(db, admin, target.id).grants == detail.grants


def test_modify_records_added_and_removed_grants(admin, db):
    target = _profile(db, "pruebas")
    detail = profiles.get_profile(db, admin, target.id)
    new = (detail.grants - {(SALDOS, catalog.EXCEL)}) | {("consultas.mi_banco", catalog.ACCESO)}
    summary = profiles.preview(db, admin, target.id, detail.data, new)
    assert summary.added == {("consultas.mi_banco", catalog.ACCESO)}
    assert summary.removed == {(SALDOS, catalog.EXCEL)}
    _save(db, admin, target.id, detail.data, new, version=detail.version)
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "perfil_modificado")).one()
    assert "consultas.mi_banco:acceso" in event.after and f"{SALDOS}:excel" in event.after


def test_delete_refused_while_users_hold_it(admin, db):
    held = _profile(db, "Pruebas1")  # consulta.demo holds it
    with pytest.raises(ValidationError, match="1 usuario"):
        profiles.delete_profile(db, admin, held.id)
    free = _profile(db, "Moneda Extranjera")
    assert profiles.delete_profile(db, admin, free.id) == "Moneda Extranjera"
    db.commit()
    assert db.get(Profile, free.id) is None
    assert db.exec(select(Grant).where(Grant.profile_id == free.id)).first() is None


def test_assignment_changes_what_the_user_can_do_at_next_event(admin, db):
    consulta = db.exec(select(User).where(User.username == "consulta.demo")).one()
    raw = login(db, "consulta.demo").session_token
    assert not access.load_actor(db, raw).can("transacciones.pagos.servicios")
    profiles.assign_profile(db, admin, consulta.id, _profile(db, "Prepara y Autoriza").id)
    db.commit()
    assert access.load_actor(db, raw).can("transacciones.pagos.servicios")


def test_assignment_refuses_other_company_and_admins(admin, db):
    otra = db.exec(select(User).where(User.username == "opera.otra")).one()
    with pytest.raises(AccessDenied):
        profiles.assign_profile(db, admin, otra.id, None)
    other_profile = db.exec(select(Profile).where(Profile.name == "Operativo")).one()
    consulta = db.exec(select(User).where(User.username == "consulta.demo")).one()
    with pytest.raises(AccessDenied):
        profiles.assign_profile(db, admin, consulta.id, other_profile.id)
    with pytest.raises(ValidationError):
        profiles.assign_profile(db, admin, admin.user_id, None)


def test_secondary_manager_cannot_escalate(admin, db):
    # a profile that may manage profiles and see balances, nothing else
    manager_grants = profiles.normalize_grants(
        [(profiles.PERFILES, a) for a in (catalog.ACCESO, catalog.CONSULTAR)]
        + [(SALDOS, catalog.CONSULTAR)])
    pid = _save(db, admin, None, profiles.ProfileData("Gestor", "", True), manager_grants)
    prepara = db.exec(select(User).where(User.username == "prepara.demo")).one()
    profiles.assign_profile(db, admin, prepara.id, pid)
    db.commit()
    manager = actor_of(db, "prepara.demo")
    assert profiles.list_profiles(db, manager)[1] == 13
    with pytest.raises(AccessDenied, match="usted mismo tiene asignado"):
        profiles.preview(db, manager, pid, profiles.ProfileData("Gestor", "", True),
                         manager_grants | {("consultas.mi_banco", catalog.ACCESO)})
    db.rollback()
    with pytest.raises(AccessDenied, match="no tiene"):
        profiles.preview(db, manager, None, profiles.ProfileData("Escalado", "", True),
                         frozenset({("transacciones.pagos.servicios", catalog.ACCESO)}))
    db.rollback()
    allowed = profiles.preview(db, manager, None, profiles.ProfileData("Solo saldos", "", True),
                               frozenset({(SALDOS, catalog.ACCESO), (SALDOS, catalog.CONSULTAR)}))
    assert len(allowed.added) == 2


def test_inactive_profile_grants_nothing(admin, db):
    target = _profile(db, "Pruebas1")
    detail = profiles.get_profile(db, admin, target.id)
    raw = login(db, "consulta.demo").session_token
    assert access.load_actor(db, raw).can(SALDOS)
    _save(db, admin, target.id, profiles.ProfileData("Pruebas1", "", False), detail.grants,
          version=detail.version)
    assert not access.load_actor(db, raw).can(SALDOS)


def test_exports_require_their_action(demo, db):
    admin = actor_of(db, "admin.demo")
    assert len(profiles.export_rows(db, admin, "", catalog.EXCEL)) == 12
    with pytest.raises(AccessDenied):
        profiles.export_rows(db, admin, "", "borrar")


def test_secondary_manager_cannot_take_away_what_they_lack(admin, db):
    manager_grants = profiles.normalize_grants(
        [(profiles.PERFILES, a) for a in (catalog.ACCESO, catalog.CONSULTAR)])
    pid = _save(db, admin, None, profiles.ProfileData("Gestor", "", True), manager_grants)
    prepara = db.exec(select(User).where(User.username == "prepara.demo")).one()
    profiles.assign_profile(db, admin, prepara.id, pid)
    db.commit()
    manager = actor_of(db, "prepara.demo")
    autoriza = db.exec(select(User).where(User.username == "autoriza.demo")).one()
    with pytest.raises(AccessDenied, match="no tiene"):
        profiles.assign_profile(db, manager, autoriza.id, None)  # «Autorizador todo» lost
    db.rollback()
    db.refresh(autoriza)
    assert autoriza.profile_id is not None
