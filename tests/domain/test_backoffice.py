"""The bank's back office: a company onboarded from an empty database by CLI, each command
idempotent or refusing clearly (issue 13, point 1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from occireflex.cli import main
from occireflex.domain import auth, backoffice, nit
from occireflex.domain.errors import LoginFailed, ValidationError
from occireflex.models import (
    Account,
    AuditEvent,
    Company,
    Enrollment,
    Movement,
    Profile,
    Token,
    User,
)
from tests.helpers import login

NIT = "900.123.456-8"


# NIT and its check digit ---------------------------------------------------------------

@pytest.mark.parametrize("number, digit", [("800197268", 4), ("890903938", 8),
                                           ("890300279", 4), ("900123456", 8)])
def test_check_digits_of_known_nits(number, digit):
    assert nit.check_digit(number) == digit
    assert nit.parse(f"{number}-{digit}") == f"{number}-{digit}"


def test_nit_formats_and_wrong_digits():
    assert nit.parse(" 900.123.456-8 ") == "900123456-8"
    with pytest.raises(ValidationError, match="dígito de verificación del NIT 900123456 es 8, "
                                              "no 7"):
        nit.parse("900123456-7")
    for bad in ("900123456", "9001-8", "abc", None, 900123456, "900123456-88"):
        with pytest.raises(ValidationError, match="con su dígito de verificación"):
            nit.parse(bad)


# Onboarding ----------------------------------------------------------------------------

def test_five_commands_onboard_a_company_whose_admin_logs_in(engine, db, capsys,
                                                             pinned_clock):
    assert main(["empresa", "crear", "--nit", NIT, "--nombre", "Nueva Empresa S.A.S."]) == 0
    assert main(["cuenta", "crear", "--nit", NIT, "--tipo", "corriente", "--numero",
                 "301000001", "--saldo", "25.000.000"]) == 0
    assert main(["cuenta", "crear", "--nit", NIT, "--tipo", "ahorros", "--numero",
                 "401000001"]) == 0
    assert main(["usuario", "crear", "--admin", "--nit", NIT, "--usuario", "tesoreria.nueva",
                 "--nombre", "Marta Lucía Díaz", "--correo", "tesoreria@nueva.com",
                 "--serial", "occ-200001"]) == 0
    out = capsys.readouterr().out
    assert "Empresa creada: Nueva Empresa S.A.S., NIT 900123456-8." in out
    assert "con saldo $25,000,000.00" in out
    temporary = out.split("Clave temporal: ")[1].split()[0]
    assert len(temporary) == 19 and "token físico OCC-200001" in out

    company = db.exec(select(Company).where(Company.nit == "900123456-8")).one()
    admin = db.exec(select(User).where(User.company_id == company.id)).one()
    assert admin.is_admin and admin.own_image == "" and temporary not in admin.password_hash
    assert admin.password_temporary_until.replace(tzinfo=None) == \
        (pinned_clock.now + timedelta(hours=24)).replace(tzinfo=None)
    checking = db.exec(select(Account).where(Account.number == "301000001")).one()
    [opening] = db.exec(select(Movement).where(Movement.account_id == checking.id)).all()
    assert checking.current == checking.available == opening.balance_after == 2_500_000_000
    # nothing but what the bank created: no demo profiles, inscriptions or other users
    assert db.exec(select(func.count()).select_from(Profile)).one() == 0
    assert db.exec(select(func.count()).select_from(Enrollment)).one() == 0
    actions = {a for a in db.exec(select(AuditEvent.action).where(
        AuditEvent.company_id == company.id, AuditEvent.channel == "banco")).all()}
    assert actions == {"empresa_creada", "cuenta_creada", "usuario_creado"}
    assert all(temporary not in (a.after or "") for a in db.exec(select(AuditEvent)).all())

    # the administrator logs in with the temporary password and the physical token
    assert login(db, "tesoreria.nueva", password=temporary).user_id == admin.id


def test_a_temporary_password_expires_after_24_hours(engine, db, pinned_clock):
    backoffice.create_company(db, NIT, "Nueva Empresa S.A.S.")
    made = backoffice.create_first_admin(db, NIT, "tesoreria.nueva", "Marta Díaz",
                                         "tesoreria@nueva.com", "OCC-200001")
    db.commit()
    pinned_clock.advance(timedelta(hours=24, minutes=1))
    with pytest.raises(LoginFailed, match="Su clave temporal venció"):
        login(db, "tesoreria.nueva", password=made.temporary_password)
    refused = db.exec(select(AuditEvent).where(AuditEvent.action == "login_fallido")).one()
    assert "clave temporal vencida" in refused.after


def test_each_command_again_changes_nothing(engine, db):
    first = [backoffice.create_company(db, NIT, "Nueva Empresa S.A.S."),
             backoffice.create_account(db, NIT, "corriente", "301000001", "1.000.000"),
             backoffice.create_first_admin(db, NIT, "tesoreria.nueva", "Marta Díaz",
                                           "tesoreria@nueva.com", "OCC-200001")]
    db.commit()
    again = [backoffice.create_company(db, "900123456-8", "Nueva Empresa S.A.S."),
             backoffice.create_account(db, NIT, "corriente", "301000001", "1.000.000"),
             backoffice.create_first_admin(db, NIT, "TESORERIA.NUEVA", "Marta Díaz",
                                           "tesoreria@nueva.com", "OCC-200001"),
             backoffice.assign_token(db, "tesoreria.nueva", "OCC-200001")]
    db.commit()
    assert all(o.created for o in first) and not any(o.created for o in again)
    assert "nada cambió" in again[0].message and again[2].temporary_password == ""
    for model in (Company, Account, User, Token, Movement):
        assert db.exec(select(func.count()).select_from(model)).one() == 1


@pytest.mark.parametrize("call, message", [
    (lambda db: backoffice.create_company(db, NIT, "Otra Razón S.A.S."),
     "ya es de «Nueva Empresa S.A.S.»"),
    (lambda db: backoffice.create_company(db, "900123457-5", "x"), "razón social"),
    (lambda db: backoffice.create_account(db, "800197268-4", "corriente", "301000002", "0"),
     "No existe una empresa con NIT 800197268-4"),
    (lambda db: backoffice.create_account(db, NIT, "ahorros", "301000001", "0"),
     "ya existe y es de otra empresa o de otro tipo"),
    (lambda db: backoffice.create_account(db, NIT, "cdt", "301000009", "0"), "corriente o"),
    (lambda db: backoffice.create_account(db, NIT, "ahorros", "30-1", "0"), "entre 6 y 20"),
    (lambda db: backoffice.create_account(db, NIT, "ahorros", "301000009", "-5"),
     "saldo inicial"),
    (lambda db: backoffice.create_first_admin(db, NIT, "otro.admin", "Otro Admin",
                                              "otro@nueva.com", "OCC-200009"),
     "ya tiene administrador (tesoreria.nueva)"),
    (lambda db: backoffice.create_first_admin(db, NIT, "corto", "Nombre", "a@b.co", "OCC-2"),
     "entre 6 y 20 caracteres"),
    (lambda db: backoffice.create_first_admin(db, NIT, "nombre.valido", "Nombre", "correo",
                                              "OCC-200009"), "correo válido"),
    (lambda db: backoffice.assign_token(db, "tesoreria.nueva", "OCC-200009"),
     "ya tiene un token activo (OCC-200001)"),
    (lambda db: backoffice.assign_token(db, "nadie.aqui", "OCC-200009"),
     "No existe el usuario nadie.aqui"),
    (lambda db: backoffice.assign_token(db, "tesoreria.nueva", "a b"), "serial del token"),
])
def test_clashes_and_bad_input_are_refused_in_spanish_and_change_nothing(engine, db, call,
                                                                         message):
    backoffice.create_company(db, NIT, "Nueva Empresa S.A.S.")
    backoffice.create_account(db, NIT, "corriente", "301000001", "0")
    backoffice.create_first_admin(db, NIT, "tesoreria.nueva", "Marta Díaz",
                                  "tesoreria@nueva.com", "OCC-200001")
    db.commit()
    counts = [db.exec(select(func.count()).select_from(m)).one()
              for m in (Company, Account, User, Token, AuditEvent)]
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(db)
    db.rollback()
    assert counts == [db.exec(select(func.count()).select_from(m)).one()
                      for m in (Company, Account, User, Token, AuditEvent)]


def test_a_serial_already_handed_out_and_a_second_user_by_the_bank_are_refused(engine, db,
                                                                               capsys):
    backoffice.create_company(db, NIT, "Nueva Empresa S.A.S.")
    backoffice.create_company(db, "800197268-4", "Segunda S.A.S.")
    backoffice.create_first_admin(db, NIT, "tesoreria.nueva", "Marta Díaz",
                                  "tesoreria@nueva.com", "OCC-200001")
    db.commit()
    with pytest.raises(ValidationError, match="El token OCC-200001 ya fue entregado"):
        backoffice.create_first_admin(db, "800197268-4", "admin.segunda", "Admin Dos",
                                      "admin@segunda.com", "OCC-200001")
    db.rollback()
    assert main(["usuario", "crear", "--nit", NIT, "--usuario", "otro.usuario", "--nombre",
                 "Otro", "--correo", "o@nueva.com", "--serial", "OCC-200002"]) == 2
    assert main(["empresa", "crear", "--nit", "900123456-7", "--nombre", "X S.A.S."]) == 1
    err = capsys.readouterr().err
    assert "Configuración de Usuarios" in err and "es 8, no 7" in err


def test_a_user_whose_token_was_blocked_gets_a_new_physical_one(engine, db):
    backoffice.create_company(db, NIT, "Nueva Empresa S.A.S.")
    backoffice.create_first_admin(db, NIT, "tesoreria.nueva", "Marta Díaz",
                                  "tesoreria@nueva.com", "OCC-200001")
    db.commit()
    fob = db.exec(select(Token)).one()
    fob.state = "bloqueado"
    db.commit()
    assert backoffice.assign_token(db, "tesoreria.nueva", "OCC-200002").created
    db.commit()
    assert [t.serial for t in db.exec(select(Token).where(Token.state == "activo")).all()] \
        == ["OCC-200002"]
    assert auth.normalize_username("Tesoreria.Nueva") == "tesoreria.nueva"


def test_before_choosing_one_a_new_user_is_shown_an_image_that_exists(engine, db,
                                                                      pinned_clock):
    backoffice.create_company(db, NIT, "Nueva Empresa S.A.S.")
    backoffice.create_first_admin(db, NIT, "tesoreria.nueva", "Marta Díaz",
                                  "tesoreria@nueva.com", "OCC-200001")
    db.commit()
    flow = auth.LoginFlow(step=auth.STEP_PASSWORD, username="tesoreria.nueva",
                          started_at=pinned_clock.now, token_ok=True)
    assert auth.own_image(db, flow) in auth.OWN_IMAGES


def test_a_temporary_password_opens_only_the_first_access_then_everything(engine, db,
                                                                         pinned_clock):
    from occireflex import catalog
    from occireflex.domain import access, own_account
    from occireflex.domain.errors import AccessDenied
    from tests.helpers import code_for

    backoffice.create_company(db, NIT, "Nueva Empresa S.A.S.")
    made = backoffice.create_first_admin(db, NIT, "tesoreria.nueva", "Marta Díaz",
                                         "tesoreria@nueva.com", "OCC-200001")
    db.commit()
    session = login(db, "tesoreria.nueva", password=made.temporary_password).session_token
    actor = access.load_actor(db, session)
    assert actor.must_change_password and actor.is_admin and actor.visible_services() == ()
    with pytest.raises(AccessDenied):
        access.require(db, actor, catalog.SERVICIOS_PUBLICOS)
    with pytest.raises(ValidationError, match="imágenes de la galería"):
        own_account.complete_first_access(db, actor, "tres tigres comen trigo",
                                          "tres tigres comen trigo", "x", "000000")
    with pytest.raises(ValidationError, match="más usadas"):
        own_account.complete_first_access(db, actor, "password1", "password1", "sol",
                                          "000000")
    pinned_clock.advance(timedelta(seconds=31))
    own_account.complete_first_access(db, actor, "tres tigres comen trigo",
                                      "tres tigres comen trigo", "sol",
                                      code_for(db, "tesoreria.nueva", pinned_clock.now))
    db.commit()
    again = access.load_actor(db, session)  # the cached Actor is not served: the stamp moved
    assert not again.must_change_password and again.can(catalog.SERVICIOS_PUBLICOS)
    assert db.exec(select(User)).one().own_image == "sol"
    pinned_clock.advance(timedelta(seconds=31))
    with pytest.raises(LoginFailed):  # the temporary password is gone
        login(db, "tesoreria.nueva", password=made.temporary_password)
