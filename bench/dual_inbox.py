"""Control dual (issue 15): the inbox, the badge, the limits and the expiry of one company
among other companies' operations.

Seeds the demo companies (the bank's default: one authorization per operation), then
``--days`` (60) Bogotá days of ``PendingOperation`` up to a fixed ``now`` (2026-12-15 14:00
in Bogotá, so nothing depends on the day it runs): «Otra Empresa» ``--others`` (1,000,000,
prepared by opera.otra), «Empresa Demo» ``--own`` (20,000, prepared by prepara.demo);
kinds pago, programacion, archivo in turn. 1 % of the other company's and 200 of the demo
company's are «pendiente» of today (not expired); the rest are closed (autorizada 60 %,
vencida 20 %, rechazada 15 %, cancelada 5 %), each «autorizada» with its authorizer's
``OperationApproval``. A quarter of the demo company's pending ones need two
authorizations and already hold autoriza.demo's. A company ``UserLimit`` for «pago» (day
amount, month count) makes ``limits.check`` add up the preparer's day and month. Pending
payments point at a real pending bill, so the sweep's «paid elsewhere» check keeps them.

Then times, in the domain (no web layer), medians of ``--runs`` against a primary-key
lookup in the same run (the floor): ``inbox.pending_page`` (page 1 with its total, page 5)
and ``inbox.badge_count`` for autoriza.demo, ``limits.check`` for prepara.demo,
``inbox.expire_due`` with nothing due (the sidecar's steady state, every 60 s; it commits)
and ``accumulated_report.report`` for admin.demo. ``--explain`` prints the plans of their
queries over ``pendingoperation``. SQLite in a temporary directory by default;
``--db postgres`` uses a fresh schema of 127.0.0.1/test, dropped at the end (``VACUUM
ANALYZE`` after seeding).

    .venv/bin/python bench/dual_inbox.py [--db postgres] [--others N] [--own N] [--explain]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

os.environ.setdefault("OCCIREFLEX_INSTANCE_DIR", tempfile.mkdtemp(prefix="occi-bench-"))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlmodel import Session, SQLModel, select  # noqa: E402

from bench.timing import PG_URL, fresh_engine, median_ms  # noqa: E402
from occireflex import db as dbmod  # noqa: E402
from occireflex.domain.bogota import day_start, end_of_business_day, local_today  # noqa: E402
from occireflex.domain.demo import seed_demo  # noqa: E402
from occireflex.domain.dual import accumulated_report, inbox, limits  # noqa: E402
from occireflex.domain.fastinsert import insert_rows  # noqa: E402
from occireflex.models import (  # noqa: E402
    Account,
    Bill,
    Company,
    Enrollment,
    OperationApproval,
    PendingOperation,
    User,
    UserLimit,
)
from tests.helpers import actor_at  # noqa: E402

SCHEMA = "occi_dual_bench"
NOW = datetime(2026, 12, 15, 19, 0, tzinfo=UTC)  # 14:00 in Bogotá, a Tuesday
KINDS = ("pago", "programacion", "archivo")
CLOSED = ("autorizada",) * 12 + ("vencida",) * 4 + ("rechazada",) * 3 + ("cancelada",)
OWN_PENDING = 200


def _spread(total: int, days: int, index: int) -> int:
    return total * (index + 1) // days - total * index // days


def seed(db: Session, others: int, own: int, days: int) -> None:
    seed_demo(db)
    db.commit()
    users = dict(db.exec(select(User.username, User.id)).all())
    demo, other = db.exec(select(Company.id).order_by(Company.id)).all()[:2]
    account = {c: db.exec(select(Account.id).where(Account.company_id == c)).first()
               for c in (demo, other)}
    bill = db.exec(select(Bill).where(Bill.status == "pendiente")).first()
    enrollment = db.exec(select(Enrollment.id).where(
        Enrollment.biller_id == bill.biller_id, Enrollment.reference == bill.reference)).first()
    selection = json.dumps({"selections": [[enrollment, bill.id, bill.version]]})
    db.add(UserLimit(company_id=demo, user_id=None, kind="pago", day_amount=10**15,
                     month_count=10**9))
    db.commit()
    who = {demo: (users["prepara.demo"], users["autoriza.demo"]),
           other: (users["opera.otra"], users["admin.otra"])}
    pending = {other: others // 100, demo: min(OWN_PENDING, own)}
    closed = {other: others - pending[other], demo: own - pending[demo]}
    today, rng = local_today(NOW), random.Random(15)
    op_id = approval_id = mine = 0
    conn = db.connection()
    for index in range(days):
        day = today - timedelta(days=days - 1 - index)
        slots = [(c, None) for c in (other, demo) for _ in range(_spread(closed[c], days, index))]
        if day == today:
            slots += [(c, "pendiente") for c in (other, demo) for _ in range(pending[c])]
        rng.shuffle(slots)
        start = day_start(day) + timedelta(hours=6)
        span = min(timedelta(hours=12), NOW - start - timedelta(minutes=1))
        expires = end_of_business_day(day_start(day) + timedelta(hours=12))
        ops, approvals = [], []
        for k, (company, state) in enumerate(slots):
            op_id += 1
            at = start + span * k / len(slots)
            state = state or CLOSED[op_id % len(CLOSED)]
            preparer, authorizer = who[company]
            kind = KINDS[op_id % 3]
            twice = state == "pendiente" and company == demo and mine % 4 == 0
            mine += state == "pendiente" and company == demo
            decided = {"autorizada": authorizer, "rechazada": authorizer,
                       "cancelada": preparer}.get(state)
            ops.append({
                "id": op_id, "company_id": company, "kind": kind, "state": state,
                "summary": f"Operación {op_id}", "amount": 100_000 + op_id % 997 * 1_000,
                "items": 1, "account_id": account[company],
                "payload": selection if kind == "pago" else "{}",
                "required": 2 if twice else 1, "approvals": int(twice or state == "autorizada"),
                "prepared_by": preparer, "prepared_at": at, "prepared_day": day.isoformat(),
                "expires_at": expires, "decided_by": decided,
                "decided_at": None if state == "pendiente" else at + timedelta(hours=1),
                "reason": "", "result": "", "version": 1})
            if twice or state == "autorizada":
                approval_id += 1
                approvals.append({"id": approval_id, "operation_id": op_id,
                                  "user_id": authorizer, "channel": "web",
                                  "created_at": at + timedelta(minutes=30)})
        if ops:
            insert_rows(conn, PendingOperation.__table__, ops)
        if approvals:
            insert_rows(conn, OperationApproval.__table__, approvals)
    db.commit()
    if db.get_bind().dialect.name == "postgresql":
        with db.get_bind().connect() as conn:  # as autovacuum leaves them: VACUUM ANALYZE
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM ANALYZE")


def explain(engine, name: str, call) -> None:
    """The plan of each query over ``pendingoperation`` that ``call`` runs."""
    seen: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT") and "pendingoperation" in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    sqlite = engine.dialect.name == "sqlite"
    print(f"\n--- {name}: {len(seen)} quer{'y' if len(seen) == 1 else 'ies'} over "
          "pendingoperation (distinct ones below)")
    with engine.connect() as conn:
        for statement, parameters in _distinct(seen):
            print("  " + " ".join(statement.split())[:300])
            prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
            for row in conn.exec_driver_sql(prefix + statement, parameters):
                print("    " + str(row[-1] if sqlite else row[0]))


def _distinct(seen: list[tuple[str, object]]) -> list[tuple[str, object]]:
    first: dict[str, object] = {}
    for statement, parameters in seen:
        first.setdefault(statement, parameters)
    return list(first.items())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--others", type=int, default=1_000_000)
    parser.add_argument("--own", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    engine = fresh_engine(args.db, SCHEMA)
    SQLModel.metadata.create_all(engine)
    dbmod.use_engine(engine)
    started = time.perf_counter()
    with Session(engine, expire_on_commit=False) as db:
        seed(db, args.others, args.own, args.days)
        seeded = time.perf_counter() - started
        authorizer = actor_at(db, "autoriza.demo", NOW)
        preparer = actor_at(db, "prepara.demo", NOW)
        admin = actor_at(db, "admin.demo", NOW)
        db.commit()
        floor = median_ms(lambda: db.get(User, authorizer.user_id, populate_existing=True),
                           args.runs * 4)
        cases = {
            "inbox, first page with its total": lambda: inbox.pending_page(
                db, authorizer, 1, NOW),
            "inbox, page 5": lambda: inbox.pending_page(db, authorizer, 5, NOW),
            "badge count": lambda: inbox.badge_count(db, authorizer, NOW),
            "limits.check (day + month sums)": lambda: limits.check(
                db, preparer.company_id, preparer.user_id, "pago", 100, NOW),
            "expiry sweep, nothing due (commits)": lambda: inbox.expire_due(db, NOW),
            "Montos Acumulados report": lambda: accumulated_report.report(db, admin, NOW),
        }
        results = {name: median_ms(call, args.runs) for name, call in cases.items()}
        total = inbox.pending_page(db, authorizer, 1, NOW)[1]
        badge = inbox.badge_count(db, authorizer, NOW)
        sums = limits.accumulated(db, preparer.company_id, preparer.user_id, "pago",
                                  local_today(NOW))
        expired = inbox.expire_due(db, NOW)
        if args.explain:
            for name, call in cases.items():
                explain(engine, name, call)
            print()
    engine.dispose()
    if args.db == "postgres":
        with create_engine(PG_URL).begin() as conn:
            conn.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))
    print(f"{args.db}: other company {args.others:,} operations, own {args.own:,} over "
          f"{args.days} days (seeded in {seeded:.0f} s); inbox total {total}, badge {badge}, "
          f"prepara.demo «pago» this month {sums.month_count}, expired by the sweep {expired}")
    print(f"primary-key lookup (floor): {floor:.3f} ms")
    for name, ms in results.items():
        print(f"{name}: {ms:.2f} ms = {ms / floor:.1f}× the floor")


if __name__ == "__main__":
    main()
