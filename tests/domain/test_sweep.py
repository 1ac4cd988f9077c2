"""The scheduler's sweep: crash safety (SIGKILL mid-sweep, then a full sweep), the rules of
programmed payments, the ``occireflex scheduler`` command, and the lease that lets exactly
one sidecar sweep. Each test runs on SQLite and PostgreSQL (``engine`` fixture)."""

from __future__ import annotations

import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from bench.scheduler_sweep import populate, verify
from occireflex import scheduler
from occireflex.domain import bogota, lease
from occireflex.domain.payments import autopay, billers
from occireflex.domain.payments import pay as payments
from occireflex.models import (
    Account,
    AutoPayRule,
    Bill,
    Biller,
    Enrollment,
    Movement,
    Payment,
    utcnow,
)
from tests.conftest import PG_SCHEMA

NOW = "2026-12-15T08:00"  # a Tuesday, Bogotá time
pytestmark = pytest.mark.clock(NOW)  # the module's data is built at NOW
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def db_url(engine) -> str:
    """The fixture's database as a URL another process can open."""
    url = engine.url
    if url.get_backend_name() == "postgresql":
        url = url.update_query_dict({"options": f"-csearch_path={PG_SCHEMA}"})
    return url.render_as_string(hide_password=False)


def child_env(engine) -> dict[str, str]:
    return os.environ | {"OCCIREFLEX_DB_URL": db_url(engine), "PYTHONUNBUFFERED": "1"}


def programmed(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Payment.__table__)
                            .where(Payment.__table__.c.channel == "programado")).scalar_one()


def verify_partial(engine) -> bool:
    """After a kill, what was committed is whole: every successful payment has its movement
    and its bill marked paid, and each account's last movement is its balance."""
    p, m, b, a = (Payment.__table__, Movement.__table__, Bill.__table__, Account.__table__)
    with engine.connect() as conn:
        paid = conn.execute(select(func.count()).select_from(p)
                            .where(p.c.status == "exitosa")).scalar_one()
        moves = conn.execute(select(func.count()).select_from(m)).scalar_one()
        marked = conn.execute(select(func.count()).select_from(b)
                              .where(b.c.status == "pagada")).scalar_one()
        last = conn.execute(select(a.c.current, m.c.balance_after).join(m, m.c.account_id == a.c.id)
                            .where(m.c.id.in_(select(func.max(m.c.id)).group_by(m.c.account_id)))
                            ).all()
    return paid == moves == marked and all(current == after for current, after in last)


# Crash safety --------------------------------------------------------------------------

