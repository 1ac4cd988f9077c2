"""A limited profile manager, as a raw socket would drive it: forged events against profiles
beyond their own grants are refused, and the database proves nothing changed.

The set-up of the security probe: consulta.demo holds a profile with only Perfiles (acceso,
consultar) and Saldos (acceso).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from occireflex import catalog
from occireflex.domain import access, profiles
from occireflex.models import AuditEvent, Grant, Profile, User, utcnow
from tests.helpers import code_for

SALDOS = "consultas.saldos.por_producto"
EDIT = "/administracion/usuarios/perfiles/modificar?id={}"


def _profile(db, name: str) -> Profile:
    return db.exec(select(Profile).where(Profile.name == name)).one()


def _user(db, username: str) -> User:
    return db.exec(select(User).where(User.username == username)).one()


def _make_profile(db, name: str, pairs) -> Profile:
    company_id = _user(db, "admin.demo").company_id
    profile = Profile(company_id=company_id, name=name, name_key=name.lower(), description="")
    db.add(profile)
    db.flush()
    for service, action in pairs:
        db.add(Grant(profile_id=profile.id, service_code=service, action_code=action))
    db.commit()
    return profile


def _grant_count(db, profile_id: int) -> int:
    return db.exec(select(func.count()).select_from(Grant).where(
        Grant.profile_id == profile_id)).one()


def _effective(db, username: str) -> int:
    db.expire_all()
    return len(access.grants_for(db, _user(db, username)))


def _refusals(db) -> int:
    return db.exec(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "acceso_denegado",
        AuditEvent.target.like("%fuera_de_alcance"))).one()


@pytest.fixture
def manager(demo, db, logged_in):
    """consulta.demo with the probe's limited manager profile, logged in."""
    limited = _make_profile(db, "Gestor limitado", [
        (profiles.PERFILES, catalog.ACCESO), (profiles.PERFILES, catalog.CONSULTAR),
        (SALDOS, catalog.ACCESO)])
    consulta = _user(db, "consulta.demo")
    consulta.profile_id = limited.id
    db.add(consulta)
    db.commit()
    return logged_in("consulta.demo")


def _code(db, step: int = 1) -> str:
    return code_for(db, "consulta.demo", utcnow(), step)


def test_deactivating_a_profile_beyond_reach_is_refused(manager, db):
    target = _profile(db, "Prepara y Autoriza")
    before = _effective(db, "prepara.demo")
    assert before == 188
    manager.navigate(EDIT.format(target.id))
    manager.form.load_existing()
    assert "acciones que su propio perfil no tiene" in manager.form.reach_problem
    manager.form.set_active("Inactivo")
    manager.form.continue_to_confirm()
    assert manager.form.stage == "form" and "no tiene" in manager.form.error
    manager.form.confirm({"token": _code(db)})
    assert "no tiene" in manager.form.error
    db.expire_all()
    assert db.get(Profile, target.id).is_active
    assert _effective(db, "prepara.demo") == before
    assert _refusals(db) >= 2


def test_renaming_and_describing_beyond_reach_are_refused(manager, db):
    target = _profile(db, "Tesorería")
    manager.navigate(EDIT.format(target.id))
    manager.form.load_existing()
    manager.form.set_name("Tesorería (hackeada)")
    manager.form.set_description("cambiada")
    manager.form.confirm({"token": _code(db)})
    assert "no tiene" in manager.form.error
    db.expire_all()
    kept = db.get(Profile, target.id)
    assert kept.name == "Tesorería" and kept.description == "Pagos y transferencias"


def test_deleting_a_profile_beyond_reach_is_refused(manager, db):
    target = _profile(db, "PRUBASUX")
    grants = _grant_count(db, target.id)
    assert grants > 0
    manager.profiles.load()
    manager.profiles.set_page_size("50")
    manager.profiles.ask_delete(str(target.id))
    manager.profiles.confirm_delete()
    assert "no tiene" in manager.profiles.message
    db.expire_all()
    assert db.get(Profile, target.id) is not None and _grant_count(db, target.id) == grants


def test_own_profile_is_never_the_managers(manager, db):
    own = _profile(db, "Gestor limitado")
    manager.navigate(EDIT.format(own.id))
    manager.form.load_existing()
    assert "usted mismo tiene asignado" in manager.form.reach_problem
    manager.form.set_name("Gestor total")
    manager.form.confirm({"token": _code(db)})
    manager.profiles.load()
    manager.profiles.set_page_size("50")
    manager.profiles.ask_delete(str(own.id))
    manager.profiles.confirm_delete()
    db.expire_all()
    assert db.get(Profile, own.id).name == "Gestor limitado"


def test_unassigning_from_a_profile_beyond_reach_is_refused(manager, db):
    target = _profile(db, "Prepara y Autoriza")
    prepara = _user(db, "prepara.demo")
    manager.navigate(f"/administracion/usuarios/perfiles/ver?id={target.id}")
    manager.view.load()
    assert manager.view.can_modify is False
    manager.view.unassign(str(prepara.id))
    assert "no tiene" in manager.view.error
    db.expire_all()
    assert db.get(User, prepara.id).profile_id == target.id


def test_profiles_within_reach_stay_manageable(manager, db):
    """The rule is a boundary, not a wall: what lies inside the manager's grants works."""
    inside_id = _make_profile(db, "Solo saldos", [(SALDOS, catalog.ACCESO)]).id
    manager.profiles.load()
    manager.profiles.set_page_size("50")
    flags = {r["name"]: r["manageable"] for r in manager.profiles.rows}
    assert flags["Solo saldos"] == "si"
    assert flags["Prepara y Autoriza"] == "" and flags["Gestor limitado"] == ""
    manager.navigate(EDIT.format(inside_id))
    manager.form.load_existing()
    assert manager.form.reach_problem == ""
    manager.form.set_name("Saldos básicos")
    manager.form.continue_to_confirm()
    assert manager.form.stage == "confirm"
    manager.form.confirm({"token": _code(db)})
    db.expire_all()
    assert db.get(Profile, inside_id).name == "Saldos básicos"
    manager.profiles.load()
    manager.profiles.set_page_size("50")
    manager.profiles.ask_delete(str(inside_id))
    manager.profiles.confirm_delete()
    db.expire_all()
    assert db.get(Profile, inside_id) is None


def test_assigning_a_profile_beyond_reach_is_refused(manager, db):
    target = _profile(db, "Tesorería")
    opera = _user(db, "prepara.demo")
    opera.profile_id = None
    db.add(opera)
    db.commit()
    manager.navigate(f"/administracion/usuarios/perfiles/ver?id={target.id}")
    manager.view.load()
    manager.view.set_pick(str(opera.id))  # forged: the page offers no assignment here
    manager.view.assign()
    assert "no tiene" in manager.view.error
    db.expire_all()
    assert db.get(User, opera.id).profile_id is None
