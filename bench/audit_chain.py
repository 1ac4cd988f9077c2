"""What the audit chain costs a transaction, and what concurrent writers of one company pay.

Each transaction writes one audit event and commits, as a change in the portal does. Three
ways, in the same run: the floor (the same insert with the chain's hook removed: what every
commit paid before issue 14), the chain, and the chain from 8 threads at once (they take
turns on the company's head row). Ratios against the floor, measured in this run.

    .venv/bin/python bench/audit_chain.py [--n 2000] [--pg postgresql+psycopg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time

os.environ.setdefault("OCCIREFLEX_INSTANCE_DIR", tempfile.mkdtemp(prefix="occi-bench-"))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import event, text  # noqa: E402
from sqlalchemy.orm import Session as OrmSession  # noqa: E402
from sqlmodel import Session, SQLModel, create_engine  # noqa: E402

from occireflex.domain import audit, audit_chain  # noqa: E402
from occireflex.models import Company  # noqa: E402


def _writes(engine, n: int, company_id: int) -> float:
    t0 = time.perf_counter()
    for i in range(n):
        with Session(engine) as db:
            audit.record(db, "bench", company_id=company_id, target=str(i))
            db.commit()
    return time.perf_counter() - t0


def _threaded(engine, n: int, company_id: int, threads: int = 8) -> float:
    each = n // threads
    t0 = time.perf_counter()
    workers = [threading.Thread(target=_writes, args=(engine, each, company_id))
               for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return time.perf_counter() - t0


def run(engine, label: str, n: int) -> None:
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as db:
        company, unchained = (Company(nit="900000001-1", name="Bench S.A.S."),
                              Company(nit="900000002-1", name="Sin cadena S.A.S."))
        db.add_all([company, unchained])
        db.commit()
        cid, floor_id = company.id, unchained.id
    event.remove(OrmSession, "before_commit", audit_chain._link_pending)
    floor = _writes(engine, n, floor_id)
    event.listen(OrmSession, "before_commit", audit_chain._link_pending)
    chained = _writes(engine, n, cid)
    threaded = _threaded(engine, n, cid)
    with Session(engine) as db:
        verdict = audit_chain.verify(db, cid)
        t0 = time.perf_counter()
        audit_chain.verify(db, cid)
        verify_s = time.perf_counter() - t0
    print(f"{label}: {n} commits of one audited event each")
    print(f"  floor (no chain)      {floor / n * 1000:7.3f} ms/commit")
    print(f"  chain                 {chained / n * 1000:7.3f} ms/commit  "
          f"ratio {chained / floor:.2f}")
    print(f"  chain, 8 threads      {threaded / n * 1000:7.3f} ms/commit (wall)  "
          f"ratio {threaded / floor:.2f}")
    print(f"  verify {verdict.events} events: {verify_s:.2f} s "
          f"({verify_s / max(verdict.events, 1) * 1e6:.1f} µs/event), {verdict.message()}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--pg", default="")
    args = parser.parse_args()
    path = os.path.join(tempfile.mkdtemp(prefix="occi-bench-"), "bench.db")
    run(create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False}),
        "SQLite", args.n)
    if args.pg:
        engine = create_engine(args.pg, pool_size=10)
        with engine.begin() as conn:
            conn.execute(text("SELECT 1"))
        run(engine, "PostgreSQL", args.n)


if __name__ == "__main__":
    main()
