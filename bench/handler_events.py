"""What a portal event costs through the state layer, and how many database sessions it
opens: state handlers called as the websocket would call them (no network), on SQLite.

    .venv/bin/python bench/handler_events.py [--events 400]

Prints each event's median and p95 against a trivial event measured in the same run (the
floor), and the sessions each event opened. Run it on two checkouts to compare them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("OCCIREFLEX_INSTANCE_DIR", tempfile.mkdtemp(prefix="occi-bench-"))
os.environ.setdefault("PYTEST_CURRENT_TEST", "bench")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import event  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

from occireflex import db as dbmod  # noqa: E402
from occireflex.domain.demo import seed_demo  # noqa: E402
from tests.helpers import login  # noqa: E402
from tests.state.conftest import Browser  # noqa: E402


def _figures(samples: list[float]) -> tuple[float, float]:
    s = sorted(samples)
    return statistics.median(s) * 1e3, s[max(0, int(len(s) * 0.95) - 1)] * 1e3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=400)
    args = parser.parse_args()

    engine = dbmod.make_engine(f"sqlite:///{tempfile.mkdtemp(prefix='occi-db-')}/bench.db")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as db:
        seed_demo(db)
        db.commit()
    dbmod.use_engine(engine)
    with Session(engine, expire_on_commit=False) as db:
        sid = login(db, "admin.demo").session_token
    browser = Browser()
    browser.set_sid(sid)
    browser.navigate("/transacciones/pagos/servicios")
    browser.portal.guard("transacciones.pagos.servicios")
    browser.payments.load()

    opened: list[Session] = []

    def count(session, _transaction, _connection):
        if session not in opened:
            opened.append(session)

    event.listen(Session, "after_begin", count)
    cases = {
        "trivial event (set_tab, no database): the floor": lambda: browser.payments.set_tab(
            "inscripciones"),
        "Inscripciones page change (go_to_page)": lambda: browser.payments.go_to_page(1),
        "Inscripciones filter (set_filter_state)": lambda: browser.payments.set_filter_state(
            "Por vencer"),
        "favorite star on and off (toggle_favorite)": browser.portal.toggle_favorite,
    }
    rows = []
    for label, call in cases.items():
        for _ in range(20):  # warm up
            call()
        samples, sessions = [], 0
        for _ in range(args.events):
            opened.clear()
            start = time.perf_counter()
            call()
            samples.append(time.perf_counter() - start)
            sessions += len(opened)
        rows.append((label, *_figures(samples), sessions / args.events))
    floor = rows[0][1]
    print(f"{'event':48} {'median ms':>10} {'p95 ms':>8} {'× floor':>8} {'sessions':>9}")
    for label, median, p95, sessions in rows:
        print(f"{label:48} {median:10.3f} {p95:8.3f} {median / floor:8.1f} {sessions:9.2f}")


if __name__ == "__main__":
    main()
