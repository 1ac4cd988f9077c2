"""Servicios Públicos y Privados: the main flow, end to end in the domain."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from occireflex.domain import access
from occireflex.domain.errors import ValidationError
from occireflex.domain.payments import autopay
from occireflex.domain.payments import inscriptions as enrollments
from occireflex.domain.payments import pay as payments
from occireflex.models import Account, Bill, Biller, Movement, Payment, utcnow
from tests.helpers import code_for, login


def actor_of(db, username):
    return access.load_actor(db, login(db, username).session_token)


def biller(db, code):
    return db.exec(select(Biller).where(Biller.code == code)).one()


def payer(db):
    return db.exec(select(Account).where(Account.number == "256098765")).one()


def ledger_matches(db, account: Account) -> bool:
    """Opening balance + sum of movements == current balance (to the centavo)."""
    db.refresh(account)
    total = db.exec(select(func.coalesce(func.sum(Movement.amount), 0)).where(
        Movement.account_id == account.id)).one()
    return account.current == 8_650_000_000 + total


def test_inscribe_looks_up_current_bill_and_pay_it(demo, db):
    admin = actor_of(db, "admin.demo")
    row = enrollments.inscribe(db, admin, biller(db, "1002").id, "000123456", "Sede Medellín",
                               payer(db).id)
    db.commit()
    assert row.reference == "000123456"  # leading zeros kept
    page, total = enrollments.list_page(db, admin, reference="000123456")
    assert total == 1 and page[0].state in ("Por vencer", "Vencida") and page[0].amount > 0
    lines = payments.payable_lines(db, admin, [row.id])
    now = utcnow()
    results = payments.pay_bills(db, admin, [(row.id, lines[0].bill_id, lines[0].bill_version)],
                                 payer(db).id, code_for(db, "admin.demo", now, 1), now)
    assert results[0].ok and len(results[0].receipt) == 16
    assert db.get(Bill, lines[0].bill_id).status == "pagada"
    assert ledger_matches(db, payer(db))
    # paying again is refused by the bill state, and a forced second payment by the DB
    later = now + timedelta(seconds=60)
    again = payments.pay_bills(db, admin, [(row.id, lines[0].bill_id, lines[0].bill_version)],
                               payer(db).id, code_for(db, "admin.demo", later), later)
    assert not again[0].ok and again[0].reason == payments.ALREADY_PAID
    paid = db.exec(select(func.count()).select_from(Payment).where(
        Payment.bill_id == lines[0].bill_id, Payment.status == "exitosa")).one()
    assert paid == 1


def test_bad_references_are_refused(demo, db):
    admin = actor_of(db, "admin.demo")
    with pytest.raises(ValidationError, match="solo dígitos"):
        enrollments.inscribe(db, admin, biller(db, "1001").id, "12AB567", "", payer(db).id)
    with pytest.raises(ValidationError, match="entre 7 y 10"):
        enrollments.inscribe(db, admin, biller(db, "1001").id, "123", "", payer(db).id)
    with pytest.raises(ValidationError, match="ya está inscrita"):
        enrollments.inscribe(db, admin, biller(db, "1001").id, "0045123987", "", payer(db).id)


def test_insufficient_funds_touch_nothing(demo, db):
    admin = actor_of(db, "admin.demo")
    poor = db.exec(select(Account).where(Account.number == "256034567")).one()  # $302.43
    row = enrollments.inscribe(db, admin, biller(db, "2003").id, "201912345", "Matrícula",
                               poor.id)
    db.commit()
    line = payments.payable_lines(db, admin, [row.id])[0]
    now = utcnow()
    result = payments.pay_bills(db, admin, [(row.id, line.bill_id, line.bill_version)], poor.id,
                                code_for(db, "admin.demo", now, 1), now)[0]
    assert not result.ok and result.reason == payments.INSUFFICIENT
    db.refresh(poor)
    assert poor.available == 30243 and db.get(Bill, line.bill_id).status == "pendiente"


@pytest.mark.clock("2026-12-04T08:00:05")  # Vanti's December bill: issued the 3rd, due the 17th
def test_sweep_pays_programmed_bill_once(demo, db):
    admin = actor_of(db, "admin.demo")
    row = enrollments.inscribe(db, admin, biller(db, "1004").id, "87654321", "Gas",
                               payer(db).id)
    db.commit()
    now = utcnow()
    autopay.set_rule(db, admin, row.id, autopay.RuleInput(payer(db).id, 0, 10**12,
                                                          date(2026, 12, 4), None),
                     code_for(db, "admin.demo", now, 1), now)
    db.commit()
    bill = db.exec(select(Bill).where(Bill.reference == "87654321")).one()
    when = datetime.combine(autopay.pay_date(bill.due_on, 0), datetime.min.time(), UTC) \
        + timedelta(hours=13)
    first = autopay.run_sweep(db, when)
    second = autopay.run_sweep(db, when + timedelta(hours=1))
    assert first.paid >= 1 and second.paid == 0
    db.expire_all()
    assert db.get(Bill, bill.id).status == "pagada"
    assert ledger_matches(db, payer(db))
