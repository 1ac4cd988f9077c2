"""Profile editor and list handlers as the browser calls them, forged calls included."""

from __future__ import annotations

from sqlmodel import select

from occireflex import catalog
from occireflex.models import Grant, Profile, User, utcnow
from tests.helpers import code_for

SALDOS = "consultas.saldos.por_producto"
G = catalog.GRANT_ID


def _pid(db, name):
    return db.exec(select(Profile).where(Profile.name == name)).one().id


def test_list_loads_one_page_and_pages(logged_in):
    b = logged_in("admin.demo")
    b.profiles.load()
    assert len(b.profiles.rows) == 10 and b.profiles.total == 12
    assert b.profiles.page_count == 2 and b.profiles.page_numbers == [1, 2]
    b.profiles.go_to_page(2)
    assert len(b.profiles.rows) == 2
    for forged in ("abc", -5, 10**12, None):
        b.profiles.go_to_page(forged)
        assert 1 <= b.profiles.page <= 2
    b.profiles.set_page_size("1000")
    assert b.profiles.page_size == 10
    b.profiles.set_page_size("25")
    assert len(b.profiles.rows) == 12
    b.profiles.set_search("PRUEBA")
    assert b.profiles.total == 4
    assert b.profiles.can_excel and b.profiles.can_pdf and b.profiles.can_print


def test_list_refused_for_user_without_grant(logged_in):
    b = logged_in("consulta.demo")
    b.profiles.load()
    assert b.profiles.rows == [] and "permiso" in b.profiles.message


def test_delete_flow_and_refusal_when_held(logged_in, db):
    b = logged_in("admin.demo")
    b.profiles.load()
    b.profiles.set_page_size("25")
    held = str(_pid(db, "Pruebas1"))
    b.profiles.ask_delete(held)
    assert b.profiles.delete_name == "Pruebas1"
    b.profiles.confirm_delete()
    assert "1 usuario" in b.profiles.message
    assert db.get(Profile, int(held)) is not None
    b.profiles.ask_delete("999999")  # not on the page: ignored
    assert b.profiles.delete_id == 0


def test_toggle_rules_any_action_implies_access(logged_in):
    b = logged_in("admin.demo")
    b.form.load_new()
    b.form.toggle(G[(SALDOS, catalog.EXCEL)])
    assert set(b.form.selected) == {G[(SALDOS, catalog.EXCEL)], G[(SALDOS, catalog.ACCESO)]}
    assert b.form.service_marks[catalog.SERVICE_INDEX[SALDOS]] == 1
    b.form.toggle(G[(SALDOS, catalog.ACCESO)])  # unchecking access clears the service
    assert b.form.selected == []
    b.form.toggle_service(catalog.SERVICE_INDEX[SALDOS])
    assert b.form.service_marks[catalog.SERVICE_INDEX[SALDOS]] == 2
    assert b.form.module_marks["consultas"] == 1
    b.form.toggle_module("consultas")
    assert b.form.module_marks["consultas"] == 2
    b.form.toggle_module("consultas")
    assert b.form.selected == []


def test_forged_toggles_are_ignored(logged_in):
    b = logged_in("admin.demo")
    b.form.load_new()
    for forged in (-1, len(catalog.GRANT_PAIRS), "5", True, None, 2.0):
        b.form.toggle(forged)
        b.form.toggle_service(forged)
    b.form.toggle_module("nope")
    b.form.toggle_expanded("<script>")
    assert b.form.selected == [] and b.form.expanded == []


def test_filter_and_expand(logged_in):
    b = logged_in("admin.demo")
    b.form.load_new()
    b.form.expand_all()
    assert len(b.form.expanded) == len(catalog.MODULES)
    b.form.collapse_all()
    assert b.form.expanded == []
    b.form.set_filter("perfiles")
    visible = [i for i in range(len(catalog.SERVICES)) if i not in b.form.hidden_services]
    assert [catalog.SERVICES[i].code for i in visible] == ["administracion.usuarios.perfiles"]
    assert b.form.expanded == ["administracion"]


