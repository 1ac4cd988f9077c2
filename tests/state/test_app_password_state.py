"""The App's «Cambio de Clave» (``/app/clave``) as the browser calls it, forged calls
included, and the App with a temporary password: a new user enrolls the virtual token
first, then chooses the password and the image with a code of it (issue 13, points 4, 7)."""

from __future__ import annotations

from datetime import timedelta

import pyotp
from sqlmodel import select

from occireflex.domain import own_account
from occireflex.domain.auth import TOKEN_INVALID
from occireflex.models import AuditEvent, OutboxMessage, PasswordHistory
from tests.helpers import DEMO_PASSWORD, app_login
from tests.state.test_own_account_state import NEW, fresh_code, user_row
from tests.state.test_token_state import deliver, enroll_ticket, release_in_portal, spare_code

PASSWORD = "/app/clave"
PERMISSION = "No tiene permiso para realizar esta operación."  # the domain's refusal


def temporary(db, clock, username: str) -> None:
    user = user_row(db, username)
    user.password_temporary_until = clock.now + timedelta(hours=24)
    db.add(user)
    db.commit()


def test_every_app_user_changes_their_password(in_app, db, pinned_clock):
    b = in_app("consulta.demo")
    b.app.open_home()
    assert "Cambio de Clave" in [t["label"] for t in b.app.tiles] and not b.app.must_change
    b.navigate(PASSWORD)
    assert b.app_password.load() is None and not b.app_password.must_change
    assert not b.app_password.virtual_token  # a physical token: no code on this screen
    before = user_row(db, "consulta.demo").password_hash
    b.app_password.change_password({"actual": "otra", "nueva": NEW, "repetir": NEW,
                                    "token": fresh_code(db, pinned_clock, "consulta.demo")})
    assert b.app_password.error == own_account.WRONG_CURRENT
    b.app_password.change_password({"actual": DEMO_PASSWORD, "nueva": NEW, "repetir": NEW,
                                    "token": "123456"})
    assert b.app_password.error == TOKEN_INVALID
    for forged in (None, [], {"actual": 7}, {"nueva": NEW, "repetir": NEW}):
        b.app_password.change_password(forged)
        assert b.app_password.error and b.app_password.message == ""
    b.app_password.save({"nueva": NEW, "repetir": NEW, "token": "123456"})  # not a first access
    assert b.app_password.error == own_account.NOT_FIRST_ACCESS
    assert user_row(db, "consulta.demo").password_hash == before
    assert db.exec(select(OutboxMessage)).all() == []

    b.app_password.measure(NEW)
    assert b.app_password.strength >= 3
    b.app_password.change_password({"actual": DEMO_PASSWORD, "nueva": NEW, "repetir": NEW,
                                    "token": fresh_code(db, pinned_clock, "consulta.demo")})
    assert b.app_password.error == "" and "Su clave fue cambiada" in b.app_password.message
    assert b.app_password.strength_label == ""  # the form was cleared
    user = user_row(db, "consulta.demo")
    assert user.password_hash != before
    assert db.exec(select(PasswordHistory.password_hash)).all() == [before]
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "clave_cambiada",
                                             AuditEvent.outcome == "ok")).one()
    assert (event.user_id, event.channel) == (user.id, "app")
    notice = db.exec(select(OutboxMessage)).one()
    assert notice.user_id == user.id and "desde la App Banco de Occidente" in notice.body
    pinned_clock.advance(timedelta(seconds=31))
    assert app_login(db, "consulta.demo", password=NEW).user_id == user.id