def test_sigkill_at_random_moments_then_full_sweep_pays_each_due_bill_once(engine):
    pop = populate(engine, accounts=30, payments=2500, today=date(2026, 12, 15),
                   poor_accounts=3, poor_balance=150_000_000, over_max_every=50, tag="K")
    cmd = [sys.executable, "-m", "occireflex", "scheduler", "--once", "--now", NOW,
           "--batch", "50"]
    env = child_env(engine)
    seed = random.SystemRandom().randrange(2**32)
    rng = random.Random(seed)
    print(f"semilla aleatoria: {seed}")

    # 1. killed at any moment: starting, issuing bills, reading due work or mid-batch
    #    (at a random delay, or as soon as a tenth of the work is done, whichever first)
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + rng.uniform(0.1, 1.0)
    while time.monotonic() < deadline and programmed(engine) < pop.due_pairs // 10:
        time.sleep(0.01)
    proc.kill()
    assert proc.wait(timeout=30) == -signal.SIGKILL
    after_first = programmed(engine)
    assert after_first < pop.due_pairs and verify_partial(engine)

    # 2. killed while paying, twice: when it has committed a random share of what is left
    killed_at = after_first
    for _ in range(2):
        target = killed_at + rng.randint(1, (pop.due_pairs - killed_at) // 3)
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while programmed(engine) < target:
            assert proc.poll() is None, "el barrido terminó antes de poder interrumpirlo"
            assert time.monotonic() < deadline
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.005))
        proc.kill()
        assert proc.wait(timeout=30) == -signal.SIGKILL
        before, killed_at = killed_at, programmed(engine)
        assert before < killed_at < pop.due_pairs, "el corte no cayó a mitad del trabajo"
        assert verify_partial(engine)

    # 3. a full sweep finishes the job
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    numbers = dict(re.findall(r"(pagos exitosos|pagos fallidos): (\d+)", done.stdout))
    assert int(numbers["pagos exitosos"]) + int(numbers["pagos fallidos"]) \
        == pop.due_pairs - killed_at

    assert verify(engine, pop) == []  # no double payment, nothing skipped, ledger to the centavo
    assert programmed(engine) == pop.due_pairs  # each rule × bill attempted exactly once
    with Session(engine) as db:
        reasons = dict(db.execute(select(Payment.reason, func.count()).where(
            Payment.status == payments.FALLIDA).group_by(Payment.reason)).all())
        assert reasons[autopay.OVER_MAX] == pop.due_pairs // 50
        assert reasons[payments.INSUFFICIENT] > 0
        assert set(reasons) == {autopay.OVER_MAX, payments.INSUFFICIENT}
        pending = db.execute(select(func.count()).select_from(Bill).where(
            Bill.status == "pendiente", Bill.id.in_(pop.bill_ids))).scalar_one()
        assert pending == sum(reasons.values())  # failed bills stay «pendiente»
    # and a later sweep finds nothing left to do
    assert scheduler.run_once(at(NOW)) == autopay.SweepReport()


# Rules of programmed payments -----------------------------------------------------------

def at(text: str) -> datetime:
    return scheduler.parse_now(text)


def payer(db) -> Account:
    return db.execute(select(Account).where(Account.number == "256098765")).scalar_one()


def program(db, biller_code: str, reference: str, *, account: Account | None = None,
            days_before: int = 0, max_amount: int = 10**12, start_on: date = date(2026, 1, 1),
            end_on: date | None = None, active: bool = True) -> Enrollment:
    account = account or payer(db)
    biller = db.execute(select(Biller).where(Biller.code == biller_code)).scalar_one()
    enrollment = Enrollment(company_id=account.company_id, biller_id=biller.id,
                            reference=reference, alias="prueba", account_id=account.id)
    db.add(enrollment)
    db.flush()
    db.add(AutoPayRule(enrollment_id=enrollment.id, company_id=account.company_id,
                       account_id=account.id, days_before=days_before, max_amount=max_amount,
                       start_on=start_on, end_on=end_on, is_active=active))
    db.commit()
    return enrollment


def sweep(db, when: str) -> autopay.SweepReport:
    report = autopay.run_sweep(db, at(when))
    db.expire_all()
    return report


def bill_of(db, enrollment: Enrollment, when: str) -> Bill:
    biller = db.get(Biller, enrollment.biller_id)
    period, _, _ = billers.current_period(biller, bogota.local_today(at(when)))
    return db.execute(select(Bill).where(Bill.biller_id == biller.id,
                                         Bill.reference == enrollment.reference,
                                         Bill.period == period)).scalar_one()


def attempts(db, enrollment: Enrollment) -> list[Payment]:
    return list(db.execute(select(Payment).where(Payment.enrollment_id == enrollment.id,
                                                 Payment.channel == "programado")).scalars())


def ledger_ok(db, account: Account) -> bool:
    db.refresh(account)
    total = db.execute(select(func.coalesce(func.sum(Movement.amount), 0))
                       .where(Movement.account_id == account.id)).scalar_one()
    opening = {"256098765": 8_650_000_000, "256034567": 30243}[account.number]
    return account.current == opening + total


