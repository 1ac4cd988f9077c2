"""The database behind ``bench/load.py``: measured companies with their users, and the
volume of everybody else, seeded fast and kept between runs.

What is seeded (defaults; ``Plan``):
- ``companies`` measured companies (200), each with one administrator (all grants, a
  physical token whose seed the bench decrypts to compute codes), a payer current account
  with ample funds and a savings account;
- ``inscriptions`` inscriptions (100,000) over the measured companies: the first company
  holds ``big`` of them (20,000: the big treasury), the rest are shared evenly (≈ 402 each
  with 200 companies). Each has its current bill pending (the grid and the payments) and
  the previous period's bill paid by a manual payment made in the last 28 days (what
  Transacciones Realizadas shows by default);
- ``other_companies`` other companies (100) with ``other_bills`` bills (1,000,000: ten
  billing periods of 100,000 inscriptions) and as many successful payments, spread over
  those periods. Movements and audit rows of this history are not seeded (no page of the
  mix reads them).

The schema comes from the migrations (``occireflex.cli.migrate``) and the billers from
``ensure_billers``, as ``occireflex init-db`` does; rows go in with explicit ids through
``occireflex.domain.fastinsert`` (SQLite executemany, PostgreSQL COPY). The result is kept
under ``$TMPDIR/occi-load/<key>`` (SQLite file, instance dir with the seed key) or in the
PostgreSQL database ``occi_load_<key>``; the key covers the plan, the migrations and the
billers' current periods (a new period makes the grid's bills stale), so a repeated run
with the same parameters reuses it.

    .venv/bin/python bench/load_seed.py [--db postgres] [--companies 200]   # seed only
"""

from __future__ import annotations

import argparse
import base64
import calendar
import dataclasses
import hashlib
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("OCCIREFLEX_INSTANCE_DIR", tempfile.mkdtemp(prefix="occi-bench-"))
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text, update  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402

from occireflex.db import make_engine  # noqa: E402
from occireflex.domain import security  # noqa: E402
from occireflex.domain.fastinsert import insert_rows  # noqa: E402
from occireflex.domain.payments import billers as billing  # noqa: E402
from occireflex.models import (  # noqa: E402
    Account,
    Bill,
    Biller,
    Company,
    Enrollment,
    LoginSession,
    Payment,
    Token,
    User,
    utcnow,
)

SEED_VERSION = 1
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "Carga2026*"  # nobody logs in with it: sessions are opened directly
AMPLE = 10**13  # centavos in each payer account
CHUNK = 100_000
HISTORY = 10  # billing periods of the other companies' inscriptions


@dataclass(frozen=True)
class Plan:
    db: str = "sqlite"  # sqlite | postgres
    companies: int = 200
    inscriptions: int = 100_000
    big: int = 20_000
    other_companies: int = 100
    other_bills: int = 1_000_000
    pg_url: str = PG_DEFAULT

    def shares(self) -> list[int]:
        """Inscriptions per measured company: the big one first, the rest even."""
        if self.companies == 1:
            return [self.inscriptions]
        big = min(self.big, self.inscriptions)
        rest, extra = divmod(self.inscriptions - big, self.companies - 1)
        return [big] + [rest + (1 if i < extra else 0) for i in range(self.companies - 1)]


@dataclass(frozen=True)
class Seeded:
    key: str
    db_url: str  # for OCCIREFLEX_DB_URL
    instance_dir: Path  # for OCCIREFLEX_INSTANCE_DIR (holds seed.key)
    seed_key: bytes
    manifest: dict

    def engine(self) -> Engine:
        return make_engine(self.db_url)


def _periods(spec, today: date, count: int) -> list[tuple[str, date, date]]:
    """(period, issued_on, due_on) of the current bill and the ``count - 1`` before it."""
    period, issued, due = billing.current_period(spec, today)
    out = [(period, issued, due)]
    year, month = issued.year, issued.month
    while len(out) < count:
        month -= spec.cycle_months
        while month <= 0:
            year, month = year - 1, month + 12
        issued = date(year, month, min(spec.issue_day, calendar.monthrange(year, month)[1]))
        out.append((f"{year:04d}-{month:02d}", issued, issued + timedelta(days=spec.due_days)))
    return out


def cache_key(plan: Plan, today: date) -> str:
    migrations = sorted((ROOT / "migrations" / "versions").glob("*.py"))
    digest = hashlib.sha256()
    for path in migrations:
        digest.update(path.name.encode() + path.read_bytes())
    periods = [billing.current_period(s, today)[0] for s in billing.BILLERS]
    fields = dataclasses.asdict(plan) | {"v": SEED_VERSION, "periods": periods,
                                         "migrations": digest.hexdigest()}
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:16]


