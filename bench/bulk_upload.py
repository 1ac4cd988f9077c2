"""Carga Programación Automática at volume: 100,000-row CSV and XLSX files end to end.

For each format: a fresh SQLite file (WAL) with the biller catalog, one company, its admin
and accounts; a valid file is generated, registered and timed through ``bulk.process``
(parse → validate → enroll, one transaction), in a child process so its peak memory is
its own. Beside it, the raw floors: pandas ``read_csv`` alone, calamine reading the sheet
alone, and a SQLAlchemy Core insert of 100,000 inscriptions alone.

    .venv/bin/python bench/bulk_upload.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta

os.environ.setdefault("OCCIREFLEX_INSTANCE_DIR", tempfile.mkdtemp(prefix="occi-bench-"))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from openpyxl import Workbook  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

from occireflex.db import make_engine  # noqa: E402
from occireflex.domain import (
    bogota,  # noqa: E402
    bulk,  # noqa: E402
)
from occireflex.domain.payments import billers  # noqa: E402
from occireflex.models import (  # noqa: E402
    Account,
    AutoPayRule,
    Biller,
    BulkFile,  # noqa: E402
    Company,
    Enrollment,
    User,
    utcnow,
)

ACCOUNTS = [f"2560{i:05d}" for i in range(20)]


def fresh_db(path: str):
    engine = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as db:
        billers.ensure_billers(db)
        company = Company(nit="900000001", name="Empresa Bench S.A.S.")
        db.add(company)
        db.flush()
        user = User(company_id=company.id, username="admin.bench", full_name="Admin Bench",
                    is_admin=True, password_hash="x", own_image="faro")
        db.add(user)
        for number in ACCOUNTS:
            db.add(Account(company_id=company.id, kind="corriente", number=number,
                           available=10**12, current=10**12))
        db.commit()
        return engine, company.id, user.id


def rows(n: int, accounts: list[str] = ACCOUNTS, first_reference: int = 0):
    """Valid rows over the numeric billers whose references fit 10 digits."""
    start = (bogota.local_today(utcnow()) + timedelta(days=1)).isoformat()
    codes = [b.code for b in billers.BILLERS if b.ref_numeric and b.ref_min <= 10 <= b.ref_max]
    for i in range(n):
        yield [codes[i % len(codes)], f"{first_reference + i:010d}", f"Sede {i}",
               accounts[i % len(accounts)],
               "DIAS_ANTES" if i % 2 else "VENCIMIENTO", str(1 + i % 10) if i % 2 else "",
               "1.500.000", start, ""]


def make_csv(n: int, accounts: list[str] = ACCOUNTS, first_reference: int = 0) -> bytes:
    out = io.StringIO()
    out.write(";".join(bulk.HEADERS) + "\r\n")
    for row in rows(n, accounts, first_reference):
        out.write(";".join(row) + "\r\n")
    return out.getvalue().encode("utf-8")


def make_xlsx(n: int) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(bulk.DATA_SHEET)
    ws.append(list(bulk.HEADERS))
    for row in rows(n):
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(kind: str, n: int) -> dict:
    """Runs in its own process: generate, then time register + process."""
    workdir = tempfile.mkdtemp(prefix="occi-bulk-")
    engine, _company_id, user_id = fresh_db(os.path.join(workdir, "bench.db"))
    data = make_csv(n) if kind == "csv" else make_xlsx(n)
    with Session(engine, expire_on_commit=False) as db:
        user = db.get(User, user_id)
        row = BulkFile(company_id=user.company_id, name=f"bench {kind}",
                            name_key=bulk.name_key(f"bench {kind}"), filename=f"bench.{kind}",
                            user_id=user.id, size=len(data), content=data)
        db.add(row)
        db.commit()
        file_id = row.id
        base = peak_mb()
        started = time.perf_counter()
        stages = []
        done = bulk.process(db, file_id, lambda f, m: stages.append(
            (round(time.perf_counter() - started, 2), m)))
        seconds = time.perf_counter() - started
        assert done.state == bulk.PROCESADO, (done.state, done.message)
        inscribed = db.execute(select(Enrollment.id)).all()
        rules = db.execute(select(AutoPayRule.id)).all()
        assert len(inscribed) == len(rules) == n
    return {"kind": kind, "rows": n, "bytes": len(data), "seconds": seconds,
            "rows_per_s": n / seconds, "peak_mb": peak_mb(), "peak_before_mb": base,
            "stages": stages}


def floors(n: int) -> dict:
    import pandas as pd
    from python_calamine import CalamineWorkbook

    data_csv, data_xlsx = make_csv(n), make_xlsx(n)
    t = time.perf_counter()
    pd.read_csv(io.BytesIO(data_csv), sep=";", dtype=str, keep_default_na=False)
    pandas_csv = time.perf_counter() - t
    t = time.perf_counter()
    CalamineWorkbook.from_filelike(io.BytesIO(data_xlsx)).get_sheet_by_name(
        bulk.DATA_SHEET).to_python()
    calamine = time.perf_counter() - t
    workdir = tempfile.mkdtemp(prefix="occi-floor-")
    engine, company_id, user_id = fresh_db(os.path.join(workdir, "floor.db"))
    now = utcnow()
    with Session(engine) as db:
        ids = {b.code: b.id for b in db.exec(select(Biller)).scalars()}
        accounts = {a.number: a.id for a in db.exec(select(Account)).scalars()}
    values = [{"company_id": company_id, "biller_id": ids[r[0]], "reference": r[1],
               "alias": r[2], "account_id": accounts[r[3]], "created_by": user_id,
               "created_at": now, "updated_at": now, "deleted_at": None} for r in rows(n)]
    t = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(Enrollment.__table__), values)
    core = time.perf_counter() - t
    return {"pandas_read_csv": pandas_csv, "calamine_read": calamine, "core_insert": core}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--child", choices=["csv", "xlsx"])
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.rows)))
        return
    results = {}
    for kind in ("csv", "xlsx"):
        out = subprocess.run([sys.executable, __file__, "--child", kind, "--rows",
                              str(args.rows)], capture_output=True, text=True, check=True)
        results[kind] = json.loads(out.stdout.strip().splitlines()[-1])
    floor = floors(args.rows)
    goals = {"csv": 5.0, "xlsx": 10.0}
    print(f"Carga Programación Automática, {args.rows:,} rows, SQLite (WAL)")
    for kind, r in results.items():
        ok = "OK" if r["seconds"] <= goals[kind] and r["peak_mb"] <= 600 else "FAIL"
        print(f"  {kind:4}  {r['bytes'] / 1e6:6.1f} MB  end to end {r['seconds']:6.2f} s  "
              f"({r['rows_per_s']:,.0f} rows/s)  peak RSS {r['peak_mb']:.0f} MB "
              f"(before processing {r['peak_before_mb']:.0f} MB)  goal ≤ {goals[kind]:.0f} s, "
              f"≤ 600 MB: {ok}")
        print("        stages: " + ", ".join(f"{m} @{s}s" for s, m in r["stages"]))
    print(f"  floors: pandas read_csv {floor['pandas_read_csv']:.2f} s, calamine read "
          f"{floor['calamine_read']:.2f} s, Core insert of {args.rows:,} inscriptions "
          f"{floor['core_insert']:.2f} s")


if __name__ == "__main__":
    main()
