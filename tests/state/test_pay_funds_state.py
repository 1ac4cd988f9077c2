"""Funds before the token (issue 16, point 1): the confirmation panel flags each bill the
chosen account cannot cover and disables confirmation; «Quitar» takes a bill out; a forged
confirmation is refused before the token is checked, so the code is not spent."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from occireflex.domain.payments import pay
from occireflex.models import Account, Payment, utcnow
from tests.helpers import code_for


def _account_id(db, number: str) -> str:
    return str(db.exec(select(Account.id).where(Account.number == number)).one())


def _payments(db) -> int:
    return db.exec(select(func.count()).select_from(Payment)).one()


def _paying_two(logged_in):
    b = logged_in("admin.demo")
    b.payments.load()
    for row_id in [r["id"] for r in b.payments.rows if r["payable"]][:2]:
        b.payments.toggle_selected(row_id)
    b.payments.pay_selected()
    assert b.payments.stage == "pay" and len(b.payments.pay_lines) == 2
    return b


def test_bills_the_account_cannot_cover_are_flagged_and_block_confirmation(logged_in, db):
    b = _paying_two(logged_in)
    assert b.payments.pay_short == 0 and all(line["covered"] for line in b.payments.pay_lines)
    b.payments.set_pay_account(_account_id(db, "256034567"))  # $302.43
    assert b.payments.pay_short == 2
    assert [line["covered"] for line in b.payments.pay_lines] == ["", ""]

    code = code_for(db, "admin.demo", utcnow(), 1)
    before = _payments(db)
    b.payments.confirm_payment({"token": code})  # forged: the button is disabled
    assert "Fondos insuficientes en la cuenta débito: disponible $302.43" in b.payments.pay_error
    assert _payments(db) == before and b.payments.stage == "pay"

    b.payments.set_pay_account(_account_id(db, "256098765"))
    assert b.payments.pay_short == 0
    b.payments.confirm_payment({"token": code})  # the same code: it was not spent
    assert b.payments.stage == "result" and b.payments.results_ok == 2


def test_quitar_takes_a_bill_out_and_the_last_one_returns_to_the_grid(logged_in):
    b = _paying_two(logged_in)
    first, second = (line["reference"] for line in b.payments.pay_lines)
    total_before = b.payments.pay_total
    for forged in ("x", "-1", 7, None, "２"):
        b.payments.remove_pay_line(forged)
    assert len(b.payments.pay_lines) == 2 and b.payments.pay_total == total_before
    b.payments.remove_pay_line("0")
    assert [line["reference"] for line in b.payments.pay_lines] == [second]
    assert b.payments.pay_total == b.payments.pay_lines[0]["amount"]
    assert first not in str(b.payments.pay_lines)
    b.payments.remove_pay_line("0")
    assert b.payments.stage == "grid"


def test_funds_cover_each_bill_after_the_ones_before_it():
    assert pay.funds_cover(150, [100, 60, 50]) == [True, False, True]
    assert pay.funds_cover(0, [1]) == [False]
    assert pay.funds_cover(10, []) == []


@pytest.mark.clock("2026-12-04T10:00")  # Enel's bill due 2026/11/20, Claro's 2026/12/16
def test_an_overdue_bill_is_said_in_the_confirmation(logged_in):
    b = logged_in("admin.demo")
    b.payments.load()
    rows = {r["reference"]: r for r in b.payments.rows}
    b.payments.pay_one(rows["0045123987"]["id"])
    assert b.payments.pay_lines[0]["state"] == "Vencida" and b.payments.pay_overdue == 1
    b.payments.back_to_grid()
    b.payments.pay_one(rows["8012345678"]["id"])
    assert b.payments.pay_lines[0]["state"] == "Por vencer" and b.payments.pay_overdue == 0
