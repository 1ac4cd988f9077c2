"""A bill is never paid twice, under real concurrency, on SQLite and PostgreSQL.

Threads (each with its own Session on the fixture's engine) start together at a
``threading.Barrier`` and pay the same bill: through ``payments.pay_one`` (the primitive),
through ``payments.pay_bills`` (three users, each with a valid token code), through several
sweeps at once, and a manual payment against the sweep. Exactly one payment succeeds, the
others fail cleanly, and the account is debited once.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bench.scheduler_sweep import populate, verify
from occireflex import scheduler
from occireflex.domain import access, bogota
from occireflex.domain.payments import autopay, billers
from occireflex.domain.payments import pay as payments
from occireflex.domain.payments.autopay import sweep as autopay_sweep
from occireflex.models import Account, AutoPayRule, Bill, Biller, Enrollment, Movement, Payment
from tests.helpers import code_for, login

NOW = scheduler.parse_now("2026-12-15T08:00")
pytestmark = pytest.mark.clock(NOW - timedelta(minutes=1))  # log in, then pay at NOW
OPENING = 8_650_000_000  # demo payer account «256098765», current balance


def run_together(workers: list) -> list:
    """Run the callables in threads released at the same instant; return their results
    (or the exception each raised)."""
    barrier = threading.Barrier(len(workers))
    results: list = [None] * len(workers)

    def run(i: int) -> None:
        try:
            results[i] = workers[i](barrier)
        except BaseException as exc:  # reported, not lost in the thread
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def inscribe(engine, reference: str, *, rule: bool = False) -> tuple[int, int, int, int]:
    """A demo inscription to Vanti (bill due 2026-12-17, paid two days before by a rule)
    and its current bill: (enrollment id, bill id, bill version, amount)."""
    with Session(engine) as db:
        account = db.execute(select(Account).where(Account.number == "256098765")).scalar_one()
        biller = db.execute(select(Biller).where(Biller.code == "1004")).scalar_one()
        enrollment = Enrollment(company_id=account.company_id, biller_id=biller.id,
                                reference=reference, alias="carrera", account_id=account.id)
        db.add(enrollment)
        db.flush()
        if rule:
            db.add(AutoPayRule(enrollment_id=enrollment.id, company_id=account.company_id,
                               account_id=account.id, days_before=2, max_amount=10**12,
                               start_on=date(2026, 1, 1)))
        bill = billers.ensure_current_bill(db, biller, reference, bogota.local_today(NOW))
        db.commit()
        return enrollment.id, bill.id, bill.version, bill.amount


def paid_once(engine, bill_id: int, amount: int, debited_before: int = 0) -> None:
    """One successful payment, the bill «pagada», the account debited once, ledger exact."""
    with Session(engine) as db:
        successes = db.execute(select(func.count()).select_from(Payment).where(
            Payment.bill_id == bill_id, Payment.status == payments.EXITOSA)).scalar_one()
        assert successes == 1
        assert db.get(Bill, bill_id).status == "pagada"
        account = db.execute(select(Account).where(Account.number == "256098765")).scalar_one()
        moved = db.execute(select(func.coalesce(func.sum(Movement.amount), 0)).where(
            Movement.account_id == account.id)).scalar_one()
        assert moved == -(debited_before + amount)  # debited once, to the centavo
        assert account.current == OPENING + moved
        assert account.available == OPENING - 150_000_000 + moved  # canje untouched


def test_threads_calling_pay_one_on_the_same_bill_pay_it_once(demo, engine):
    enrollment_id, bill_id, version, amount = inscribe(engine, "30000001")

    def pay(barrier: threading.Barrier) -> payments.PayResult:
        with Session(engine, expire_on_commit=False) as db:
            enrollment = db.get(Enrollment, enrollment_id)
            account = db.get(Account, enrollment.account_id)
            barrier.wait()
            try:  # what pay_bills does around pay_one
                result = payments.pay_one(
                    db, company_id=enrollment.company_id, enrollment=enrollment,
                    bill_id=bill_id, expected_version=version, account=account,
                    channel=payments.MANUAL, user_id=None, now=NOW)
                db.commit()
                return result
            except IntegrityError:
                db.rollback()
                return "refused by the database"

    results = run_together([pay] * 8)
    assert not [r for r in results if isinstance(r, BaseException)], results
    ok = [r for r in results if isinstance(r, payments.PayResult) and r.ok]
    assert len(ok) == 1
    others = [r for r in results if r is not ok[0]]
    assert all(r == "refused by the database" or r.reason == payments.ALREADY_PAID
               for r in others)
    paid_once(engine, bill_id, amount)


def test_three_users_pay_the_same_bill_at_once_through_pay_bills(demo, engine):
    enrollment_id, bill_id, version, amount = inscribe(engine, "30000002")
    users = ("admin.demo", "prepara.demo", "autoriza.demo")
    with Session(engine) as db:
        actors = {u: access.load_actor(db, login(db, u).session_token) for u in users}
        codes = {u: code_for(db, u, NOW) for u in users}
        account_id = db.execute(select(Account.id).where(
            Account.number == "256098765")).scalar_one()

    def payer(username: str):
        def pay(barrier: threading.Barrier) -> payments.PayResult:
            with Session(engine, expire_on_commit=False) as db:
                barrier.wait()
                (result,) = payments.pay_bills(db, actors[username],
                                               [(enrollment_id, bill_id, version)],
                                               account_id, codes[username], NOW)
                return result
        return pay

    results = run_together([payer(u) for u in users])
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(r.ok for r in results) == 1
    assert all(r.reason == payments.ALREADY_PAID for r in results if not r.ok)
    paid_once(engine, bill_id, amount)
    with Session(engine) as db:  # the refused ones are recorded as failed, with the reason
        failed = db.execute(select(Payment.reason).where(
            Payment.bill_id == bill_id, Payment.status == payments.FALLIDA)).scalars().all()
        assert failed == [payments.ALREADY_PAID] * 2


def test_concurrent_sweeps_pay_each_bill_once(engine):
    pop = populate(engine, accounts=6, payments=600, today=NOW.date(), poor_accounts=2,
                   poor_balance=300_000_000, over_max_every=20, tag="C")

    def sweep(barrier: threading.Barrier) -> autopay.SweepReport:
        with Session(engine, expire_on_commit=False) as db:
            barrier.wait()
            return autopay.run_sweep(db, NOW, batch_size=25)

    reports = run_together([sweep] * 4)
    assert not [r for r in reports if isinstance(r, BaseException)], reports
    assert verify(engine, pop) == []
    with Session(engine) as db:
        counts = dict(db.execute(select(Payment.status, func.count()).where(
            Payment.channel == payments.PROGRAMADO).group_by(Payment.status)).all())
    assert sum(counts.values()) == pop.due_pairs  # each rule × bill attempted once
    assert sum(r.paid for r in reports) == counts[payments.EXITOSA]
    assert sum(r.failed for r in reports) == counts[payments.FALLIDA]
    assert sum(r.deferred for r in reports) == 0


def race_manual_against_sweep(engine, admin: access.Actor, round_: int) -> tuple:
    when = NOW + timedelta(minutes=2 * round_)  # a fresh token step each round
    enrollment_id, bill_id, version, amount = inscribe(engine, f"4000000{round_}", rule=True)
    with Session(engine) as db:
        code = code_for(db, "admin.demo", when)
        account_id = db.execute(select(Account.id).where(
            Account.number == "256098765")).scalar_one()

    def manual(barrier: threading.Barrier) -> payments.PayResult:
        with Session(engine, expire_on_commit=False) as db:
            barrier.wait()
            (result,) = payments.pay_bills(db, admin, [(enrollment_id, bill_id, version)],
                                           account_id, code, when)
            return result

    def sweep(barrier: threading.Barrier) -> autopay.SweepReport:
        with Session(engine, expire_on_commit=False) as db:
            barrier.wait()
            return autopay.run_sweep(db, when)

    result, report = run_together([manual, sweep])
    return bill_id, amount, result, report


def test_manual_payment_racing_the_sweep_pays_the_bill_once(demo, engine):
    with Session(engine) as db:
        admin = access.load_actor(db, login(db, "admin.demo").session_token)
    debited = 0
    for round_ in range(3):
        bill_id, amount, result, report = race_manual_against_sweep(engine, admin, round_)
        assert not isinstance(result, BaseException), result
        assert not isinstance(report, BaseException), report
        assert result.ok + report.paid == 1, (result, report)
        assert result.ok or result.reason == payments.ALREADY_PAID
        paid_once(engine, bill_id, amount, debited)
        debited += amount


def test_a_balance_that_changes_under_the_sweep_is_read_again(demo, engine, monkeypatch):
    """A manual payment commits between the sweep's reading of the balances and its locks:
    the sweep must notice and decide again, never debit on the stale balance."""
    with Session(engine) as db:
        account = db.execute(select(Account).where(Account.number == "256011111")).scalar_one()
        biller = db.execute(select(Biller).where(Biller.code == "1004")).scalar_one()
        today = bogota.local_today(NOW)
        rows = {}
        for reference, programmed in (("50000001", True), ("50000002", False)):
            enrollment = Enrollment(company_id=account.company_id, biller_id=biller.id,
                                    reference=reference, alias="", account_id=account.id)
            db.add(enrollment)
            db.flush()
            if programmed:
                db.add(AutoPayRule(enrollment_id=enrollment.id, company_id=account.company_id,
                                   account_id=account.id, days_before=2, max_amount=10**12,
                                   start_on=date(2026, 1, 1)))
            rows[programmed] = (enrollment.id,
                                billers.ensure_current_bill(db, biller, reference, today))
        # enough for either bill, not for both
        opening = rows[True][1].amount + rows[False][1].amount - 1
        account.available = account.current = opening
        db.commit()
        account_id = account.id
        manual_enrollment, manual_bill = rows[False][0], rows[False][1].id
        programmed_bill, manual_amount = rows[True][1].id, rows[False][1].amount

    real_accounts, interfered = autopay_sweep._accounts, []

    def accounts_then_a_manual_payment(conn, ids, *, lock):
        seen = real_accounts(conn, ids, lock=lock)
        if not lock and not interfered:
            with Session(engine, expire_on_commit=False) as other:
                enrollment = other.get(Enrollment, manual_enrollment)
                result = payments.pay_one(
                    other, company_id=enrollment.company_id, enrollment=enrollment,
                    bill_id=manual_bill, expected_version=1,
                    account=other.get(Account, account_id), channel=payments.MANUAL,
                    user_id=None, now=NOW)
                other.commit()
                interfered.append(result)
        return seen

    monkeypatch.setattr(autopay_sweep, "_accounts", accounts_then_a_manual_payment)
    with Session(engine, expire_on_commit=False) as db:
        report = autopay.run_sweep(db, NOW)
    assert interfered and interfered[0].ok
    assert report.paid == 0 and report.failed == 1
    with Session(engine) as db:
        account = db.get(Account, account_id)
        assert account.available == opening - manual_amount >= 0
        (failed,) = db.execute(select(Payment).where(Payment.bill_id == programmed_bill))\
            .scalars().all()
        assert failed.status == payments.FALLIDA and failed.reason == payments.INSUFFICIENT
        assert db.get(Bill, programmed_bill).status == "pendiente"
        moved = db.execute(select(func.sum(Movement.amount)).where(
            Movement.account_id == account_id)).scalar_one()
        assert account.current == opening + moved
