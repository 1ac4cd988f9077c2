"""Dual control as the browser drives it: a payment kept «Pendiente por autorizar», the
inbox in the portal and in the App, authorize / reject with the token, and forged events
refused with the database as proof."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from occireflex.models import Account, OperationApproval, Payment, PendingOperation
from occireflex.state.pending_ops import PendingOpsState
from tests.domain.test_dual_control import NOW
from tests.helpers import app_login, code_for, login
from tests.state.conftest import PHONE_UA, Browser

pytestmark = pytest.mark.clock(NOW)


def portal(db, username: str, minutes: int = 0) -> Browser:
    b = Browser()
    b.set_sid(login(db, username, now=NOW - timedelta(minutes=10 - minutes)).session_token)
    return b


def balance(db) -> int:
    db.expire_all()
    return db.exec(select(Account.current).where(Account.number == "256098765")).one()


def paid(db) -> int:
    return db.exec(select(func.count()).select_from(Payment).where(
        Payment.status == "exitosa")).one()


def prepared(db) -> tuple[Browser, int]:
    """prepara.demo pays two bills from the portal: kept for authorization."""
    b = portal(db, "prepara.demo")
    b.payments.load()
    b.payments.selected = [r["id"] for r in b.payments.rows[:2]]
    b.payments.pay_selected()
    assert b.payments.stage == "pay" and b.payments.pay_required == 1
    before = balance(db)
    b.payments.confirm_payment({"token": code_for(db, "prepara.demo", NOW)})
    assert b.payments.pay_error == "" and b.payments.stage == "result"
    assert "Pendiente por autorizar" in b.payments.pending_text
    assert balance(db) == before and paid(db) == 0
    return b, db.exec(select(PendingOperation.id)).one()


def test_prepare_then_authorize_in_the_portal(bank, db):
    _, operation_id = prepared(db)
    checker = portal(db, "autoriza.demo", 1)
    inbox = checker.get(PendingOpsState)
    inbox.load_ops()
    [row] = inbox.ops_rows
    assert row["id"] == str(operation_id) and row["can_authorize"] == "1"
    assert inbox.ops_badge == 1 and inbox.ops_can_excel
    inbox.ops_open_detail(row["id"])
    assert inbox.ops_detail_open and len(inbox.ops_detail_lines) == 2
    inbox.ops_ask("autorizar", row["id"])
    inbox.ops_confirm({"token": "000000"})
    assert inbox.ops_dialog_error and paid(db) == 0  # a wrong code: nothing moved
    inbox.ops_confirm({"token": code_for(db, "autoriza.demo", NOW)})
    assert inbox.ops_dialog_error == "" and inbox.ops_outcomes[0]["ok"] == "1"
    assert paid(db) == 2 and inbox.ops_rows == []


def test_the_preparer_sees_no_authorize_and_a_forged_one_is_refused(bank, db):
    b, operation_id = prepared(db)
    inbox = b.get(PendingOpsState)
    inbox.load_ops()
    [row] = inbox.ops_rows
    assert row["own"] == "1" and row["can_authorize"] == ""
    inbox.ops_toggle(row["id"], True)  # not selectable
    assert inbox.ops_selected == []
    inbox.ops_dialog_ids, inbox.ops_verb = [str(operation_id)], "autorizar"  # forged
    inbox.ops_confirm({"token": code_for(db, "prepara.demo", NOW, 1)})
    assert "usted preparó" in inbox.ops_dialog_error
    assert db.exec(select(func.count()).select_from(OperationApproval)).one() == 0
    assert paid(db) == 0


def test_another_company_and_forged_ids_change_nothing(bank, db):
    _, operation_id = prepared(db)
    stranger = portal(db, "admin.otra", 1).get(PendingOpsState)
    stranger.load_ops()
    assert stranger.ops_rows == [] and stranger.ops_total == 0
    for forged in ([str(operation_id)], ["x"], ["-1"], [None], []):
        stranger.ops_dialog_ids, stranger.ops_verb = forged, "autorizar"
        stranger.ops_confirm({"token": code_for(db, "admin.otra", NOW)})
        assert stranger.ops_dialog_error
    stranger.ops_open_detail(str(operation_id))
    assert stranger.ops_error and not stranger.ops_detail_open
    stranger.ops_cancel(operation_id)
    db.expire_all()
    assert db.get(PendingOperation, operation_id).state == "pendiente" and paid(db) == 0


def test_reject_with_reason_from_the_app(bank, db):
    _, operation_id = prepared(db)
    phone = Browser(user_agent=PHONE_UA)
    phone.set_app_sid(app_login(db, "autoriza.demo", now=NOW - timedelta(minutes=8))
                      .session_token)
    phone.app.open_home()
    tile = next(t for t in phone.app.tiles if t["label"] == "Autorizaciones pendientes")
    assert tile["badge"] == "1"
    approvals = phone.approvals
    approvals.load()
    assert [r["id"] for r in approvals.ops_rows] == [str(operation_id)]
    approvals.ops_ask("rechazar", str(operation_id))
    approvals.ops_confirm({"token": code_for(db, "autoriza.demo", NOW), "reason": ""})
    assert "motivo" in approvals.ops_dialog_error
    approvals.ops_confirm({"token": code_for(db, "autoriza.demo", NOW),
                           "reason": "Factura duplicada"})
    assert approvals.ops_outcomes[0]["ok"] == "1"
    db.expire_all()
    operation = db.get(PendingOperation, operation_id)
    assert operation.state == "rechazada" and operation.reason == "Factura duplicada"
    assert paid(db) == 0
