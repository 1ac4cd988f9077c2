"""Login handlers as the browser calls them, including forged calls."""

from __future__ import annotations

from reflex_base.utils.format import json_dumps
from sqlmodel import select

from occireflex.domain import auth
from occireflex.models import LoginSession, User, utcnow
from tests.helpers import code_for


def _drive_to_password(b, db, username="admin.demo", code=None):
    b.login.submit_username({"usuario": username})
    b.login.submit_token({"token": code or code_for(db, username, utcnow())})
    b.login.set_accepted(True)
    b.login.accept_conditions()


def test_full_login_hands_the_page_a_ticket_for_the_httponly_cookie(browser, db):
    _drive_to_password(browser, db)
    assert browser.login.step == 4
    assert browser.login.image == "faro"
    browser.login.submit_password({"clave": "Demo2026*"})
    command = browser.command(browser.login)
    assert command["name"] == "redeem" and browser.login.entering
    ticket = command["args"][0]
    assert browser.sid == "" and browser.portal._actor() is None  # not a session yet
    browser.run_command(browser.login)  # the page's script: POST /api/sesion
    assert browser.sid and browser.sid != ticket and len(browser.sid) > 30
    assert browser.portal._actor().username == "admin.demo"
    row = db.exec(select(LoginSession)).one()
    db.refresh(row)
    assert row.token_hash != browser.sid  # only the hash is stored
    assert row.ip == "10.9.9.9" and row.channel == "web" and row.redeemed_at is not None
    assert "/" in str(browser.login.on_load())


def test_no_public_var_holds_the_session_id(logged_in):
    """What Reflex would send the browser (the whole state, serialized for the page)."""
    b = logged_in("admin.demo")
    b.portal.guard_home()
    sent = json_dumps(b.root.dict())
    assert b.sid and b.sid not in sent and "occi_sid" not in sent


def test_forged_password_before_token_is_refused(browser, db):
    browser.login.submit_username({"usuario": "admin.demo"})
    browser.login.submit_password({"clave": "Demo2026*"})
    assert browser.login.command == "" and browser.sid == ""
    assert browser.login.error == auth.OUT_OF_ORDER
    assert db.exec(select(LoginSession)).first() is None


def test_forged_accept_without_checkbox_is_refused(browser, db):
    browser.login.submit_username({"usuario": "admin.demo"})
    browser.login.submit_token({"token": code_for(db, "admin.demo", utcnow())})
    browser.login.accept_conditions()  # checkbox never ticked
    assert browser.login.step == 3
    assert "condiciones" in browser.login.error


def test_forged_argument_types_do_not_crash(browser, db):
    browser.login.submit_username({"usuario": ["admin.demo"]})
    assert browser.login.step == 1 and browser.login.error
    browser.login.submit_username({"usuario": "admin.demo"})
    browser.login.submit_token({"token": 123456})
    assert browser.login.step == 2 and "6 dígitos" in browser.login.error
    browser.login.set_accepted("yes")
    assert browser.login.accepted is False


def test_wrong_password_gives_generic_message_and_restarts(browser, db):
    _drive_to_password(browser, db)
    browser.login.submit_password({"clave": "nope"})
    assert browser.login.error == auth.GENERIC_FAILURE
    assert browser.login.step == 1 and browser.login.command == ""
    user = db.exec(select(User).where(User.username == "admin.demo")).one()
    db.refresh(user)
    assert user.failed_attempts == 1


def test_unknown_user_gets_same_message(browser, db):
    _drive_to_password(browser, db, username="nadie.demo", code="123456")
    browser.login.submit_password({"clave": "Demo2026*"})
    assert browser.login.error == auth.GENERIC_FAILURE


def test_login_page_redirects_when_already_logged_in(logged_in):
    b = logged_in("admin.demo")
    assert "/" in str(b.login.on_load())


def test_forged_cookie_is_not_a_session(browser):
    browser.set_sid("A" * 43)
    assert browser.portal._actor() is None
    assert "login" in str(browser.portal.guard_home())


def test_a_step_taken_before_the_page_loaded_is_not_undone_by_its_on_load(browser, db):
    """Reflex chains the page's on_load after the socket's hydrate, behind any event the
    browser already sent: a quick «Siguiente» on a slow server runs first."""
    browser.root.is_hydrated = False  # the hydrate has not run the page's on_load yet
    browser.login.submit_username({"usuario": "admin.demo"})
    assert browser.login.step == 2
    browser.login.on_load()
    assert browser.login.step == 2  # the user is asked for the token, as they expect
    browser.login.on_load()  # a later visit to /login starts over
    assert browser.login.step == 1
    browser.root.is_hydrated = True
    browser.login.submit_username({"usuario": "admin.demo"})
    browser.login.on_load()  # a step taken on a loaded page: on_load restarts as before
    assert browser.login.step == 1
