"""The scheduler's sweep at volume: 100,000 due programmed payments over 1,000 accounts.

Builds a fresh database (SQLite file; PostgreSQL too with ``--pg URL``, in a schema of its
own that is dropped afterwards), fills it fast with Core executemany, then times
``autopay.run_sweep`` alone, in a child process so its peak memory is its own, and checks
the result: no bill paid twice, each rule × bill attempted once, nothing due left unpaid,
and every account's ledger adding up to the centavo.

    .venv/bin/python bench/scheduler_sweep.py [--pg postgresql+psycopg://postgres@127.0.0.1/test]
        [--accounts 1000] [--payments 100000] [--now 2026-12-15T08:00]

``populate`` and ``verify`` are reused by tests/domain/test_sweep.py.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime

os.environ.setdefault("OCCIREFLEX_INSTANCE_DIR", tempfile.mkdtemp(prefix="occi-bench-"))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import func, insert, select, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session, SQLModel, create_engine  # noqa: E402

from occireflex.domain import bogota  # noqa: E402
from occireflex.domain.payments import (
    autopay,  # noqa: E402
    billers,  # noqa: E402
)
from occireflex.models import (  # noqa: E402
    Account,
    AutoPayRule,
    Bill,
    Biller,
    Company,
    Enrollment,
    Movement,
    Payment,
    utcnow,
)

DEFAULT_NOW = datetime(2026, 12, 15, 8, 0, tzinfo=bogota.BOGOTA)
AMPLE = 10**12  # centavos per account: ten thousand million pesos
CHUNK = 10_000


@dataclass
class Population:
    """What ``populate`` created, for ``verify``."""

    opening: dict[int, int] = field(default_factory=dict)  # account id -> opening balance
    rule_ids: list[int] = field(default_factory=list)
    bill_ids: list[int] = field(default_factory=list)
    due_pairs: int = 0  # rule × bill pairs due at ``today``


def due_plan(db: Session, today: date) -> list[tuple[Biller, int, str, date, date]]:
    """(biller, days_before, period, issued_on, due_on) for every biller whose current bill
    a rule with ``days_before`` (0–10) pays on or before ``today``."""
    plan = []
    for biller in db.exec(select(Biller).where(Biller.is_active).order_by(Biller.code)).scalars():
        period, issued, due = billers.current_period(biller, today)
        days_before = min(autopay.MAX_DAYS_BEFORE, max(0, (due - today).days))
        if autopay.pay_date(due, days_before) <= today:
            plan.append((biller, days_before, period, issued, due))
    return plan


def _chunks(rows: list[dict]):
    for start in range(0, len(rows), CHUNK):
        yield rows[start:start + CHUNK]


def _insert(conn, table, rows: list[dict]) -> None:
    for part in _chunks(rows):
        conn.execute(insert(table), part)


def populate(engine: Engine, *, accounts: int = 1000, payments: int = 100_000,
             today: date = DEFAULT_NOW.date(), balance: int = AMPLE, poor_accounts: int = 0,
             poor_balance: int = 0, over_max_every: int = 0, tag: str = "B") -> Population:
    """``payments`` programmed payments due at ``today``, spread over ``accounts`` accounts
    (10 per company): enrollments, their current bills and active rules, with Core.

    ``poor_accounts`` of them hold only ``poor_balance`` (insufficient funds on the way);
    every ``over_max_every``-th rule has a maximum below its bill (over the maximum)."""
    now = utcnow()
    with Session(engine) as db:
        billers.ensure_billers(db)
        db.commit()
        plan = due_plan(db, today)
    pop = Population()
    t = {m: m.__table__ for m in (Company, Account, Enrollment, Bill, AutoPayRule)}
    with engine.begin() as conn:
        def max_id(model) -> int:
            return conn.execute(select(func.coalesce(func.max(t[model].c.id), 0))).scalar_one()

        first = max_id(Company)
        n_companies = max(1, (accounts + 9) // 10)
        _insert(conn, t[Company], [{"nit": f"9{tag}{first + i:09d}"[:20], "created_at": now,
                                     "name": f"Empresa de carga {first + i}"}
                                    for i in range(n_companies)])
        companies = list(conn.execute(select(t[Company].c.id).where(t[Company].c.id > first)
                                      .order_by(t[Company].c.id)).scalars())
        first_acc = max_id(Account)
        rows = []
        for i in range(accounts):
            amount = poor_balance if i < poor_accounts else balance
            rows.append({"company_id": companies[i // 10], "kind": "corriente",
                         "number": f"7{tag}{first_acc + i:010d}"[:20], "name": "Cuenta de carga",
                         "available": amount, "clearing": 0, "current": amount,
                         "updated_at": now})
        _insert(conn, t[Account], rows)
        account_rows = conn.execute(select(t[Account].c.id, t[Account].c.company_id,
                                           t[Account].c.current)
                                    .where(t[Account].c.id > first_acc)
                                    .order_by(t[Account].c.id)).all()
        pop.opening = {a: current for a, _, current in account_rows}

        first_enr = max_id(Enrollment)
        enrollments, bills = [], []
        for n in range(payments):
            account_id, company_id, _ = account_rows[n % accounts]
            biller, _, period, issued, due = plan[n % len(plan)]
            reference = f"{first_enr + n:010d}"
            enrollments.append({"company_id": company_id, "biller_id": biller.id,
                                "reference": reference, "alias": f"Carga {n}",
                                "account_id": account_id, "created_by": None, "created_at": now,
                                "updated_at": now, "deleted_at": None})
            bills.append({"biller_id": biller.id, "reference": reference, "period": period,
                          "amount": billers.bill_amount(biller, reference, period),
                          "issued_on": issued, "due_on": due, "status": "pendiente",
                          "version": 1})
        _insert(conn, t[Enrollment], enrollments)
        first_bill = max_id(Bill)
        _insert(conn, t[Bill], bills)
        enr_ids = list(conn.execute(select(t[Enrollment].c.id)
                                    .where(t[Enrollment].c.id > first_enr)
                                    .order_by(t[Enrollment].c.id)).scalars())
        pop.bill_ids = list(conn.execute(select(t[Bill].c.id).where(t[Bill].c.id > first_bill)
                                         .order_by(t[Bill].c.id)).scalars())
        first_rule = max_id(AutoPayRule)
        rules = []
        for n, enrollment_id in enumerate(enr_ids):
            account_id, company_id, _ = account_rows[n % accounts]
            _, days_before, _, _, _ = plan[n % len(plan)]
            over = over_max_every and n % over_max_every == over_max_every - 1
            rules.append({"enrollment_id": enrollment_id, "company_id": company_id,
                          "account_id": account_id, "days_before": days_before,
                          "max_amount": 100 if over else AMPLE, "start_on": date(2026, 1, 1),
                          "end_on": None, "is_active": True, "created_by": None,
                          "updated_at": now})
        _insert(conn, t[AutoPayRule], rules)
        pop.rule_ids = list(conn.execute(select(t[AutoPayRule].c.id)
                                         .where(t[AutoPayRule].c.id > first_rule)
                                         .order_by(t[AutoPayRule].c.id)).scalars())
        pop.due_pairs = len(rules)
    return pop


def verify(engine: Engine, pop: Population) -> list[str]:
    """Every property the sweep promises; returns the problems found (none is good)."""
    p, m, b, a = (Payment.__table__, Movement.__table__, Bill.__table__, Account.__table__)
    problems = []
    with engine.connect() as conn:
        doubles = conn.execute(select(p.c.bill_id).where(p.c.status == "exitosa")
                               .group_by(p.c.bill_id).having(func.count() > 1)).all()
        if doubles:
            problems.append(f"{len(doubles)} facturas pagadas más de una vez")
        again = conn.execute(select(p.c.enrollment_id, p.c.bill_id)
                             .where(p.c.channel == "programado")
                             .group_by(p.c.enrollment_id, p.c.bill_id)
                             .having(func.count() > 1)).all()
        if again:
            problems.append(f"{len(again)} pares regla × factura intentados más de una vez")
        paid = select(p.c.bill_id).where(p.c.status == "exitosa")
        wrong = conn.execute(select(func.count()).select_from(b).where(
            (b.c.status == "pagada") != b.c.id.in_(paid))).scalar_one()
        if wrong:
            problems.append(f"{wrong} facturas con estado distinto de su pago")
        ids = pop.bill_ids
        attempted = set()
        for start in range(0, len(ids), CHUNK):
            attempted.update(conn.execute(select(p.c.bill_id).where(
                p.c.bill_id.in_(ids[start:start + CHUNK]),
                p.c.channel == "programado")).scalars())
        if len(attempted) != pop.due_pairs:
            problems.append(f"{pop.due_pairs - len(attempted)} pagos vencidos sin ejecutar")
        sums = dict(conn.execute(select(m.c.account_id, func.sum(m.c.amount))
                                 .group_by(m.c.account_id)).all())
        paid_sums = dict(conn.execute(select(p.c.account_id, func.sum(p.c.amount))
                                      .where(p.c.status == "exitosa")
                                      .group_by(p.c.account_id)).all())
        balances = dict(conn.execute(select(a.c.id, a.c.current)).all())
        off = [i for i, opening in pop.opening.items()
               if balances[i] - opening != (sums.get(i) or 0)
               or (sums.get(i) or 0) != -(paid_sums.get(i) or 0)]
        if off:
            problems.append(f"{len(off)} cuentas cuyo libro no cuadra al centavo")
        last = conn.execute(select(m.c.account_id, m.c.balance_after).where(
            m.c.id.in_(select(func.max(m.c.id)).group_by(m.c.account_id)))).all()
        if any(balances[i] != after for i, after in last):
            problems.append("saldo final distinto del último movimiento")
        moves = conn.execute(select(func.count()).select_from(m)).scalar_one()
        successes = conn.execute(select(func.count()).select_from(p)
                                 .where(p.c.status == "exitosa")).scalar_one()
        if moves != successes:
            problems.append(f"{moves} movimientos para {successes} pagos exitosos")
    return problems


def _rss_kib(field_name: str) -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    return 0


def _child(url: str, schema: str | None, now: datetime) -> None:
    """Run one sweep and print its figures as JSON (a fresh process: clean memory)."""
    from occireflex.db import make_engine

    engine = (make_engine(url) if schema is None else create_engine(
        url, connect_args={"options": f"-csearch_path={schema}"}))
    issuing = [0.0]
    issue = billers.issue_due_bills

    def timed_issue(db, when):  # the billers' part of the sweep, reported apart
        t0 = time.perf_counter()
        try:
            return issue(db, when)
        finally:
            issuing[0] += time.perf_counter() - t0

    billers.issue_due_bills = timed_issue
    with Session(engine, expire_on_commit=False) as db:
        db.exec(select(func.count()).select_from(Account.__table__)).one()  # warm the pool
        base = _rss_kib("VmRSS")
        t0 = time.perf_counter()
        report = autopay.run_sweep(db, now)
        elapsed = time.perf_counter() - t0
    print(json.dumps({"elapsed": elapsed, "issuing": issuing[0], "paid": report.paid,
                      "failed": report.failed,
                      "issued": report.bills_issued, "skipped": report.skipped_already_paid,
                      "rss_base_kib": base, "rss_peak_kib": _rss_kib("VmHWM")}))


def _run(label: str, engine: Engine, url: str, schema: str | None, args) -> None:
    SQLModel.metadata.create_all(engine)
    t0 = time.perf_counter()
    pop = populate(engine, accounts=args.accounts, payments=args.payments,
                   today=args.now.date())
    setup = time.perf_counter() - t0
    cmd = [sys.executable, os.path.abspath(__file__), "--child", url, "--now",
           args.now.isoformat()] + (["--schema", schema] if schema else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    fig = json.loads(out.strip().splitlines()[-1])
    t1 = time.perf_counter()
    problems = verify(engine, pop)
    checked = time.perf_counter() - t1
    rate = fig["paid"] / fig["elapsed"] if fig["elapsed"] else 0.0
    print(f"\n{label}: {args.payments:,} pagos programados vencidos en {args.accounts:,} cuentas "
          f"(carga {setup:.1f} s)")
    print(f"  run_sweep: {fig['elapsed']:.2f} s, {rate:,.0f} pagos/s "
          f"(exitosos {fig['paid']:,}, fallidos {fig['failed']:,}, "
          f"facturas emitidas {fig['issued']:,}, omitidos {fig['skipped']:,})")
    print(f"    de ello billers.issue_due_bills: {fig['issuing']:.2f} s; "
          f"pagos: {fig['elapsed'] - fig['issuing']:.2f} s")
    peak, base = fig["rss_peak_kib"] / 1024, fig["rss_base_kib"] / 1024
    print(f"  memoria: pico {peak:.0f} MiB RSS (base {base:.0f} MiB, +{peak - base:.0f} MiB)")
    print(f"  verificación ({checked:.1f} s): "
          + ("sin pagos dobles, nada vencido sin pagar, libro al centavo" if not problems
             else "; ".join(problems)))
    if problems or fig["paid"] != pop.due_pairs:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="también en PostgreSQL (URL de SQLAlchemy)")
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--payments", type=int, default=100_000)
    parser.add_argument("--now", default=DEFAULT_NOW.isoformat())
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    args = parser.parse_args()
    now = datetime.fromisoformat(args.now)
    args.now = now if now.tzinfo else now.replace(tzinfo=bogota.BOGOTA)
    if args.child:
        _child(args.child, args.schema, args.now)
        return
    from occireflex.db import make_engine

    with tempfile.TemporaryDirectory(prefix="occi-sweep-") as tmp:
        url = f"sqlite:///{tmp}/sweep.db"
        engine = make_engine(url)
        try:
            _run("SQLite (WAL)", engine, url, None, args)
        finally:
            engine.dispose()
    if args.pg:
        schema = f"bench_sweep_{os.getpid()}"
        admin = create_engine(args.pg)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        engine = create_engine(args.pg, connect_args={"options": f"-csearch_path={schema}"})
        try:
            with engine.connect() as conn:
                version = conn.execute(text("show server_version")).scalar_one()
            _run(f"PostgreSQL {version.split()[0]}", engine, args.pg, schema, args)
        finally:
            engine.dispose()
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            admin.dispose()


if __name__ == "__main__":
    main()