def _locate(plan: Plan, key: str) -> tuple[Path, str]:
    base = Path(tempfile.gettempdir()) / "occi-load" / f"{plan.db}-{key}"
    if plan.db == "sqlite":
        return base, f"sqlite:///{base / 'occireflex.db'}"
    url = make_url(plan.pg_url).set(database=f"occi_load_{key}")
    return base, url.render_as_string(hide_password=False)


def _pg_database(plan: Plan, key: str, *, drop: bool) -> bool:
    """Whether the bench database exists (created or dropped first as asked)."""
    admin = create_engine(plan.pg_url, isolation_level="AUTOCOMMIT")
    name = f"occi_load_{key}"
    try:
        with admin.connect() as conn:
            if drop:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
                return True
            return conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                {"n": name}).first() is not None
    finally:
        admin.dispose()


def ensure_seeded(plan: Plan, *, log=print) -> tuple[Seeded, float | None]:
    """The seeded database for ``plan`` (seeding it if needed) and the seconds the seeding
    took (None when it was reused)."""
    today = utcnow().date()
    key = cache_key(plan, today)
    base, url = _locate(plan, key)
    manifest_path = base / "manifest.json"
    ready = manifest_path.exists() and (plan.db == "sqlite" or _pg_database(plan, key, drop=False))
    if not ready:
        log(f"sembrando {plan} en {url} …")
        shutil.rmtree(base, ignore_errors=True)
        (base / "instance").mkdir(parents=True)
        seed_key = base64.urlsafe_b64encode(secrets.token_bytes(32))
        (base / "instance" / "seed.key").write_bytes(seed_key)
        os.chmod(base / "instance" / "seed.key", 0o600)
        if plan.db == "postgres":
            _pg_database(plan, key, drop=True)
        started = time.perf_counter()
        manifest = _seed(plan, url, seed_key, log)
        elapsed = time.perf_counter() - started
        manifest["seconds"] = round(elapsed, 1)
        manifest_path.write_text(json.dumps(manifest, indent=1))
    else:
        elapsed = None
    seed_key = (base / "instance" / "seed.key").read_bytes().strip()
    return Seeded(key, url, base / "instance", seed_key,
                  json.loads(manifest_path.read_text())), elapsed


