"""Token Virtual (issue 6): the administrator's grid, a user's history, the whole
release → authorize → enroll → activate cycle, blocking, and the expiry sweep, over a
company of many users, on SQLite (and PostgreSQL if given).

    .venv/bin/python bench/token_virtual.py [--users 5000] [--cycles 200]
        [--pg postgresql+psycopg://postgres@127.0.0.1/test]
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
os.environ.setdefault("OCCIREFLEX_ARGON2_TIME_COST", "1")  # users are inserted, not logged in
os.environ.setdefault("OCCIREFLEX_ARGON2_MEMORY_KIB", "1024")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import pyotp  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import Session, SQLModel, create_engine, select  # noqa: E402

from occireflex import db as dbmod  # noqa: E402
from occireflex.domain import access, auth, security, sessions  # noqa: E402
from occireflex.domain.demo import DEMO_PASSWORD, seed_demo  # noqa: E402
from occireflex.domain.tokens import admin as ta  # noqa: E402
from occireflex.domain.tokens import device  # noqa: E402
from occireflex.domain.tokens import history as token_history  # noqa: E402
from occireflex.domain.tokens import virtual as tv
from occireflex.models import (  # noqa: E402
    Company,
    Token,
    TokenEvent,
    TokenRequest,
    User,
    utcnow,
)


def _ms(samples: list[float]) -> str:
    s = sorted(samples)
    p95 = s[max(0, int(len(s) * 0.95) - 1)]
    return f"median {statistics.median(s) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms (n={len(s)})"


def _populate(db: Session, company_id: int, users: int) -> list[int]:
    """``users`` secondary users, each with a physical token and 5 history events."""
    digest = security.hash_password(DEMO_PASSWORD)
    blob = security.encrypt_seed(security.new_seed())  # one seed for all: setup speed only
    now = utcnow()
    db.execute(insert(User), [
        {"company_id": company_id, "username": f"bench.{i:05d}", "full_name": f"Usuario {i}",
         "email": "", "is_admin": False, "is_active": True, "password_hash": digest,
         "own_image": "faro", "failed_attempts": 0, "created_at": now, "updated_at": now}
        for i in range(users)])
    ids = list(db.exec(select(User.id).where(User.username.like("bench.%"))
                       .order_by(User.id)).all())
    db.execute(insert(Token), [
        {"user_id": uid, "kind": "fisico", "state": "activo", "serial": f"B-{uid}",
         "seed_encrypted": blob, "device_name": "", "state_changed_at": now,
         "created_at": now, "updated_at": now} for uid in ids])
    db.execute(insert(TokenEvent), [
        {"company_id": company_id, "user_id": uid, "kind": "fisico", "event": "asignado",
         "reason": "", "detail": "", "channel": "banco", "created_at": now - timedelta(days=k)}
        for uid in ids for k in range(5)])
    db.commit()
    return ids


def run(engine, label: str, users: int, cycles: int) -> None:
    SQLModel.metadata.create_all(engine)
    dbmod.use_engine(engine)
    now = utcnow()
    with Session(engine, expire_on_commit=False) as db:
        seed_demo(db)
        db.commit()
        company = db.exec(select(Company).where(Company.nit == "900123456-7")).one()
        ids = _populate(db, company.id, users)
        admin_user = db.exec(select(User).where(User.username == "admin.demo")).one()
        fob = db.exec(select(Token).where(Token.user_id == admin_user.id)).one()
        admin_seed = security.decrypt_seed(fob.seed_encrypted)

        def admin_code(at):
            return security.code_at_step(admin_seed, security.time_step(at))

        ticket = auth.submit_password(db, auth.accept_conditions(auth.submit_token(
            db, auth.submit_username("admin.demo", now), admin_code(now), now), True, now),
            DEMO_PASSWORD, now=now).ticket
        db.flush()
        raw = sessions.redeem_ticket(db, ticket, now).session_id
        db.commit()
        admin = access.load_actor(db, raw, now=now)
        app_admin = access.Actor(**{**admin.__dict__, "channel": access.APP})

        grid = []
        for k in range(200):
            t0 = time.perf_counter()
            ta.list_users(db, admin, "", 1 + (k * 37) % max(1, users // 10), 10, now)
            grid.append(time.perf_counter() - t0)
        search = []
        for k in range(100):
            t0 = time.perf_counter()
            ta.list_users(db, admin, f"{k:03d}", 1, 10, now)
            search.append(time.perf_counter() - t0)
        history = []
        for k in range(200):
            t0 = time.perf_counter()
            token_history.history(db, admin, ids[(k * 101) % len(ids)], 1, 10)
            history.append(time.perf_counter() - t0)

        # the whole cycle per user: release (portal) → approve (App) → enroll → activate
        cycle, approve_times = [], []
        for k in range(cycles):
            at = now + timedelta(seconds=30 * (k + 1))
            user_id = ids[k]
            t0 = time.perf_counter()
            ticket = ta.request_release(db, admin, user_id, "solo_semilla", admin_code(at), at)
            db.commit()
            t1 = time.perf_counter()
            ta.approve(db, app_admin, ticket.request_id, at)
            db.commit()
            approve_times.append(time.perf_counter() - t1)
            user_actor = _app_actor(db, user_id, company, at)
            started = device.begin(db, user_actor, "Celular", at)
            db.commit()
            uri = device.deliver(db, user_actor, started.ticket, at).uri
            db.commit()
            device.activate(db, user_actor, pyotp.parse_uri(uri).at(at), at)
            db.commit()
            cycle.append(time.perf_counter() - t0)
        blocks = []
        for k in range(cycles):
            at = now + timedelta(seconds=30 * (cycles + k + 1))
            t0 = time.perf_counter()
            ta.block(db, admin, ids[k], "perdida_robo", admin_code(at), at)
            db.commit()
            blocks.append(time.perf_counter() - t0)

        # expiry sweep: 2,000 requests left unauthorized
        pending_ids = ids[cycles:cycles + 2000]
        db.execute(insert(TokenRequest), [
            {"company_id": company.id, "user_id": uid, "action": "liberar",
             "reason": "solo_semilla", "state": "pendiente", "verification": "00",
             "requested_by": admin.user_id, "requested_at": now, "expires_at": now,
             "decided_channel": ""} for uid in pending_ids])
        db.commit()
        t0 = time.perf_counter()
        expired = tv.expire_overdue(db, now + timedelta(minutes=11))
        db.commit()
        sweep = time.perf_counter() - t0

    print(f"[{label}] {users} users, {cycles} cycles")
    print(f"  grid page (10 of {users + 4} users)    {_ms(grid)}")
    print(f"  grid search by name                   {_ms(search)}")
    print(f"  history page of one user              {_ms(history)}")
    print(f"  approve in the App                    {_ms(approve_times)}")
    print(f"  release→approve→enroll→activate       {_ms(cycle)}")
    print(f"  block (sessions ended, events)        {_ms(blocks)}")
    print(f"  expiry sweep: {expired} requests in {sweep * 1000:.0f} ms "
          f"({expired / sweep:,.0f}/s)")


def _app_actor(db: Session, user_id: int, company: Company, at) -> access.Actor:
    """An App actor with its own App session row (no argon2: the login is not measured)."""
    from occireflex.models import LoginSession

    user = db.get(User, user_id)
    raw, digest = security.session_token()
    row = LoginSession(token_hash=digest, user_id=user_id, company_id=company.id,
                       channel="app", created_at=at, last_seen_at=at, redeemed_at=at)
    db.add(row)
    db.commit()
    return access.Actor(user_id=user_id, company_id=company.id, username=user.username,
                        full_name=user.full_name, company_name=company.name,
                        company_nit=company.nit, is_admin=False, session_id=row.id,
                        channel=access.APP, ip="", grants=frozenset())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument("--pg", default="")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="occi-bench-db-")
    run(dbmod.make_engine(f"sqlite:///{tmp}/bench.db"), "SQLite", args.users, args.cycles)
    if args.pg:
        schema = f"occi_bench_{os.getpid()}"
        admin = create_engine(args.pg)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        engine = create_engine(args.pg, connect_args={"options": f"-csearch_path={schema}"})
        try:
            run(engine, "PostgreSQL", args.users, args.cycles)
        finally:
            engine.dispose()
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


if __name__ == "__main__":
    main()
