"""Per-event authorization overhead and login cost, on SQLite (and PostgreSQL if given).

Every state handler resolves the browser's session id to the acting user. It reads one
stamp row (session + user + profile) and reuses the grants loaded earlier while the stamp
is unchanged (``domain/actor_cache.py``); the full load is what every event paid before.

    .venv/bin/python bench/auth_overhead.py [--pg postgresql+psycopg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta

os.environ.setdefault("OCCIREFLEX_INSTANCE_DIR", tempfile.mkdtemp(prefix="occi-bench-"))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import text  # noqa: E402
from sqlmodel import Session, SQLModel, create_engine  # noqa: E402

from occireflex import db as dbmod  # noqa: E402
from occireflex.domain import access, actor_cache, auth, deferred, sessions  # noqa: E402
from occireflex.domain.demo import DEMO_PASSWORD, seed_demo  # noqa: E402
from occireflex.domain.security import code_at_step, decrypt_seed, time_step  # noqa: E402
from occireflex.domain.tokens import active_tokens  # noqa: E402
from occireflex.models import User, utcnow  # noqa: E402


def _ms(samples: list[float]) -> str:
    s = sorted(samples)
    p95 = s[int(len(s) * 0.95) - 1]
    return f"median {statistics.median(s) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms (n={len(s)})"


def run(engine, label: str, events: int, logins: int) -> None:
    SQLModel.metadata.create_all(engine)
    dbmod.use_engine(engine)
    with Session(engine) as db:
        seed_demo(db)
        db.commit()
        user = db.exec(User.__table__.select().where(User.username == "admin.demo")).first()
        seed = decrypt_seed(active_tokens(db, user.id)[0].seed_encrypted)

    login_times, raw = [], None
    now = utcnow()
    for i in range(logins):
        at = now + timedelta(seconds=30 * i)
        code = code_at_step(seed, time_step(at))
        t0 = time.perf_counter()
        with dbmod.session_scope() as db:
            flow = auth.submit_username("admin.demo", at)
            flow = auth.submit_token(db, flow, code, at)
            flow = auth.accept_conditions(flow, True, at)
            ticket = auth.submit_password(db, flow, DEMO_PASSWORD, now=at).ticket
            db.flush()
            raw = sessions.redeem_ticket(db, ticket, at).session_id
        login_times.append(time.perf_counter() - t0)

    cached, uncached, floor = [], [], []
    for i in range(events):
        fresh = i % 2 == 1  # alternate so that both see the same machine noise
        with dbmod.session_scope() as db:
            t0 = time.perf_counter()
            db.execute(text("SELECT 1")).first()
            floor.append(time.perf_counter() - t0)
            if fresh:
                actor_cache.clear()  # the full load, as every event did before the cache
            t0 = time.perf_counter()
            actor = access.load_actor(db, raw, now=at)
            (uncached if fresh else cached).append(time.perf_counter() - t0)
    deferred.flush()
    print(f"[{label}] full 4-step login (argon2 production cost): {_ms(login_times)}")
    print(f"[{label}] floor, SELECT 1 in the event's session: {_ms(floor)}")
    print(f"[{label}] per-event authorization, cached actor (one stamp read; admin, "
          f"{len(actor.grants)} grants): {_ms(cached)}")
    print(f"[{label}] per-event authorization, full load (cache cleared): {_ms(uncached)}")
    print(f"[{label}] cached / floor: {statistics.median(cached) / statistics.median(floor):.1f}x;"
          f" full / cached: {statistics.median(uncached) / statistics.median(cached):.1f}x")
    dbmod.use_engine(None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--logins", type=int, default=20)
    parser.add_argument("--pg", default="")
    args = parser.parse_args()
    path = os.path.join(tempfile.mkdtemp(), "bench.db")
    run(dbmod.make_engine(f"sqlite:///{path}"), "sqlite", args.events, args.logins)
    if args.pg:
        schema = f"occi_bench_{os.getpid()}"
        admin = create_engine(args.pg)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        try:
            eng = create_engine(args.pg, connect_args={"options": f"-csearch_path={schema}"})
            run(eng, "postgresql", args.events, args.logins)
            eng.dispose()
        finally:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


if __name__ == "__main__":
    main()