def _seed(plan: Plan, url: str, seed_key: bytes, log) -> dict:
    from occireflex.cli import migrate

    t0 = time.perf_counter()
    migrate(url)
    engine = make_engine(url)
    from sqlmodel import Session

    with Session(engine) as db:
        billing.ensure_billers(db)
        db.commit()
        billers = [SimpleNamespace(**{c: getattr(b, c) for c in Biller.model_fields})  # no ORM reads
                   for b in db.exec(select(Biller).order_by(Biller.id)).scalars()]
    log(f"  esquema y convenios: {time.perf_counter() - t0:.1f} s")
    now = utcnow()
    today = now.date()
    periods = {b.id: _periods(b, today, HISTORY) for b in billers}
    shares = plan.shares()
    measured = list(range(1, plan.companies + 1))
    others = list(range(plan.companies + 1, plan.companies + plan.other_companies + 1))
    t = {m: m.__table__ for m in (Company, Account, User, Token, Enrollment, Bill, Payment)}
    password_hash = security.hash_password(PASSWORD)
    counts: dict[str, int] = {}

    def put(model, rows: list[dict]) -> None:
        if rows:
            insert_rows(conn, t[model], rows)
            counts[model.__name__] = counts.get(model.__name__, 0) + len(rows)

    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
            conn.exec_driver_sql("PRAGMA cache_size=-1000000")  # 1 GB: the indexes stay in memory
        put(Company, [{"id": c, "nit": f"8{c:08d}-1", "name": f"Empresa de carga {c}",
                       "created_at": now} for c in measured + others])
        accounts = []
        for c in measured:  # payer (ids 2c-1) and savings (2c)
            accounts += [{"id": 2 * c - 1, "company_id": c, "kind": "corriente",
                          "number": f"25{c:08d}", "name": "Cuenta Corriente Pagos",
                          "available": AMPLE, "clearing": 0, "current": AMPLE, "updated_at": now},
                         {"id": 2 * c, "company_id": c, "kind": "ahorros",
                          "number": f"45{c:08d}", "name": "Cuenta de Ahorros",
                          "available": AMPLE, "clearing": 0, "current": AMPLE,
                          "updated_at": now}]
        first_other_account = 2 * plan.companies + 1
        for i, c in enumerate(others):
            accounts.append({"id": first_other_account + i, "company_id": c, "kind": "corriente",
                             "number": f"26{c:08d}", "name": "Cuenta Corriente",
                             "available": AMPLE, "clearing": 0, "current": AMPLE,
                             "updated_at": now})
        put(Account, accounts)
        put(User, [{"id": c, "company_id": c, "username": f"carga{c:04d}",
                    "full_name": f"Tesorero de carga {c}", "email": f"carga{c}@example.com",
                    "is_admin": True, "is_active": True, "password_hash": password_hash,
                    "own_image": "faro", "profile_id": None, "failed_attempts": 0,
                    "locked_at": None, "created_at": now, "updated_at": now} for c in measured])
        put(Token, [{"id": c, "user_id": c, "kind": "fisico", "state": "activo",
                     "serial": f"CARGA-{c:06d}",
                     "seed_encrypted": security.encrypt_seed(security.new_seed(), seed_key),
                     "last_step": None, "device_name": "", "state_changed_at": now,
                     "created_at": now, "updated_at": now} for c in measured])
        log(f"  {plan.companies} empresas medidas y {plan.other_companies} otras: "
            f"{time.perf_counter() - t0:.1f} s")
        ids = {"enrollment": 0, "bill": 0, "payment": 0}

        def enroll(company: int, account: int, n: int, alias: str) -> tuple[dict, Biller]:
            biller = billers[n % len(billers)]
            length = max(biller.ref_min, min(10, biller.ref_max))
            ids["enrollment"] += 1
            return {"id": ids["enrollment"], "company_id": company, "biller_id": biller.id,
                    "reference": str(n).zfill(length), "alias": f"{alias} {n}",
                    "account_id": account, "created_by": None, "created_at": now,
                    "updated_at": now, "deleted_at": None}, biller

        def bill(enr: dict, biller: Biller, period, paid: bool) -> dict:
            ids["bill"] += 1
            return {"id": ids["bill"], "biller_id": biller.id, "reference": enr["reference"],
                    "period": period[0],
                    "amount": billing.bill_amount(biller, enr["reference"], period[0]),
                    "issued_on": period[1], "due_on": period[2],
                    "status": billing.PAGADA if paid else billing.PENDIENTE, "version": 1}

        def payment(enr: dict, row: dict, when: datetime, channel: str, user) -> dict:
            ids["payment"] += 1
            return {"id": ids["payment"], "company_id": enr["company_id"],
                    "enrollment_id": enr["id"], "bill_id": row["id"],
                    "account_id": enr["account_id"], "amount": row["amount"],
                    "channel": channel, "status": "exitosa", "reason": "",
                    "receipt": f"{when.year % 100:02d}{when.month:02d}{when.day:02d}{row['id']:010d}",
                    "attempt_key": None,
                    "user_id": user, "created_at": when}

        n = 0
        batch: dict[type, list[dict]] = {Enrollment: [], Bill: [], Payment: []}

        def flush(force: bool = False) -> None:
            if force or len(batch[Bill]) >= CHUNK:
                for model in (Enrollment, Bill, Payment):
                    put(model, batch[model])
                    batch[model] = []

        for c, share in zip(measured, shares, strict=True):
            for _ in range(share):
                n += 1
                enr, biller = enroll(c, 2 * c - 1, n, "Sede")
                current, previous = periods[biller.id][:2]
                paid = bill(enr, biller, previous, True)
                when = now - timedelta(days=1 + n % 28, minutes=n % 1440)
                batch[Enrollment].append(enr)
                batch[Bill] += [paid, bill(enr, biller, current, False)]
                batch[Payment].append(payment(enr, paid, when, "manual", c))
                flush()
        flush(True)
        log(f"  {plan.inscriptions:,} inscripciones medidas con sus facturas: "
            f"{time.perf_counter() - t0:.1f} s")
        per_other = -(-plan.other_bills // HISTORY)
        for k in range(per_other):
            n += 1
            i = k % plan.other_companies
            enr, biller = enroll(others[i], first_other_account + i, n, "Otra")
            batch[Enrollment].append(enr)
            for j, period in enumerate(periods[biller.id]):
                if k * HISTORY + j >= plan.other_bills:
                    break
                row = bill(enr, biller, period, True)
                issued = datetime.combine(period[1], datetime.min.time(), UTC)
                when = min(issued + timedelta(days=k % 7, hours=15), now - timedelta(hours=1))
                batch[Bill].append(row)
                batch[Payment].append(payment(enr, row, when,
                                              "programado" if k % 3 else "manual", None))
            flush()
        flush(True)
        log(f"  {plan.other_bills:,} facturas y pagos de otras empresas: "
            f"{time.perf_counter() - t0:.1f} s")
        if conn.dialect.name == "postgresql":
            for model in (Company, Account, User, Token, Enrollment, Bill, Payment):
                name = model.__tablename__
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                    f"(SELECT max(id) FROM \"{name}\"))")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    log(f"  listo: {time.perf_counter() - t0:.1f} s")
    return {"plan": dataclasses.asdict(plan), "rows": counts, "seeded_at": now.isoformat(),
            "shares": [shares[0], min(shares[1:] or shares), max(shares[1:] or shares)]}