def test_pay_date_is_due_date_or_days_before_moved_to_previous_business_day():
    assert autopay.pay_date(date(2026, 12, 8), 0) == date(2026, 12, 7)  # Inmaculada: Tue → Mon
    assert autopay.pay_date(date(2026, 12, 20), 0) == date(2026, 12, 18)  # Sunday → Friday
    assert autopay.pay_date(date(2026, 12, 20), 5) == date(2026, 12, 15)
    assert autopay.pay_date(date(2026, 12, 17), 2) == date(2026, 12, 15)
    # Christmas on Friday, then the weekend: back to Thursday
    assert autopay.pay_date(date(2026, 12, 27), 0) == date(2026, 12, 24)
    # Reyes Magos moved to Monday 2027-01-11, after a weekend: back to Friday the 8th
    assert autopay.pay_date(date(2027, 1, 11), 0) == date(2027, 1, 8)
    assert bogota.is_business_day(date(2026, 12, 15))


def test_holiday_due_date_pays_on_previous_business_day(demo, db):
    colegio = db.execute(select(Biller).where(Biller.code == "2004")).scalar_one()
    colegio.due_days = 7  # issued on the 1st: due on Tuesday 2026-12-08, a holiday
    db.commit()
    enrollment = program(db, "2004", "EST2026", days_before=0)
    assert sweep(db, "2026-12-06T08:00").paid == 0  # Sunday: before the pay date, nothing
    bill = bill_of(db, enrollment, "2026-12-06T08:00")
    assert bill.due_on == date(2026, 12, 8) and bill.status == "pendiente"
    assert attempts(db, enrollment) == []
    report = sweep(db, "2026-12-07T06:00")  # Monday, the previous business day
    assert report.paid == 1 and report.failed == 0
    (payment,) = attempts(db, enrollment)
    assert payment.status == payments.EXITOSA and payment.receipt.startswith("261207")
    assert db.get(Bill, bill.id).status == "pagada"
    assert ledger_ok(db, payer(db))


def test_days_before_and_a_sweep_before_the_pay_date_does_nothing(demo, db):
    # Vanti: issued 2026-12-03, due Thursday 12-17; two days before: Tuesday 12-15
    enrollment = program(db, "1004", "55667788", days_before=2)
    before = payer(db).available
    assert sweep(db, "2026-12-14T23:59").paid == 0
    assert sweep(db, "2026-12-15T04:59Z").paid == 0  # 23:59 on the 14th in Bogotá
    assert attempts(db, enrollment) == [] and payer(db).available == before
    assert sweep(db, "2026-12-15T00:01").paid == 1
    bill = bill_of(db, enrollment, NOW)
    assert bill.status == "pagada" and payer(db).available == before - bill.amount
    assert sweep(db, "2026-12-16T08:00").paid == 0  # paid once
    assert len(attempts(db, enrollment)) == 1 and ledger_ok(db, payer(db))


def test_over_the_maximum_fails_with_reason_and_bill_stays_pending(demo, db):
    enrollment = program(db, "1004", "11223344", days_before=2, active=False)
    sweep(db, NOW)  # the biller issues the bill; the rule is not active yet
    amount = bill_of(db, enrollment, NOW).amount
    rule = db.execute(select(AutoPayRule).where(
        AutoPayRule.enrollment_id == enrollment.id)).scalar_one()
    rule.is_active, rule.max_amount = True, amount - 1
    db.commit()
    before = payer(db).available
    report = sweep(db, NOW)
    assert report.paid == 0 and report.failed == 1
    (payment,) = attempts(db, enrollment)
    assert payment.status == payments.FALLIDA and payment.reason == autopay.OVER_MAX
    assert payment.receipt is None and payment.amount == amount
    assert bill_of(db, enrollment, NOW).status == "pendiente"
    assert payer(db).available == before and ledger_ok(db, payer(db))
    assert sweep(db, NOW) == autopay.SweepReport()  # reported once, not at every sweep
    rule.max_amount = amount
    db.commit()
    assert sweep(db, NOW) == autopay.SweepReport()  # attempted once: it waits for the next bill


