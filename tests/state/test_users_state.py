"""Administración > Usuarios through the state layer: the screens' events as the browser
sends them, forged ones included, with the database as proof."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from occireflex.domain import sessions
from occireflex.models import AuditEvent, OutboxMessage, User
from occireflex.state.users import ActivationState, ResetState, UserFormState, UsersListState
from tests.helpers import code_for

FORM = {"username": "nueva.tesorera", "document_number": "52.111.222",
        "full_name": "Valentina Ruiz", "email": "valentina@empresa.com",
        "phone": "3157778899", "serial": ""}


def user(db, username: str) -> User | None:
    db.expire_all()
    return db.exec(select(User).where(User.username == username)).first()


def fresh_code(db, clock, username: str = "admin.demo") -> str:
    clock.advance(timedelta(seconds=31))
    return code_for(db, username, clock.now)


def test_the_grid_pages_searches_and_shows_the_exports_granted(logged_in):
    b = logged_in("admin.demo")
    grid = b.get(UsersListState)
    grid.load()
    assert grid.total == 4 and grid.error == ""
    assert grid.can_excel and grid.can_pdf and grid.can_print and grid.can_act
    me = next(r for r in grid.rows if r["username"] == "admin.demo")
    assert me["self"] == "si" and me["profile"] == "Administrador"
    grid.set_search("laura")
    assert [r["username"] for r in grid.rows] == ["autoriza.demo"]
    grid.set_search("")
    grid.set_state_filter("inactivo")
    assert grid.total == 0
    grid.set_state_filter("'; DROP TABLE user; --")
    assert grid.state_filter == "todos" and grid.total == 4


def test_create_a_user_with_a_virtual_token_step_by_step(logged_in, db, pinned_clock):
    b = logged_in("admin.demo")
    form = b.get(UserFormState)
    b.navigate("/administracion/usuarios/configuracion/crear")
    form.load_new()
    assert form.actor_is_admin and {p["label"] for p in form.profiles} >= {"Pruebas1"}
    form.set_profile("999999")  # not an option: ignored
    assert form.profile_id == ""
    form.continue_to_confirm(FORM)
    assert "perfil" in form.error and form.stage == "form"
    form.set_profile(next(p["value"] for p in form.profiles if p["label"] == "Pruebas1"))
    form.set_token_kind("virtual")
    form.continue_to_confirm(FORM)
    assert form.stage == "confirm", form.error
    assert {"label": "Perfil", "old": "", "new": "Pruebas1"} in form.summary
    form.confirm({"token": "000000"})
    assert "token no es válido" in form.error and user(db, "nueva.tesorera") is None
    form.confirm({"token": fresh_code(db, pinned_clock)})
    assert form.stage == "done" and form.error == ""
    assert len(form.activation_code) == 8 and form.created_email == "valentina@empresa.com"
    created = user(db, "nueva.tesorera")
    assert created.document_number == "52111222" and created.password_temporary_until
    assert db.exec(select(OutboxMessage).where(OutboxMessage.user_id == created.id)).one()
    form.confirm({"token": fresh_code(db, pinned_clock)})  # a replayed confirm: nothing more
    assert len(db.exec(select(User).where(User.username == "nueva.tesorera")).all()) == 1


def test_modify_opens_the_chosen_user_and_saves_with_the_token(logged_in, db, pinned_clock):
    b = logged_in("admin.demo")
    target = user(db, "consulta.demo")
    b.navigate(f"/administracion/usuarios/configuracion/modificar?id={target.id}")
    form = b.get(UserFormState)
    form.load_existing()
    assert form.username == "consulta.demo" and form.problem == ""
    form.continue_to_confirm({**FORM, "username": "otro.nombre", "full_name": target.full_name,
                              "email": target.email, "phone": "3001112233",
                              "document_number": target.document_number})
    assert form.stage == "confirm", form.error
    assert form.summary == [{"label": "Celular", "old": target.phone, "new": "3001112233"}]
    result = form.confirm({"token": fresh_code(db, pinned_clock)})
    assert "/administracion/usuarios/configuracion" in str(result)
    after = user(db, "consulta.demo")
    assert after.phone == "3001112233" and after.username == "consulta.demo"


def test_forged_calls_from_a_secondary_user_and_another_company_change_nothing(
        logged_in, db, pinned_clock):
    target = user(db, "consulta.demo")
    before = (target.password_hash, target.is_active, target.phone)
    secondary = logged_in("prepara.demo")
    grid = secondary.get(UsersListState)
    grid.load()
    assert grid.rows == [] and "permiso" in grid.error
    reset = secondary.get(ResetState)
    reset.open_reset(str(target.id))
    assert not reset.open_
    reset.open_ = True  # as if the dialog were open: the domain still refuses
    reset._target_id = target.id
    reset.confirm({"token": fresh_code(db, pinned_clock, "prepara.demo")})
    stranger = logged_in("admin.otra")
    for state, opener in ((ResetState, "open_reset"), (ActivationState, "open_change")):
        s = stranger.get(state)
        getattr(s, opener)(str(target.id))
        assert not s.open_
    form = stranger.get(UserFormState)
    stranger.navigate(f"/administracion/usuarios/configuracion/modificar?id={target.id}")
    form.load_existing()
    assert form.username == "" and "no existe" in form.error
    after = user(db, "consulta.demo")
    assert (after.password_hash, after.is_active, after.phone) == before
    assert db.exec(select(OutboxMessage)).all() == []
    denied = db.exec(select(AuditEvent).where(AuditEvent.outcome == "denegado")).all()
    assert {e.user_id for e in denied} >= {user(db, "prepara.demo").id,
                                           user(db, "admin.otra").id}


def test_reset_from_the_grid_ends_the_users_session(logged_in, db, pinned_clock):
    victim = logged_in("consulta.demo")
    b = logged_in("admin.demo")
    reset = b.get(ResetState)
    reset.load()
    target = user(db, "consulta.demo")
    reset.open_reset(str(target.id))
    assert reset.open_ and reset.target_email == target.email
    reset.confirm({"token": fresh_code(db, pinned_clock)})
    assert not reset.open_ and "clave temporal" in reset.message and "1 sesión" in reset.message
    assert "/login" in str(victim.portal.guard_home())
    assert "clave temporal" in victim.portal.notice


def test_inactivate_and_activate_with_causal_and_token(logged_in, db, pinned_clock):
    victim = logged_in("consulta.demo")
    assert victim.portal.guard_home() is None
    b = logged_in("admin.demo")
    states = b.get(ActivationState)
    states.load()
    target = user(db, "consulta.demo")
    states.open_change(str(target.id))
    assert states.open_ and not states.activating
    assert {o["value"] for o in states.reason_options} >= {"retiro", "licencia"}
    states.set_reason("reintegro")  # an activation's causal: not offered here
    assert states.reason == ""
    states.confirm({"token": fresh_code(db, pinned_clock)})
    assert "causal" in states.dialog_error and user(db, "consulta.demo").is_active
    states.set_reason("retiro")
    states.confirm({"token": fresh_code(db, pinned_clock)})
    assert "inactivado" in states.message and not user(db, "consulta.demo").is_active
    assert "/login" in str(victim.portal.guard_home())
    assert victim.portal.notice == sessions.INACTIVE_MESSAGE
    states.open_change(str(target.id))
    assert states.activating
    states.set_reason("reintegro")
    states.confirm({"token": fresh_code(db, pinned_clock)})
    assert "activado" in states.message and user(db, "consulta.demo").is_active
    own = states.rows and next(r for r in states.rows if r["username"] == "admin.demo")
    assert own["self"] == "si"
    states.open_change(own["id"])  # forged: their own row has no button
    states.set_reason("retiro")
    states.confirm({"token": fresh_code(db, pinned_clock)})
    assert "propio usuario" in states.dialog_error and user(db, "admin.demo").is_active