@dataclass(frozen=True)
class Client:
    """One measured user with a live session (what the browser's HttpOnly cookie holds)."""

    username: str
    user_id: int
    company_id: int
    session_id: str
    token_seed: str
    inscriptions: int


def open_sessions(seeded: Seeded, count: int, *, first: int = 1,
                  end_earlier: bool = True) -> list[Client]:
    """End the measured users' earlier sessions (unless not ``end_earlier``) and open a
    fresh redeemed one for each of ``count`` companies from the ``first`` (idle and absolute
    timeouts start now)."""
    plan = seeded.manifest["plan"]
    if first + count - 1 > plan["companies"]:
        raise SystemExit(f"--clients {count} > --companies {plan['companies']}")
    shares = Plan(**{k: plan[k] for k in ("companies", "inscriptions", "big")}).shares()
    now = utcnow()
    engine = seeded.engine()
    clients, rows = [], []
    with engine.begin() as conn:
        users = range(first, first + count)
        if end_earlier:
            conn.execute(update(LoginSession).where(LoginSession.user_id.in_(list(users)),
                                                    LoginSession.ended_at.is_(None))
                         .values(ended_at=now, end_reason="bench"))
        seeds = dict(conn.execute(select(Token.user_id, Token.seed_encrypted).where(
            Token.user_id.in_(list(users)), Token.state == "activo")).all())
        names = dict(conn.execute(select(User.id, User.username)
                                  .where(User.id.in_(list(users)))).all())
        for uid in users:
            raw, digest = security.session_token()
            rows.append({"token_hash": digest, "user_id": uid, "company_id": uid,
                         "token_id": uid, "channel": "web", "ip": "", "user_agent": "bench",
                         "created_at": now, "last_seen_at": now, "ended_at": None,
                         "end_reason": "", "redeemed_at": now})
            clients.append(Client(names[uid], uid, uid, raw,
                                  security.decrypt_seed(seeds[uid], seeded.seed_key),
                                  shares[uid - 1]))
        conn.execute(LoginSession.__table__.insert(), rows)
    engine.dispose()
    return clients


def payment_counts(seeded: Seeded, since: datetime, count: int) -> tuple[int, int]:
    """(manual payments written since ``since`` by the first ``count`` users, bills of
    those payments now marked paid)."""
    engine = seeded.engine()
    p, b = Payment.__table__, Bill.__table__
    with engine.connect() as conn:
        where = (p.c.channel == "manual", p.c.status == "exitosa", p.c.created_at >= since,
                 p.c.user_id.between(1, count))
        made = conn.execute(select(func.count()).select_from(p).where(*where)).scalar_one()
        paid = conn.execute(select(func.count()).select_from(b).where(
            b.c.status == billing.PAGADA,
            b.c.id.in_(select(p.c.bill_id).where(*where)))).scalar_one()
    engine.dispose()
    return made, paid


def plan_from_args(args: argparse.Namespace) -> Plan:
    return Plan(db=args.db, companies=args.companies, inscriptions=args.inscriptions,
                big=args.big, other_bills=args.other_bills, pg_url=args.pg_url)


def add_plan_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--companies", type=int, default=200,
                        help="empresas medidas sembradas (≥ --clients)")
    parser.add_argument("--inscriptions", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=20_000,
                        help="inscripciones de la primera empresa (la grande)")
    parser.add_argument("--other-bills", type=int, default=1_000_000,
                        help="facturas (y pagos) de otras empresas")
    parser.add_argument("--pg-url", default=PG_DEFAULT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_plan_args(parser)
    seeded, elapsed = ensure_seeded(plan_from_args(parser.parse_args()))
    print(f"sembrada en {elapsed:.1f} s" if elapsed is not None else "reutilizada")
    print(f"OCCIREFLEX_DB_URL={seeded.db_url}\nOCCIREFLEX_INSTANCE_DIR={seeded.instance_dir}")
    print(json.dumps(seeded.manifest["rows"]))


if __name__ == "__main__":
    main()