def test_insufficient_funds_fail_with_reason_and_touch_nothing(demo, db):
    poor = db.execute(select(Account).where(Account.number == "256034567")).scalar_one()
    enrollment = program(db, "1004", "99887766", account=poor, days_before=2)
    report = sweep(db, NOW)
    assert report.paid == 0 and report.failed == 1
    (payment,) = attempts(db, enrollment)
    assert payment.status == payments.FALLIDA and payment.reason == payments.INSUFFICIENT
    db.refresh(poor)
    assert poor.available == 30243 and bill_of(db, enrollment, NOW).status == "pendiente"
    assert ledger_ok(db, poor)


def test_end_on_start_on_inactive_rule_and_deleted_inscription(demo, db):
    due = date(2026, 12, 17)  # Vanti's December bill
    ended = program(db, "1004", "10000001", days_before=2, end_on=due - timedelta(days=1))
    last_day = program(db, "1004", "10000002", days_before=2, end_on=due)
    not_started = program(db, "1004", "10000003", days_before=2, start_on=due + timedelta(days=1))
    inactive = program(db, "1004", "10000004", days_before=2, active=False)
    deleted = program(db, "1004", "10000005", days_before=2)
    deleted.deleted_at = utcnow()
    db.add(deleted)
    db.commit()
    report = sweep(db, NOW)
    assert report.paid == 1 and report.failed == 0
    assert [p.status for p in attempts(db, last_day)] == [payments.EXITOSA]
    for skipped in (ended, not_started, inactive, deleted):
        assert attempts(db, skipped) == []
    assert bill_of(db, inactive, NOW).status == "pendiente"


def test_two_companies_programming_the_same_reference_pay_its_bill_once(demo, db):
    other = db.execute(select(Account).where(Account.number == "256011111")).scalar_one()
    mine = program(db, "1004", "31415926", days_before=2)
    theirs = program(db, "1004", "31415926", account=other, days_before=2)
    report = sweep(db, NOW)
    assert report.paid == 1 and report.failed == 0 and report.skipped_already_paid == 1
    bill = bill_of(db, mine, NOW)
    assert bill.status == "pagada"
    assert len(attempts(db, mine)) + len(attempts(db, theirs)) == 1
    assert sweep(db, NOW) == autopay.SweepReport()


# The command ------------------------------------------------------------------------------

def test_cli_once_with_now_naive_is_bogota_and_offsets_are_accepted(demo, db, capsys):
    program(db, "1004", "20000001", days_before=2)
    assert scheduler.main(["--once", "--now", "2026-12-15T04:00Z"]) == 0  # 23:00 on the 14th
    assert "pagos exitosos: 0" in capsys.readouterr().out
    assert scheduler.main(["--once", "--now", NOW]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Barrido del 2026-12-15 08:00 (hora de Bogotá)")
    assert "facturas emitidas: " in out and "pagos exitosos: 1, pagos fallidos: 0" in out
    assert scheduler.main(["--once", "--now", "2026-12-15T08:00-05:00"]) == 0
    assert "pagos exitosos: 0, pagos fallidos: 0" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--once", "--now", "2026-13-15T08:00"], "--now no es una fecha y hora válida"),
    (["--once", "--now", "mañana"], "--now no es una fecha y hora válida"),
    (["--once", "--now", ""], "--now no es una fecha y hora válida"),
    (["--once", "--now", "1900-01-01T00:00"], "entre los años 2000 y 2099"),
    (["--now", NOW], "solo se admite junto con --once"),
    (["--interval", "0"], "--interval debe ser"),
    (["--once", "--batch", "-5"], "--batch debe ser"),
])
def test_cli_rejects_bad_arguments_in_spanish_with_exit_2(argv, message, capsys):
    assert scheduler.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and message in err


