"""The one handler wrapper (state/handler.py): its contract, seen from the browser's side.

One database session per event; no session → login redirect and nothing runs; a domain
error → its message, the unit of work rolled back (the database is the proof).
"""

from __future__ import annotations

import inspect

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from occireflex.models import Enrollment
from occireflex.state.payments import PaymentsState
from occireflex.state.profiles import ProfilesListState
from tests.state.conftest import Browser


@pytest.fixture
def session_count():
    """How many database sessions the code under test opens."""
    opened = []

    def count(session, _transaction, _connection):
        if session not in opened:
            opened.append(session)

    event.listen(Session, "after_begin", count)
    yield opened
    event.remove(Session, "after_begin", count)


def test_event_signature_shows_only_browser_arguments():
    # Reflex reads the arguments a browser may send from the signature: never actor or db
    assert list(inspect.signature(PaymentsState.save_edit.fn).parameters) == ["self", "form_data"]
    assert list(inspect.signature(ProfilesListState.load.fn).parameters) == ["self"]
    # Reflex awaits a coroutine event: its body runs in the event threads, off the loop
    assert inspect.iscoroutinefunction(PaymentsState.save_edit.fn)


@pytest.mark.parametrize("turn", ["go_to_page", "set_filter_state", "toggle_favorite"])
def test_one_session_per_portal_event(logged_in, session_count, turn):
    b = logged_in("admin.demo")
    b.navigate("/transacciones/pagos/servicios")
    b.portal.guard("transacciones.pagos.servicios")
    b.payments.load()
    session_count.clear()
    if turn == "go_to_page":
        b.payments.go_to_page(1)
    elif turn == "set_filter_state":
        b.payments.set_filter_state("Por vencer")
    else:
        b.portal.toggle_favorite()
    assert len(session_count) == 1  # actor, shell, favorites and the work share it


def test_without_session_redirects_and_changes_nothing(logged_in, db):
    target = db.exec(select(Enrollment).where(Enrollment.reference == "12345678")).one()
    stranger = Browser()
    stranger.payments.edit_id = target.id
    answer = stranger.payments.save_edit({"alias": "cambiado sin sesión"})
    assert "/login" in str(answer)
    db.expire_all()
    assert db.get(Enrollment, target.id).alias != "cambiado sin sesión"


def test_domain_error_is_a_message_and_rolls_back(logged_in, db):
    b = logged_in("admin.demo")
    b.payments.load()
    target = db.exec(select(Enrollment).where(Enrollment.reference == "12345678")).one()
    before = target.alias
    b.payments.open_edit(str(target.id))
    b.payments.set_edit_account("999999")  # not an account of the company
    assert b.payments.save_edit({"alias": "Alias nuevo"}) is None
    assert b.payments.error  # the domain's Spanish message, no crash
    db.expire_all()
    assert db.get(Enrollment, target.id).alias == before
