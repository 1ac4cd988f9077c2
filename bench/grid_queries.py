"""The Inscripciones grid's page query with other companies' bills in the database.

Seeds the demo companies, then ``--bills`` bills of other references (another company's
history), and times ``inscriptions.list_page`` (session-less, domain only) for
admin.demo, page 1 of 10, against a primary-key lookup measured in the same run (the
floor). SQLite.

    .venv/bin/python bench/grid_queries.py --bills 110000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date

os.environ.setdefault("OCCIREFLEX_INSTANCE_DIR", tempfile.mkdtemp(prefix="occi-bench-"))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import insert  # noqa: E402
from sqlmodel import Session, SQLModel, select  # noqa: E402

from occireflex import db as dbmod  # noqa: E402
from occireflex.domain.demo import seed_demo  # noqa: E402
from occireflex.domain.payments import inscriptions  # noqa: E402
from occireflex.models import Bill, Biller, User, utcnow  # noqa: E402
from tests.helpers import actor_at  # noqa: E402


def _median_ms(call, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bills", type=int, default=110_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    engine = dbmod.make_engine(f"sqlite:///{tempfile.mkdtemp(prefix='occi-db-')}/bench.db")
    SQLModel.metadata.create_all(engine)
    dbmod.use_engine(engine)
    with Session(engine, expire_on_commit=False) as db:
        seed_demo(db)
        db.commit()
        billers = db.exec(select(Biller.id)).all()
        rows = [{"biller_id": billers[i % len(billers)], "reference": f"9{i:09d}",
                 "period": f"20{20 + i % 7}-{1 + i % 12:02d}", "amount": 1000 + i,
                 "issued_on": date(2026, 1, 1), "due_on": date(2026, 1, 20),
                 "status": "pagada", "version": 1} for i in range(args.bills)]
        for start in range(0, len(rows), 20_000):
            db.execute(insert(Bill), rows[start:start + 20_000])
        db.commit()
        actor = actor_at(db, "admin.demo", utcnow())
        db.commit()
        floor = _median_ms(lambda: db.get(User, actor.user_id, populate_existing=True),
                           args.runs)
        page = _median_ms(lambda: inscriptions.list_page(db, actor, page=1, page_size=10),
                          args.runs)
    print(f"bills of other companies: {args.bills:,}")
    print(f"primary-key lookup (floor): {floor:.3f} ms")
    print(f"Inscripciones page (count + page + bills + rules): {page:.3f} ms "
          f"= {page / floor:.1f}× the floor")


if __name__ == "__main__":
    main()