def test_parse_now():
    assert scheduler.parse_now("2026-12-15T08:00") == datetime(2026, 12, 15, 13, tzinfo=UTC)
    assert scheduler.parse_now("2026-12-15T08:00+00:00") == datetime(2026, 12, 15, 8, tzinfo=UTC)
    assert scheduler.parse_now("2026-12-15") == datetime(2026, 12, 15, 5, tzinfo=UTC)


# Exactly one sidecar -----------------------------------------------------------------------

def test_lease_is_taken_renewed_refused_expired_and_released(engine):
    ttl, t0 = timedelta(seconds=90), datetime(2026, 12, 15, 13, tzinfo=UTC)
    with Session(engine) as db:
        assert lease.acquire(db, "sweep", "a:1", t0, ttl)  # created
        assert not lease.acquire(db, "sweep", "b:2", t0 + timedelta(seconds=10), ttl)
        assert lease.acquire(db, "sweep", "a:1", t0 + timedelta(seconds=60), ttl)  # renewed
        assert not lease.acquire(db, "sweep", "b:2", t0 + timedelta(seconds=120), ttl)
        db.commit()
        assert lease.current(db, "sweep") == ("a:1", t0 + timedelta(seconds=150))
        assert lease.acquire(db, "sweep", "b:2", t0 + timedelta(seconds=151), ttl)  # expired
        assert not lease.acquire(db, "sweep", "a:1", t0 + timedelta(seconds=152), ttl)
        assert not lease.release(db, "sweep", "a:1")  # not the holder
        assert lease.release(db, "sweep", "b:2")
        assert lease.acquire(db, "sweep", "a:1", t0 + timedelta(seconds=153), ttl)
        db.commit()


def test_lease_has_one_holder_when_many_race_for_it(engine):
    ttl, t0 = timedelta(seconds=90), datetime(2026, 12, 15, 13, tzinfo=UTC)

    def race(now: datetime) -> list[str]:
        barrier, won = threading.Barrier(6), []

        def contender(n: int) -> None:
            with Session(engine) as db:
                barrier.wait()
                if lease.acquire(db, "sweep", f"host:{n}", now, ttl):
                    won.append(f"host:{n}")
                db.commit()

        threads = [threading.Thread(target=contender, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        return won

    first = race(t0)  # nobody holds it: one INSERT wins
    assert len(first) == 1
    second = race(t0 + timedelta(seconds=91))  # expired: one conditional UPDATE wins
    assert len(second) == 1
    with Session(engine) as db:
        assert lease.current(db, "sweep")[0] == second[0]


class Sidecar:
    """A ``python -m occireflex.scheduler`` process whose log lines we can wait for."""

    def __init__(self, engine):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "occireflex.scheduler", "--interval", "1", "--lease", "3"],
            env=child_env(engine), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            self.log.append(line)
            if text in line:
                return line
        raise AssertionError(f"no apareció «{text}» en:\n{''.join(self.log)}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)


def test_second_sidecar_waits_and_takes_over_after_sigterm(engine):
    first = Sidecar(engine)
    second = None
    try:
        first.wait_for("Concesión del barrido obtenida")
        first.wait_for("Barrido del ")
        second = Sidecar(engine)
        waiting = second.wait_for("Otro programador")
        assert f":{first.proc.pid}:" in waiting and "en espera" in waiting
        assert first.stop() == 0
        first.wait_for("Concesión del barrido liberada")
        first.wait_for("Programador detenido")
        second.wait_for("Concesión del barrido obtenida", timeout=15)
        second.wait_for("Barrido del ")
        assert second.stop() == 0
        second.wait_for("Programador detenido")
        log = "".join(first.log + second.log)
        assert "Traceback" not in log
    finally:
        for sidecar in (first, second):
            if sidecar is not None and sidecar.proc.poll() is None:
                sidecar.proc.kill()
    with Session(engine) as db:
        assert lease.current(db, "sweep") is None  # released on the way out