def test_create_confirm_with_token(logged_in, db):
    b = logged_in("admin.demo")
    b.form.load_new()
    b.form.set_name("Solo Saldos")
    b.form.toggle(G[(SALDOS, catalog.CONSULTAR)])
    b.form.continue_to_confirm()
    assert b.form.stage == "confirm" and b.form.added_count == 2
    assert b.form.confirm_modules[0].name == "Consultas"
    b.form.confirm({"token": "000000"})
    assert "token" in b.form.error
    assert db.exec(select(Profile).where(Profile.name == "Solo Saldos")).first() is None
    b.form.confirm({"token": code_for(db, "admin.demo", utcnow(), 1)})
    saved = db.exec(select(Profile).where(Profile.name == "Solo Saldos")).one()
    assert {g.action_code for g in db.exec(select(Grant).where(
        Grant.profile_id == saved.id))} == {catalog.ACCESO, catalog.CONSULTAR}


def test_modify_conflict_offers_reload(logged_in, db):
    first, second = logged_in("admin.demo"), logged_in("autoriza.demo")
    pid = _pid(db, "PRUBASUX")
    for tab in (first, second):
        tab.navigate(f"/administracion/usuarios/perfiles/modificar?id={pid}")
        tab.form.load_existing()
        assert tab.form.profile_id == pid
    first.form.set_description("cambio A")
    first.form.continue_to_confirm()
    first.form.confirm({"token": code_for(db, "admin.demo", utcnow(), 1)})
    assert first.form.error == ""
    second.form.set_description("cambio B")
    second.form.continue_to_confirm()
    second.form.confirm({"token": code_for(db, "autoriza.demo", utcnow(), 1)})
    assert second.form.conflict and "Otro administrador" in second.form.error
    db.expire_all()
    assert db.get(Profile, pid).description == "cambio A"
    second.form.reload()
    assert second.form.description == "cambio A" and not second.form.conflict


def test_forged_confirm_by_user_without_grant_is_refused(logged_in, db):
    b = logged_in("consulta.demo")
    b.form.load_new()
    b.form.set_name("Colado")
    b.form.toggle(G[("administracion.usuarios.perfiles", catalog.ACCESO)])
    b.form.confirm({"token": code_for(db, "consulta.demo", utcnow(), 1)})
    assert "permiso" in b.form.error
    assert db.exec(select(Profile).where(Profile.name == "Colado")).first() is None


def test_editing_another_companys_profile_is_refused(logged_in, db):
    b = logged_in("admin.otra")
    b.navigate(f"/administracion/usuarios/perfiles/modificar?id={_pid(db, 'PRUBASUX')}")
    b.form.load_existing()
    assert b.form.profile_id == 0 and b.form.error == "El perfil no existe."
    b.navigate("/administracion/usuarios/perfiles/ver?id=abc")
    b.view.load()
    assert b.view.profile_id == 0 and b.view.error


def test_view_assigns_and_unassigns(logged_in, db):
    b = logged_in("admin.demo")
    pid = _pid(db, "Consulta Saldos")
    b.navigate(f"/administracion/usuarios/perfiles/ver?id={pid}")
    b.view.load()
    consulta = db.exec(select(User).where(User.username == "consulta.demo")).one()
    assert str(consulta.id) in [c["id"] for c in b.view.candidates]
    b.view.set_pick(str(consulta.id))
    b.view.assign()
    assert [h["username"] for h in b.view.holders] == ["consulta.demo"]
    b.view.unassign(str(consulta.id))
    assert b.view.holders == []
    otra = db.exec(select(User).where(User.username == "opera.otra")).one()
    b.view.set_pick(str(otra.id))
    b.view.assign()
    assert b.view.error == "El usuario no existe."
