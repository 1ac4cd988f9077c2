"""Administración > Usuarios (issue 13): Configuración de Usuarios, Cambio de Clave para
Usuarios, Activación/Inactivación — the rules, forged calls and the database as proof."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from occireflex import catalog
from occireflex.domain import access, security, sessions
from occireflex.domain.demo import DEMO_PASSWORD
from occireflex.domain.errors import AccessDenied, LoginFailed, SessionExpired, ValidationError
from occireflex.domain.users import changes, lifecycle, listing, reach
from occireflex.domain.users.changes import UserData
from occireflex.models import (
    AuditEvent,
    Grant,
    LoginSession,
    OutboxMessage,
    Profile,
    Token,
    User,
)
from tests.helpers import actor_at, app_login, code_for, login

CONFIG = catalog.CONFIGURACION_USUARIOS
NEW = UserData(username="nuevo.tesorero", document_type="CC", document_number="1.020.304.050",
               full_name="  Julián   Restrepo ", email="julian@empresa.com",
               phone="+57 300 123 4567", profile_id=0)


def user(db: Session, username: str) -> User:
    db.expire_all()
    return db.exec(select(User).where(User.username == username)).one()


def profile_id(db: Session, name: str) -> int:
    return db.exec(select(Profile.id).where(Profile.name == name)).one()


def admin(db: Session, clock, name: str = "admin.demo"):
    clock.advance(timedelta(seconds=31))  # every token code below is a fresh one
    return actor_at(db, name, clock.now)


def code(db: Session, clock, name: str = "admin.demo") -> str:
    clock.advance(timedelta(seconds=31))
    return code_for(db, name, clock.now)


def create(db, clock, actor, data=None, kind="fisico", serial="OCC-300001", name="admin.demo"):
    made = changes.create_user(db, actor, data or replace(
        NEW, profile_id=profile_id(db, "Prepara y Autoriza")), kind, serial,
        code(db, clock, name))
    db.commit()
    return made


def outbox_for(db: Session, username: str) -> list[OutboxMessage]:
    return list(db.exec(select(OutboxMessage).where(
        OutboxMessage.user_id == user(db, username).id).order_by(OutboxMessage.id)).all())


# The list ------------------------------------------------------------------------------

def test_list_pages_searches_and_never_shows_another_company(demo, db, pinned_clock):
    actor = admin(db, pinned_clock)
    rows, total = listing.list_users(db, actor, CONFIG, page_size=10)
    assert total == 4 and [r.username for r in rows] == sorted(r.username for r in rows)
    assert not any(r.username.endswith(".otra") for r in rows)
    me = next(r for r in rows if r.username == "admin.demo")
    assert me.is_self and me.profile == "Administrador" and me.state == "Activo"
    assert me.token == "Físico OCC-100001" and me.document == "CC 79100001"
    laura = next(r for r in rows if r.username == "autoriza.demo")
    assert laura.token == "Virtual" and laura.profile == "Autorizador todo"
    assert laura.last_login == "Nunca"
    assert [r.username for r in listing.list_users(db, actor, CONFIG, "laura")[0]] == [
        "autoriza.demo"]
    assert [r.username for r in listing.list_users(db, actor, CONFIG, "79100004")[0]] == [
        "consulta.demo"]
    assert listing.list_users(db, actor, CONFIG, "jorge")[1] == 0  # admin.otra's name
    set_inactive(db, "consulta.demo")
    assert [r.username for r in listing.list_users(db, actor, CONFIG, state="inactivo")[0]
            ] == ["consulta.demo"]
    assert listing.list_users(db, actor, CONFIG, state="activo")[1] == 3
    # a page past the end is the last one; a forged size is the default
    assert len(listing.list_users(db, actor, CONFIG, page=9, page_size=10)[0]) == 4
    assert len(listing.list_users(db, actor, CONFIG, page_size=10**9)[0]) == 4


def set_inactive(db: Session, username: str) -> None:
    row = user(db, username)
    row.is_active = False
    db.add(row)
    db.commit()


def test_list_and_exports_need_the_grant_of_their_service(demo, db, pinned_clock):
    secondary = actor_at(db, "prepara.demo", pinned_clock.now)
    for service in listing.SERVICES:
        with pytest.raises(AccessDenied):
            listing.list_users(db, secondary, service)
    with pytest.raises(AccessDenied):
        listing.list_users(db, admin(db, pinned_clock), "consultas.saldos.por_producto")
    actor = admin(db, pinned_clock)
    rows = listing.export_rows(db, actor, CONFIG, "", "", catalog.EXCEL)
    assert len(rows) == 4 and rows[0][0] == "admin.demo" and len(rows[0]) == len(
        listing.HEADERS)
    with pytest.raises(AccessDenied):
        listing.export_rows(db, actor, CONFIG, "", "", "borrar")
    denied = db.exec(select(AuditEvent).where(AuditEvent.outcome == "denegado")).all()
    assert len(denied) >= 5


# Crear Usuario -------------------------------------------------------------------------

def test_create_with_a_physical_token_sends_the_temporary_password_out_of_band(
        demo, db, pinned_clock):
    actor = admin(db, pinned_clock)
    made = create(db, pinned_clock, actor)
    assert made.username == "nuevo.tesorero" and made.token == "Físico OCC-300001"
    assert made.activation_code == ""
    new = user(db, "nuevo.tesorero")
    assert (new.full_name, new.document_number, new.phone) == (
        "Julián Restrepo", "1020304050", "3001234567")
    assert new.company_id == actor.company_id and not new.is_admin
    assert new.password_temporary_until == pinned_clock.now + timedelta(hours=24)
    [message] = outbox_for(db, "nuevo.tesorero")
    assert message.kind == "clave_temporal" and message.to_address == "julian@empresa.com"
    password = message.body.split("Su clave temporal es: ")[1].split()[0]
    assert "nuevo.tesorero" in message.body
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "usuario_creado")).one()
    assert password not in (event.after or "") and "OCC-300001" in event.after
    assert event.user_id == actor.user_id and event.target == "nuevo.tesorero"
    # the temporary password and the token open the first access
    pinned_clock.advance(timedelta(seconds=31))
    raw = login(db, "nuevo.tesorero", password=password, now=pinned_clock.now).session_token
    assert access.load_actor(db, raw, now=pinned_clock.now).must_change_password


def test_create_with_a_virtual_token_gives_an_activation_code_for_the_app(
        demo, db, pinned_clock):
    made = create(db, pinned_clock, admin(db, pinned_clock), kind="virtual", serial="")
    assert made.token == "Virtual" and len(made.activation_code) == 8
    password = outbox_for(db, "nuevo.tesorero")[0].body.split("clave temporal es: ")[1].split()[0]
    assert made.activation_code not in outbox_for(db, "nuevo.tesorero")[0].body
    with pytest.raises(LoginFailed):  # no token for the portal yet
        login(db, "nuevo.tesorero", password=password, code="123456",
              now=pinned_clock.now)
    pinned_clock.advance(timedelta(hours=3))  # the code outlives the App's usual 10 minutes
    app_login(db, "nuevo.tesorero", made.activation_code, password=password,
              now=pinned_clock.now)
    rows = listing.list_users(db, admin(db, pinned_clock), CONFIG, "nuevo")[0]
    assert rows[0].token == "Virtual por activar"


@pytest.mark.parametrize("field, value, message", [
    ("username", "corto", "entre 6 y 20"),
    ("username", "admin.otra", "ya existe en el Banco"),
    ("document_type", "XX", "tipo de documento"),
    ("document_number", "12a", "entre 5 y 10 dígitos"),
    ("document_number", "79100002", "documento CC 79100002"),
    ("email", "sin-arroba", "correo válido"),
    ("phone", "6012345678", "empezar por 3"),
    ("full_name", "=HYPERLINK(1)", "fórmula"),
    ("channel_portal", False, None),
])
def test_create_refuses_bad_data_and_writes_nothing(demo, db, pinned_clock, field, value,
                                                    message):
    actor = admin(db, pinned_clock)
    data = replace(NEW, profile_id=profile_id(db, "Prepara y Autoriza"), **{field: value})
    if field == "channel_portal":
        data, message = replace(data, channel_app=False), "al menos un canal"
    before = db.exec(select(User.id)).all(), db.exec(select(OutboxMessage.id)).all()
    with pytest.raises(ValidationError, match=message):
        changes.create_user(db, actor, data, "fisico", "OCC-300001", code(db, pinned_clock))
    db.rollback()
    assert (db.exec(select(User.id)).all(), db.exec(select(OutboxMessage.id)).all()) == before
    assert db.exec(select(Token).where(Token.serial == "OCC-300001")).first() is None


def test_create_refuses_a_taken_serial_a_wrong_token_code_and_foreign_profiles(
        demo, db, pinned_clock):
    actor = admin(db, pinned_clock)
    mine = replace(NEW, profile_id=profile_id(db, "Prepara y Autoriza"))
    with pytest.raises(ValidationError, match="ya fue entregado"):
        changes.create_user(db, actor, mine, "fisico", "OCC-200001", code(db, pinned_clock))
    with pytest.raises(ValidationError, match="token no es válido"):
        changes.create_user(db, actor, mine, "fisico", "OCC-300001", "000000")
    with pytest.raises(ValidationError, match="token del usuario"):
        changes.create_user(db, actor, mine, "ninguno", "", code(db, pinned_clock))
    foreign = replace(NEW, profile_id=profile_id(db, "Operativo"))  # the other company's
    with pytest.raises(AccessDenied):
        changes.create_user(db, actor, foreign, "fisico", "OCC-300001", code(db, pinned_clock))
    with pytest.raises(ValidationError, match="está inactivo"):
        changes.create_user(db, actor, replace(NEW, profile_id=profile_id(db, "Prueba reverso")),
                            "fisico", "OCC-300001", code(db, pinned_clock))
    db.rollback()
    assert db.exec(select(User).where(User.username == NEW.username)).first() is None


def test_a_manager_without_admin_rights_cannot_escalate(demo, db, pinned_clock):
    """A profile granted Configuración de Usuarios: no administrators, no profile beyond
    its own grants, no administrator touched."""
    manager = user(db, "prepara.demo")
    db.add(_grant(manager.profile_id, CONFIG))
    db.add(_grant(manager.profile_id, CONFIG, catalog.CONSULTAR))
    db.commit()
    pinned_clock.advance(timedelta(seconds=31))
    actor = actor_at(db, "prepara.demo", pinned_clock.now)
    assert actor.can(CONFIG) and not actor.is_admin
    with pytest.raises(AccessDenied):
        changes.create_user(db, actor, replace(NEW, is_admin=True), "fisico", "OCC-300001",
                            code(db, pinned_clock, "prepara.demo"))
    with pytest.raises(AccessDenied):  # «Autorizador todo» has more than «Prepara y Autoriza»
        changes.create_user(db, actor, replace(NEW, profile_id=profile_id(
            db, "Autorizador todo")), "fisico", "OCC-300001", code(db, pinned_clock,
                                                                   "prepara.demo"))
    boss = user(db, "admin.demo")
    with pytest.raises(AccessDenied):
        changes.update_user(db, actor, boss.id, listing.version_of(boss), _data_of(boss),
                            code(db, pinned_clock, "prepara.demo"))
    rows = listing.list_users(db, actor, CONFIG)[0]
    assert next(r for r in rows if r.username == "admin.demo").problem == reach.ADMINS_ONLY
    made = create(db, pinned_clock, actor, name="prepara.demo")  # its own profile: fine
    assert user(db, made.username).profile_id == manager.profile_id


def _grant(profile: int, service: str, action: str = catalog.ACCESO) -> Grant:
    return Grant(profile_id=profile, service_code=service, action_code=action)


def _data_of(row: User, **changed) -> UserData:
    return replace(UserData(row.username, row.document_type, row.document_number,
                            row.full_name, row.email, row.phone, row.is_admin,
                            row.profile_id or 0, row.channel_portal, row.channel_app),
                   **changed)


# Modificar -----------------------------------------------------------------------------

def test_modify_audits_before_and_after_and_refuses_a_stale_form(demo, db, pinned_clock):
    actor = admin(db, pinned_clock)
    target = user(db, "consulta.demo")
    version = listing.version_of(target)
    done = changes.update_user(db, actor, target.id, version, _data_of(
        target, phone="3109998877", profile_id=profile_id(db, "Prepara y Autoriza")),
        code(db, pinned_clock))
    db.commit()
    assert done == {"celular": ("3179100004", "3109998877"),
                    "perfil": ("Pruebas1", "Prepara y Autoriza")}
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "usuario_modificado")).one()
    assert "Pruebas1" in event.before and "Prepara y Autoriza" in event.after
    with pytest.raises(changes.StaleUser):  # the form opened before that change
        changes.update_user(db, actor, target.id, version, _data_of(
            user(db, "consulta.demo"), phone="3000000000"), code(db, pinned_clock))
    db.rollback()
    assert user(db, "consulta.demo").phone == "3109998877"
    with pytest.raises(ValidationError, match="No hay cambios"):
        fresh = user(db, "consulta.demo")
        changes.update_user(db, actor, fresh.id, listing.version_of(fresh), _data_of(fresh),
                            code(db, pinned_clock))


def test_an_administrator_cannot_demote_or_reprofile_themselves(demo, db, pinned_clock):
    actor = admin(db, pinned_clock)
    me = user(db, "admin.demo")
    for change in ({"is_admin": False, "profile_id": profile_id(db, "Pruebas1")},
                   {"channel_app": False}):
        with pytest.raises(ValidationError, match="propio perfil"):
            changes.update_user(db, actor, me.id, listing.version_of(me), _data_of(
                me, **change), code(db, pinned_clock))
    db.rollback()
    assert user(db, "admin.demo").is_admin
    # their own name and celular are theirs to fix
    changes.update_user(db, actor, me.id, listing.version_of(me), _data_of(
        me, phone="3201112233"), code(db, pinned_clock))
    db.commit()
    assert user(db, "admin.demo").phone == "3201112233"


def test_forged_ids_and_another_companys_user_are_refused(demo, db, pinned_clock):
    actor = admin(db, pinned_clock)
    other = user(db, "opera.otra")
    for forged in (other.id, 0, -1, True, "3", None, 2**70):
        with pytest.raises(AccessDenied):
            changes.update_user(db, actor, forged, "", _data_of(other), code(db, pinned_clock))
        with pytest.raises(AccessDenied):
            lifecycle.reset_password(db, actor, forged, code(db, pinned_clock))
        with pytest.raises(AccessDenied):
            lifecycle.set_active(db, actor, forged, False, "retiro", code(db, pinned_clock))
        with pytest.raises(AccessDenied):
            listing.user_detail(db, actor, CONFIG, forged)
    db.rollback()
    after = user(db, "opera.otra")
    assert after.is_active and after.password_hash == other.password_hash
    assert db.exec(select(OutboxMessage)).all() == []


# The last administrator ----------------------------------------------------------------

def _second_admin(db, clock) -> User:
    made = create(db, clock, admin(db, clock), replace(NEW, is_admin=True))
    return user(db, made.username)


def test_two_administrators_demoting_each_other_at_once_leave_one(demo, engine, db,
                                                                  pinned_clock):
    second = _second_admin(db, pinned_clock)
    second.password_temporary_until = None  # as after their first access
    second.password_hash = security.hash_password(DEMO_PASSWORD)
    db.add(second)
    db.commit()
    first = user(db, "admin.demo")
    actors = {"admin.demo": admin(db, pinned_clock),
              "nuevo.tesorero": admin(db, pinned_clock, "nuevo.tesorero")}
    pinned_clock.advance(timedelta(seconds=31))
    targets = {"admin.demo": second, "nuevo.tesorero": first}
    codes = {n: code_for(db, n, pinned_clock.now) for n in actors}
    outcomes: dict[str, str] = {}
    barrier = threading.Barrier(2)

    def demote(name: str) -> None:
        with Session(engine) as own:
            target = own.get(User, targets[name].id)
            data = _data_of(target, is_admin=False, profile_id=profile_id(own, "Pruebas1"))
            barrier.wait()
            try:
                changes.update_user(own, actors[name], target.id, listing.version_of(target),
                                    data, codes[name])
                own.commit()
                outcomes[name] = "ok"
            except ValidationError as exc:
                own.rollback()
                outcomes[name] = exc.message

    threads = [threading.Thread(target=demote, args=(n,)) for n in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert list(outcomes.values()).count("ok") == 1, outcomes
    refused = next(v for v in outcomes.values() if v != "ok")
    assert refused in (reach.NOT_ADMIN_ANYMORE, reach.LAST_ADMIN)
    db.expire_all()
    admins = db.exec(select(User).where(User.company_id == first.company_id, User.is_admin,
                                        User.is_active)).all()
    assert len(admins) == 1


def test_inactivating_the_last_other_administrator_is_refused_when_none_would_remain(
        demo, db, pinned_clock):
    second = _second_admin(db, pinned_clock)
    actor = admin(db, pinned_clock)
    me = user(db, "admin.demo")
    me.is_active = False  # as if another session had just inactivated the actor
    db.add(me)
    db.commit()
    with pytest.raises(ValidationError):
        lifecycle.set_active(db, actor, second.id, False, "retiro", "000000")
    db.rollback()
    assert user(db, second.username).is_active


# Cambio de Clave para Usuarios ---------------------------------------------------------

def test_reset_ends_the_sessions_and_sends_a_new_temporary_password(demo, db, pinned_clock):
    session = login(db, "consulta.demo", now=pinned_clock.now).session_token
    app = app_login(db, "consulta.demo",
                    now=pinned_clock.advance(timedelta(seconds=31))).session_token
    actor = admin(db, pinned_clock)
    target = user(db, "consulta.demo")
    done = lifecycle.reset_password(db, actor, target.id, code(db, pinned_clock))
    db.commit()
    assert done.sessions_ended == 2
    for raw, app_side in ((session, False), (app, True)):
        with pytest.raises(SessionExpired, match="clave temporal"):
            access.load_actor(db, raw, app=app_side, now=pinned_clock.now)
    [message] = outbox_for(db, "consulta.demo")
    password = message.body.split("Su clave temporal es: ")[1].split()[0]
    with pytest.raises(LoginFailed):  # the old password is gone
        login(db, "consulta.demo", now=pinned_clock.advance(timedelta(seconds=31)))
    raw = login(db, "consulta.demo", password=password,
                now=pinned_clock.advance(timedelta(seconds=31))).session_token
    assert access.load_actor(db, raw, now=pinned_clock.now).must_change_password
    with pytest.raises(ValidationError, match="Cambio de Clave e Imagen Propia"):
        lifecycle.reset_password(db, admin(db, pinned_clock), actor.user_id,
                                 code(db, pinned_clock))


# Activación/Inactivación ---------------------------------------------------------------

def test_inactivation_ends_sessions_refuses_login_keeps_tokens_and_reactivation_undoes_it(
        demo, db, pinned_clock):
    session = login(db, "consulta.demo", now=pinned_clock.now).session_token
    tokens_before = db.exec(select(Token.id, Token.state).where(
        Token.user_id == user(db, "consulta.demo").id)).all()
    actor = admin(db, pinned_clock)
    target = user(db, "consulta.demo")
    with pytest.raises(ValidationError, match="causal"):
        lifecycle.set_active(db, actor, target.id, False, "reintegro", code(db, pinned_clock))
    done = lifecycle.set_active(db, actor, target.id, False, "retiro", code(db, pinned_clock))
    db.commit()
    assert done.sessions_ended == 1
    with pytest.raises(SessionExpired) as ended:
        access.load_actor(db, session, now=pinned_clock.now)
    assert ended.value.message == sessions.INACTIVE_MESSAGE
    with pytest.raises(LoginFailed) as refused:
        login(db, "consulta.demo", now=pinned_clock.advance(timedelta(seconds=31)))
    assert refused.value.message == sessions.INACTIVE_MESSAGE
    assert db.exec(select(Token.id, Token.state).where(
        Token.user_id == target.id)).all() == tokens_before
    assert user(db, "consulta.demo").state_reason == "retiro"
    assert [m.kind for m in outbox_for(db, "consulta.demo")] == ["usuario_inactivado"]
    with pytest.raises(ValidationError, match="ya está inactivo"):
        lifecycle.set_active(db, actor, target.id, False, "retiro", code(db, pinned_clock))
    lifecycle.set_active(db, admin(db, pinned_clock), target.id, True, "reintegro",
                         code(db, pinned_clock))
    db.commit()
    login(db, "consulta.demo", now=pinned_clock.advance(timedelta(seconds=31)))
    assert [m.kind for m in outbox_for(db, "consulta.demo")] == [
        "usuario_inactivado", "usuario_activado"]
    events = db.exec(select(AuditEvent.action, AuditEvent.after).where(
        AuditEvent.action.in_(["usuario_inactivado", "usuario_activado"]))).all()
    assert [a for a, _ in events] == ["usuario_inactivado", "usuario_activado"]
    assert "Retiro de la empresa" in events[0][1]


def test_nobody_inactivates_themselves_and_a_secondary_user_is_refused(demo, db,
                                                                       pinned_clock):
    actor = admin(db, pinned_clock)
    with pytest.raises(ValidationError, match="propio usuario"):
        lifecycle.set_active(db, actor, actor.user_id, False, "retiro", code(db, pinned_clock))
    secondary = actor_at(db, "prepara.demo", pinned_clock.advance(timedelta(seconds=31)))
    with pytest.raises(AccessDenied):
        lifecycle.set_active(db, secondary, user(db, "consulta.demo").id, False, "retiro",
                             code(db, pinned_clock, "prepara.demo"))
    with pytest.raises(AccessDenied):
        lifecycle.reset_password(db, secondary, user(db, "consulta.demo").id,
                                 code(db, pinned_clock, "prepara.demo"))
    db.rollback()
    assert user(db, "consulta.demo").is_active and user(db, "admin.demo").is_active


def test_a_channel_taken_away_ends_that_channels_session(demo, db, pinned_clock):
    app = app_login(db, "consulta.demo", now=pinned_clock.now).session_token
    portal = login(db, "consulta.demo", now=pinned_clock.advance(
        timedelta(seconds=31))).session_token
    assert access.load_actor(db, app, app=True, now=pinned_clock.now)
    actor = admin(db, pinned_clock)
    target = user(db, "consulta.demo")
    changes.update_user(db, actor, target.id, listing.version_of(target),
                        _data_of(target, channel_app=False), code(db, pinned_clock))
    db.commit()
    with pytest.raises(SessionExpired, match="canal"):
        access.load_actor(db, app, app=True, now=pinned_clock.now)
    assert access.load_actor(db, portal, now=pinned_clock.now).username == "consulta.demo"
    with pytest.raises(LoginFailed, match="App"):
        app_login(db, "consulta.demo", now=pinned_clock.advance(timedelta(seconds=31)))
    assert db.exec(select(LoginSession).where(LoginSession.channel == "app",
                                              LoginSession.ended_at.is_(None))).all() == []