def test_a_temporary_password_with_an_active_token_goes_to_the_first_access(in_app, db,
                                                                            pinned_clock):
    temporary(db, pinned_clock, "admin.demo")
    b = in_app("admin.demo")
    assert PASSWORD in str(b.app.open_home())
    assert [t["label"] for t in b.app.tiles] == ["Token Virtual", "Cambio de Clave"]
    assert b.app.must_change and not b.app.token_missing and not b.app.is_admin
    b.app_balances.load()  # every other screen keeps refusing
    assert b.app_balances.checking == [] and b.app_balances.error == PERMISSION
    b.approvals.load()
    assert b.approvals.requests == [] and b.approvals.error
    b.navigate(PASSWORD)
    assert b.app_password.load() is None and b.app_password.must_change
    # the change of an established password is refused (and audited) meanwhile
    b.app_password.change_password({"actual": DEMO_PASSWORD, "nueva": NEW, "repetir": NEW,
                                    "token": fresh_code(db, pinned_clock, "admin.demo")})
    assert b.app_password.error == PERMISSION
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "acceso_denegado")).first()
    b.app_password.choose_image("../../x")
    b.app_password.save({"nueva": NEW, "repetir": NEW, "token": "123456"})
    assert b.app_password.error == own_account.UNKNOWN_IMAGE
    b.app_password.choose_image("ballena")
    result = b.app_password.save({"nueva": NEW, "repetir": NEW,
                                  "token": fresh_code(db, pinned_clock, "admin.demo")})
    assert "/app" in str(result) and b.app_password.error == ""
    assert b.app.tiles == [] and not b.app.checked  # the home waits for its new tiles
    user = user_row(db, "admin.demo")
    assert user.password_temporary_until is None and user.own_image == "ballena"
    assert b.app.open_home() is None and not b.app.must_change
    assert "Saldos" in [t["label"] for t in b.app.tiles] and b.app.is_admin


def test_a_new_virtual_token_is_enrolled_before_the_first_access(logged_in, in_app, db,
                                                                 pinned_clock):
    """autoriza.demo's only token is virtual: released, she is left with none, as a new user
    given a virtual token; she logs into the App with the activation code."""
    release_in_portal(logged_in("admin.demo"), db, "autoriza.demo", "cambio_dispositivo")
    admin = in_app("admin.demo", spare_code(db, "admin.demo"))
    admin.approvals.load()
    admin.approvals.decide(admin.approvals.requests[0]["id"], "autorizar")
    activation = admin.approvals.done_code
    temporary(db, pinned_clock, "autoriza.demo")
    b = in_app("autoriza.demo", activation)
    assert b.app.open_home() is None  # no token yet: the home, not the form
    assert [t["label"] for t in b.app.tiles] == ["Token Virtual"]
    assert b.app.must_change and b.app.token_missing
    b.navigate(PASSWORD)
    assert "/app" in str(b.app_password.load())  # the form waits for the token
    b.app_password.choose_image("luna")
    b.app_password.save({"nueva": NEW, "repetir": NEW, "token": "123456"})
    assert b.app_password.error == TOKEN_INVALID
    assert user_row(db, "autoriza.demo").password_temporary_until is not None

    b.navigate("/app/token")
    b.app_token.load()
    assert b.app_token.can_enroll
    b.app_token.start({"dispositivo": "Celular de Laura"})
    seed = pyotp.parse_uri(deliver(b, enroll_ticket(b))["uri"]).secret
    totp = pyotp.TOTP(seed)
    b.app_token.activate({"codigo": totp.at(pinned_clock.now)})
    assert b.app_token.active and b.app_token.error == ""
    b.navigate("/app")
    assert PASSWORD in str(b.app.open_home())
    assert not b.app.token_missing
    b.navigate(PASSWORD)
    assert b.app_password.load() is None and b.app_password.must_change
    assert b.app_password.virtual_token  # its code is shown above «Ingrese Token»
    b.app_password.choose_image("luna")
    pinned_clock.advance(timedelta(seconds=31))
    b.app_password.save({"nueva": NEW, "repetir": NEW, "token": totp.at(pinned_clock.now)})
    assert b.app_password.error == ""
    user = user_row(db, "autoriza.demo")
    assert user.password_temporary_until is None and user.own_image == "luna"
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "primer_ingreso",
                                             AuditEvent.outcome == "ok")).one()
    assert (event.user_id, event.channel) == (user.id, "app")
    b.app.open_home()
    assert not b.app.must_change and "Saldos" in [t["label"] for t in b.app.tiles]
