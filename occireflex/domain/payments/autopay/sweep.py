"""The scheduler's sweep: pays every due programmed bill.

A bill over the rule's maximum, without funds, or over the limits of the user who saved the
programming (``sweep_limits``), is recorded once as a failed payment
with its reason and stays «pendiente» (the user pays it by hand). The sweep is idempotent
and restartable: each (rule, bill) attempt has a unique ``attempt_key``, a bill has at
most one successful payment (database index), and work is committed in batches, so a
SIGKILL at any moment loses at most the uncommitted batch, which the next sweep redoes.
Due work is selected by date, never by "since last run", so nothing due is ever skipped.
"""


from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import (
    Connection,
    Row,
    String,
    bindparam,
    cast,
    exists,
    func,
    literal,
    or_,
    text,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from occireflex.domain import audit_chain
from occireflex.domain.bogota import local_today
from occireflex.domain.fastinsert import insert_rows
from occireflex.domain.payments import billers
from occireflex.domain.payments.autopay.rules import MAX_DAYS_BEFORE, OVER_MAX, pay_date
from occireflex.domain.payments.autopay.sweep_limits import LimitGuard
from occireflex.domain.payments.pay import (
    EXITOSA,
    FALLIDA,
    INSUFFICIENT,
    PROGRAMADO,
    receipt_for,
)
from occireflex.models import (
    Account,
    AuditEvent,
    AutoPayRule,
    Bill,
    Biller,
    Enrollment,
    Movement,
    Payment,
    utcnow,
)

# The sweep ---------------------------------------------------------------------------
#
# Work is read as plain tuples with one query (no ORM objects, no set of every attempt key
# in Python), decided in Python against the balances, and written in bulk per batch (one
# transaction: payments, movements, bills, balances, audit events), in the same lock order
# as ``payments.pay_one``: the payment rows (whose unique indexes refuse a second payment of
# a bill) first, then the debited accounts in id order, then the bills. So a manual payment
# and the sweep never deadlock on PostgreSQL. If a balance or a bill changed between reading
# and locking, the batch is re-read and redone: nothing is decided on stale data.

HORIZON_DAYS = MAX_DAYS_BEFORE + 7  # a pay date moves back over a few holidays at most
ACCOUNT_GONE = "La cuenta débito ya no pertenece a la empresa."
AUDIT_CHANNEL = "programador"
_TRIES = 3
BATCH = 5000  # PostgreSQL: row locks only, no other writer waits for a batch
# SQLite has one writer at a time: a batch holds it ≈ 0.2 s, then the sweep pauses as long
# as the batch took, up to 0.12 s. A payment waiting for the lock retries every 100 ms at
# most (SQLite's busy handler), so a free window that long always lets it in: it waits one
# batch, not the whole sweep.
SQLITE_BATCH = 2000
SQLITE_PAUSE_SECONDS = 0.12


def default_batch(db: Session) -> int:
    return SQLITE_BATCH if _single_writer(db) else BATCH


def _single_writer(db: Session) -> bool:
    return db.get_bind().dialect.name == "sqlite"


@dataclass
class SweepReport:
    bills_issued: int = 0
    paid: int = 0
    failed: int = 0
    skipped_already_paid: int = 0  # paid or attempted by someone else meanwhile
    deferred: int = 0  # still contended after retries: the next sweep takes them
    interrupted: bool = False  # stopped between batches (shutdown); the rest waits


class _Item(NamedTuple):
    """One due programmed payment: a rule and a pending bill of its inscription."""

    rule_id: int
    company_id: int
    account_id: int
    days_before: int
    max_amount: int
    owner_id: int | None  # who saved the programming: their limits apply
    enrollment_id: int
    reference: str
    bill_id: int
    bill_version: int
    amount: int
    due_on: date
    biller_name: str


class _Stale(Exception):
    """A balance or a bill changed between reading and locking: redo the batch."""


def attempt_key(rule_id: int, bill_id: int) -> str:
    """Each programmed attempt (rule × bill) happens once: ``Payment.attempt_key`` is unique."""
    return f"auto:{rule_id}:{bill_id}"


def _due_select(dialect: str, today: date, bill_ids: list[int] | None):
    r, e, b = AutoPayRule.__table__, Enrollment.__table__, Bill.__table__
    bl, p = Biller.__table__, Payment.__table__
    key = (literal("auto:", String) + cast(r.c.id, String) + literal(":", String)
           + cast(b.c.id, String))  # the same text as attempt_key(), probed in its index
    # On SQLite the bare column would make the planner drive the join from
    # ix_bill_status_due and scan the rules once per bill (quadratic); as an expression it
    # goes rule → enrollment → bill through uq_bill_period instead.
    status = func.coalesce(b.c.status, "") if dialect == "sqlite" else b.c.status
    stmt = (
        select(r.c.id, r.c.company_id, r.c.account_id, r.c.days_before, r.c.max_amount,
               r.c.created_by, e.c.id, e.c.reference, b.c.id, b.c.version, b.c.amount, b.c.due_on, bl.c.name)
        .select_from(r.join(e, e.c.id == r.c.enrollment_id)
                     .join(b, (b.c.biller_id == e.c.biller_id) & (b.c.reference == e.c.reference))
                     .join(bl, bl.c.id == e.c.biller_id))
        .where(r.c.is_active == true(), e.c.deleted_at.is_(None), status == "pendiente",
               b.c.due_on >= r.c.start_on, b.c.due_on <= today + timedelta(days=HORIZON_DAYS),
               or_(r.c.end_on.is_(None), b.c.due_on <= r.c.end_on),
               ~exists().where(p.c.attempt_key == key))
        .order_by(b.c.due_on, b.c.id, r.c.id))
    if bill_ids is not None:
        stmt = stmt.where(b.c.id.in_(bill_ids))
    return stmt


def _due_items(db: Session, today: date, only: list[_Item] | None = None) -> list[_Item]:
    """Every programmed payment due by ``today`` and not attempted yet, in a stable order
    (due date, bill, rule); with ``only``, the same pairs re-read from the database."""
    conn = db.connection()
    bill_ids = sorted({item.bill_id for item in only}) if only is not None else None
    wanted = {(item.rule_id, item.bill_id) for item in only} if only is not None else None
    items = []
    for row in conn.execute(_due_select(conn.dialect.name, today, bill_ids)):
        item = _Item(*row)
        if pay_date(item.due_on, item.days_before) > today:
            continue
        if wanted is not None and (item.rule_id, item.bill_id) not in wanted:
            continue
        items.append(item)
    return items


def _last_bill_id(db: Session) -> int:
    b = Bill.__table__
    return db.connection().execute(select(func.coalesce(func.max(b.c.id), 0))).scalar_one()


def _bills_since(db: Session, last_id: int) -> int:
    """Bills added after ``last_id`` (a primary-key range: cheap on any table size)."""
    b = Bill.__table__
    return db.connection().execute(select(func.count()).select_from(b)
                                   .where(b.c.id > last_id)).scalar_one()


def run_sweep(db: Session, now: datetime | None = None, *, batch_size: int | None = None,
              should_stop: Callable[[], bool] | None = None) -> SweepReport:
    """Issue due bills, then execute every due programmed payment, a batch per commit
    (``default_batch`` unless given; on SQLite with a pause between batches).

    ``should_stop`` is asked between batches (clean shutdown); what is left is still due
    and the next sweep takes it."""
    now = now or utcnow()
    batch_size = batch_size or default_batch(db)
    max_pause = SQLITE_PAUSE_SECONDS if _single_writer(db) else 0.0
    today = local_today(now)
    report = SweepReport()
    try:
        last_id = _last_bill_id(db)
        billers.issue_due_bills(db, now)
        db.commit()
        report.bills_issued = _bills_since(db, last_id)
        items = _due_items(db, today)
        for start in range(0, len(items), batch_size):
            if should_stop is not None and should_stop():
                report.interrupted = True
                break
            began = time.monotonic()
            _run_batch(db, items[start:start + batch_size], now, today, report)
            if max_pause and start + batch_size < len(items):  # the sidecar's thread
                time.sleep(min(max_pause, time.monotonic() - began))
    except BaseException:
        db.rollback()
        raise
    return report


def _run_batch(db: Session, batch: list[_Item], now: datetime, today: date,
               report: SweepReport) -> None:
    """Commit one batch. If someone paid one of its bills or moved one of its balances
    meanwhile, re-read the batch and retry; if that keeps happening, halve it."""
    for _ in range(_TRIES):
        try:
            paid, failed, skipped = _execute_batch(db, batch, now)
            db.commit()
        except (IntegrityError, _Stale):
            db.rollback()
            fresh = _due_items(db, today, only=batch)
            report.skipped_already_paid += len(batch) - len(fresh)
            batch = fresh
            if not batch:
                return
            continue
        report.paid += paid
        report.failed += failed
        report.skipped_already_paid += skipped
        return
    if len(batch) == 1:
        report.deferred += 1
        return
    half = len(batch) // 2
    _run_batch(db, batch[:half], now, today, report)
    _run_batch(db, batch[half:], now, today, report)


def _accounts(conn: Connection, ids: list[int], *, lock: bool) -> dict[int, Row]:
    a = Account.__table__
    stmt = (select(a.c.id, a.c.company_id, a.c.number, a.c.available, a.c.current)
            .where(a.c.id.in_(ids)).order_by(a.c.id))
    if lock:  # PostgreSQL: row locks in id order; SQLite already holds the write lock
        stmt = stmt.with_for_update()
    return {row.id: row for row in conn.execute(stmt)}


@lru_cache(maxsize=4096)
def _json(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _audit_after(receipt: str | None, amount: int, account_number: str, reason: str) -> str:
    """The same text as ``audit.record`` writes (sorted keys), without json per row."""
    return (f'{{"comprobante": {_json(receipt or "")}, "cuenta": {_json(account_number)}, '
            f'"motivo": {_json(reason)}, "valor": {int(amount)}}}')


def _mark_paid(conn: Connection, bills: list[tuple[int, int]]) -> int:
    """Bills (id, version) still pending and unchanged become «pagada»; returns how many."""
    b = conn.dialect.identifier_preparer.quote(Bill.__table__.name)
    if conn.dialect.name == "postgresql":  # one statement over arrays, not one per bill
        ids, versions = zip(*bills, strict=True)
        return conn.execute(text(
            f"UPDATE {b} SET status = 'pagada' FROM unnest(CAST(:ids AS integer[]), "
            f"CAST(:versions AS integer[])) AS u(id, version) WHERE {b}.id = u.id "
            f"AND {b}.status = 'pendiente' AND {b}.version = u.version"),
            {"ids": list(ids), "versions": list(versions)}).rowcount
    return conn.execute(text(f"UPDATE {b} SET status = 'pagada' WHERE id = :id "
                             "AND status = 'pendiente' AND version = :version"),
                        [{"id": i, "version": v} for i, v in bills]).rowcount


def _debit_accounts(conn: Connection, deltas: list[tuple[int, int]]) -> None:
    """Relative debits, under the locks taken by the batch."""
    a = Account.__table__
    if conn.dialect.name == "postgresql":
        ids, amounts = zip(*deltas, strict=True)
        conn.execute(text(
            f"UPDATE {a.name} SET available = {a.name}.available - u.delta, "
            f"current = {a.name}.current - u.delta, updated_at = :now "
            "FROM unnest(CAST(:ids AS integer[]), CAST(:deltas AS bigint[])) AS u(id, delta) "
            f"WHERE {a.name}.id = u.id"),
            {"ids": list(ids), "deltas": list(amounts), "now": utcnow()})
        return
    conn.execute(update(a).where(a.c.id == bindparam("a_id"))
                 .values(available=a.c.available - bindparam("a_delta"),
                         current=a.c.current - bindparam("a_delta"), updated_at=utcnow()),
                 [{"a_id": i, "a_delta": d} for i, d in deltas])


def _execute_batch(db: Session, batch: list[_Item], now: datetime) -> tuple[int, int, int]:
    """Decide every payment of the batch against the balances, then write it in bulk.

    Returns (paid, failed, skipped); raises IntegrityError if someone else paid one of the
    bills, or _Stale if a balance or a bill changed before the locks were taken."""
    conn = db.connection()
    account_ids = sorted({item.account_id for item in batch})
    seen = _accounts(conn, account_ids, lock=False)
    available = {i: row.available for i, row in seen.items()}
    guard = LimitGuard(db, {item.company_id for item in batch}, local_today(now))
    decided: list[tuple[_Item, str, str | None]] = []
    payments, paid_here, skipped = [], set(), 0
    for item in batch:
        if item.bill_id in paid_here:  # two rules on one bill: the first one paid it
            skipped += 1
            continue
        account = seen.get(item.account_id)
        if account is None or account.company_id != item.company_id:
            reason = ACCOUNT_GONE
        elif item.amount > item.max_amount:
            reason = OVER_MAX
        elif available[item.account_id] < item.amount:
            reason = INSUFFICIENT
        else:
            reason = guard.refusal(item.company_id, item.owner_id, item.amount)
        receipt = None
        if not reason:
            guard.add(item.company_id, item.owner_id, item.amount)
            available[item.account_id] -= item.amount
            paid_here.add(item.bill_id)
            receipt = receipt_for(item.bill_id, now)
        decided.append((item, reason, receipt))
        payments.append({"company_id": item.company_id, "enrollment_id": item.enrollment_id,
                         "bill_id": item.bill_id, "account_id": item.account_id,
                         "amount": item.amount, "channel": PROGRAMADO,
                         "status": FALLIDA if reason else EXITOSA, "reason": reason,
                         "receipt": receipt, "attempt_key": attempt_key(item.rule_id, item.bill_id),
                         "user_id": None, "created_at": now})
    if not payments:
        return 0, 0, skipped
    # 1. the payments: a bill already paid (or an attempt already made) fails right here
    insert_rows(conn, Payment.__table__, payments)
    # 2. the accounts, locked, must still hold the balances the decisions were made on
    locked = _accounts(conn, account_ids, lock=True)
    if locked.keys() != seen.keys() or any(
            locked[i].available != row.available for i, row in seen.items()):
        raise _Stale
    current = {i: row.current for i, row in locked.items()}
    movements, bills, audits = [], [], []
    for item, reason, receipt in decided:
        account = seen.get(item.account_id)
        if not reason:
            current[item.account_id] -= item.amount
            movements.append({"account_id": item.account_id, "company_id": item.company_id,
                              "amount": -item.amount, "reference": receipt,
                              "balance_after": current[item.account_id], "created_at": now,
                              "description": f"Pago programado {item.biller_name} "
                                             f"ref. {item.reference}"[:200]})
            bills.append((item.bill_id, item.bill_version))
        audits.append({"created_at": now, "company_id": item.company_id, "user_id": None,
                       "action": "pago_fallido" if reason else "pago_exitoso",
                       "target": f"factura:{item.bill_id}",
                       "outcome": "fallido" if reason else "ok", "before": None,
                       "after": _audit_after(receipt, item.amount,
                                             account.number if account else "", reason),
                       "ip": "", "channel": AUDIT_CHANNEL})
    if movements:
        insert_rows(conn, Movement.__table__, movements)
    # 3. the bills: still pending and unchanged since they were read
    if bills and _mark_paid(conn, bills) != len(bills):
        raise _Stale
    deltas = [(i, row.available - available[i])
              for i, row in seen.items() if available[i] != row.available]
    if deltas:
        _debit_accounts(conn, deltas)
    audit_chain.link(conn, audits)  # last: the chains' heads stay locked until the commit
    insert_rows(conn, AuditEvent.__table__, audits)
    return len(movements), len(decided) - len(movements), skipped
