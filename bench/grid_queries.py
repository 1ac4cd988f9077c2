"""The Inscripciones and Transacciones grids of a big company among other companies' data.

Seeds the demo companies, then gives admin.demo's company ``--big`` inscriptions (20,000)
with two bills each (last period's paid by a payment of the last 28 days; this period's
pending, half of them already due) and «Otra Empresa» ``--bills`` bills (1,000,000: ten
periods of ``--bills / 10`` inscriptions) with ``--payments`` successful payments. Then
times, in the domain (no web layer), the events of ``bench/load.py`` for admin.demo:

- page turn: ``list_page`` with a known total (``go_to_page``), page 7 and a far page;
- filter: ``list_page`` by state with its count (``set_filter_state``, ``back_to_grid``);
- Transacciones: ``transactions.search`` with the default filters (``apply_filters``);

each against a primary-key lookup measured in the same run (the floor). Medians of
``--runs``. SQLite by default; ``--db postgres`` uses a fresh schema in 127.0.0.1/test.

    .venv/bin/python bench/grid_queries.py [--db postgres]
    # before: the same script copied into a checkout of the previous commit
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta

os.environ.setdefault("OCCIREFLEX_INSTANCE_DIR", tempfile.mkdtemp(prefix="occi-bench-"))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlmodel import Session, SQLModel, select  # noqa: E402

from bench.timing import fresh_engine, median_ms  # noqa: E402
from occireflex import db as dbmod  # noqa: E402
from occireflex.domain.bogota import local_today  # noqa: E402
from occireflex.domain.demo import seed_demo  # noqa: E402
from occireflex.domain.fastinsert import insert_rows  # noqa: E402
from occireflex.domain.payments import inscriptions, transactions  # noqa: E402
from occireflex.models import (  # noqa: E402
    Account,
    Bill,
    Biller,
    Company,
    Enrollment,
    Payment,
    User,
    utcnow,
)
from tests.helpers import actor_at  # noqa: E402

SCHEMA = "occi_grid_bench"
CHUNK = 50_000


def _month(day, back: int) -> str:
    year, month = divmod(day.year * 12 + day.month - 1 - back, 12)
    return f"{year:04d}-{month + 1:02d}"


def _put(db: Session, model, rows: list[dict]) -> None:
    conn = db.connection()
    for start in range(0, len(rows), CHUNK):
        insert_rows(conn, model.__table__, rows[start:start + CHUNK])


def seed(db: Session, big: int, bills: int, payments: int) -> None:
    seed_demo(db)
    db.commit()
    now = utcnow()
    today = local_today(now)
    billers = db.exec(select(Biller.id)).all()
    demo, other = db.exec(select(Company.id).order_by(Company.id)).all()[:2]
    account = db.exec(select(Account.id).where(Account.company_id == demo)).first()
    other_account = db.exec(select(Account.id).where(Account.company_id == other)).first()
    enrollment_id = (db.exec(select(Enrollment.id).order_by(Enrollment.id.desc())).first() or 0)
    bill_id = db.exec(select(Bill.id).order_by(Bill.id.desc())).first() or 0
    payment_id = db.exec(select(Payment.id).order_by(Payment.id.desc())).first() or 0
    enr, bil, pay = [], [], []

    def bill(biller, ref, period, due, paid, amount):
        nonlocal bill_id
        bill_id += 1
        bil.append({"id": bill_id, "biller_id": biller, "reference": ref, "period": period,
                    "amount": amount, "issued_on": due - timedelta(days=15), "due_on": due,
                    "status": "pagada" if paid else "pendiente", "version": 1})
        return bill_id

    def payment(company, enrollment, bill_no, acct, amount, when):
        nonlocal payment_id
        payment_id += 1
        pay.append({"id": payment_id, "company_id": company, "enrollment_id": enrollment,
                    "bill_id": bill_no, "account_id": acct, "amount": amount,
                    "channel": "manual", "status": "exitosa", "reason": "",
                    "receipt": f"B{payment_id:011d}", "created_at": when})

    for i in range(big):  # the big company
        enrollment_id += 1
        biller, ref = billers[i % len(billers)], f"7{i:09d}"
        enr.append({"id": enrollment_id, "company_id": demo, "biller_id": biller,
                    "reference": ref, "alias": f"Sede {i}", "account_id": account,
                    "created_at": now, "updated_at": now})
        paid = bill(biller, ref, _month(today, 1), today - timedelta(days=20), True, 5000 + i)
        bill(biller, ref, _month(today, 0), today + timedelta(days=(i % 2) * 20 - 10), False,
             6000 + i)
        payment(demo, enrollment_id, paid, account, 5000 + i,
                now - timedelta(minutes=1 + i * 28 * 24 * 60 // max(big, 1)))
    per_period = max(1, bills // 10)
    for i in range(per_period):  # another company's history
        enrollment_id += 1
        biller, ref = billers[i % len(billers)], f"9{i:09d}"
        enr.append({"id": enrollment_id, "company_id": other, "biller_id": biller,
                    "reference": ref, "alias": "", "account_id": other_account,
                    "created_at": now, "updated_at": now})
        for back in range(10):
            paid = bill(biller, ref, _month(today, back + 2), today - timedelta(days=60),
                        True, 7000)
            if payment_id - big < payments:
                payment(other, enrollment_id, paid, other_account, 7000,
                        now - timedelta(days=(i + back) % 300))
    _put(db, Enrollment, enr)
    _put(db, Bill, bil)
    _put(db, Payment, pay)
    db.commit()
    if db.get_bind().dialect.name == "postgresql":
        with db.get_bind().connect() as conn:  # as autovacuum leaves them: VACUUM ANALYZE
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--big", type=int, default=20_000)
    parser.add_argument("--bills", type=int, default=1_000_000)
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    engine = fresh_engine(args.db, SCHEMA)
    SQLModel.metadata.create_all(engine)
    dbmod.use_engine(engine)
    started = time.perf_counter()
    with Session(engine, expire_on_commit=False) as db:
        seed(db, args.big, args.bills, args.payments)
        seeded = time.perf_counter() - started
        actor = actor_at(db, "admin.demo", utcnow())
        db.commit()
        pages = -(-args.big // 10)
        floor = median_ms(lambda: db.get(User, actor.user_id, populate_existing=True),
                           args.runs * 4)
        cases = {
            "page turn (page 7, known total)": lambda: inscriptions.list_page(
                db, actor, page=7, known_total=args.big),
            f"far page turn (page {pages * 3 // 4})": lambda: inscriptions.list_page(
                db, actor, page=pages * 3 // 4, known_total=args.big),
            "first page with its count (back to the grid)": lambda: inscriptions.list_page(
                db, actor, page=1),
            "filter «Vencida» with its count": lambda: inscriptions.list_page(
                db, actor, state="Vencida"),
            "filter «Por vencer», far page": lambda: inscriptions.list_page(
                db, actor, state="Por vencer", page=pages // 4, known_total=args.big // 2),
            "Transacciones: default query (last 30 days)": lambda: transactions.search(
                db, actor),
        }
        results = {name: median_ms(call, args.runs) for name, call in cases.items()}
        counts = {s: inscriptions.list_page(db, actor, state=s)[1] for s in inscriptions.STATES}
        tx_total = transactions.search(db, actor).total
    print(f"{args.db}: big company {args.big:,} inscriptions; other company {args.bills:,} "
          f"bills, {min(args.payments, args.bills):,} payments (seeded in {seeded:.0f} s)")
    print(f"counts by state {counts}; Transacciones rows {tx_total:,}")
    print(f"primary-key lookup (floor): {floor:.3f} ms")
    for name, ms in results.items():
        print(f"{name}: {ms:.2f} ms = {ms / floor:.1f}× the floor")


if __name__ == "__main__":
    main()
