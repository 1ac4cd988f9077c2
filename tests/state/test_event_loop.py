"""No event blocks the loop every user shares (issue 12, point 1).

Another process holds SQLite's write lock for 5 s (as a bulk file or a sweep batch does).
Meanwhile, on one event loop as in the server: user A's event that must write waits for
the lock in its event thread, while user B's page change and a trivial event answer at
once. Before the work moved off the loop, nothing answered for the 5 s.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlmodel import select

from occireflex.db import session_scope
from occireflex.domain import deferred
from occireflex.domain.security import hash_session_token
from occireflex.models import Account, Favorite, LoginSession
from occireflex.settings import settings
from occireflex.state.handler import off_loop
from tests.helpers import run_async
from tests.state.conftest import Browser

HOLD_SECONDS = 5.0
SERVICES = "transacciones.pagos.servicios"

_HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


def _open_services(b: Browser) -> None:
    b.navigate("/transacciones/pagos/servicios")
    b.portal.guard(SERVICES)
    b.payments.load()


async def _timed(make) -> tuple[float, object]:
    started = time.perf_counter()
    outcome = await make()
    return time.perf_counter() - started, outcome


def test_page_change_and_trivial_event_answer_while_another_process_holds_the_writer(
        logged_in, db, engine, pinned_clock):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single writer lock; PostgreSQL has row locks")
    writer, reader = logged_in("admin.demo"), logged_in("prepara.demo")
    _open_services(writer)
    _open_services(reader)
    a, b = writer.portal.unwrapped, reader.payments.unwrapped
    trivial = reader.login.unwrapped
    stars_before = len(db.exec(select(Favorite)).all())
    # 30 s later: each event also counts as activity, which must not wait for the writer
    now = pinned_clock.advance(timedelta(seconds=30))

    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, engine.url.database,
                               str(HOLD_SECONDS)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        locked_at = time.perf_counter()

        async def scenario():
            blocked = asyncio.ensure_future(_timed(a.toggle_favorite))  # must write: waits
            await asyncio.sleep(0.2)
            page = await _timed(lambda: b.go_to_page(2))
            flip = await _timed(lambda: _as_coroutine(trivial.set_accepted, True))
            answered = time.perf_counter() - locked_at
            return page, flip, answered, await blocked

        # (its own thread: the browser tests' Playwright loop may be running in this one)
        page, flip, answered, blocked = run_async(scenario())
    finally:
        holder.wait(timeout=30)

    assert page[0] < 1.0 and b.error == ""  # the page change answered through the lock
    assert flip[0] < 1.0 and trivial.accepted is True
    assert answered < HOLD_SECONDS - 1  # both while the lock was still held
    # the writer really waited for the lock, in its thread, and then did its work
    assert blocked[0] > HOLD_SECONDS - 1.5
    db.expire_all()
    assert len(db.exec(select(Favorite)).all()) == stars_before + 1
    # the activity was noted and is written once the writer is free
    deferred.flush()
    seen = db.exec(select(LoginSession.last_seen_at).where(
        LoginSession.token_hash == hash_session_token(reader.sid))).one()
    assert seen.replace(tzinfo=None) == now.replace(tzinfo=None)


async def _as_coroutine(fn, *args):
    result = fn(*args)
    return await result if asyncio.iscoroutine(result) else result


def _one_write() -> None:
    """What a payment does to SQLite's lock: one short write transaction."""
    with session_scope() as db:
        db.execute(Account.__table__.update().where(Account.id == -1).values(clearing=0))


def test_reads_answer_while_many_writers_wait_for_the_writer(logged_in, db, engine):
    """A bulk file holds SQLite's writer for seconds while payments keep arriving: each
    waiting payment holds an event thread and a connection, and reads must still find
    both (with 8 threads and 15 connections they did not: pages waited seconds)."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single writer lock; PostgreSQL has row locks")
    reader = logged_in("prepara.demo")
    _open_services(reader)
    b = reader.payments.unwrapped
    writers = min(20, settings.event_threads - 4)
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, engine.url.database,
                               str(HOLD_SECONDS)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"

        async def scenario():
            waiting = [asyncio.ensure_future(off_loop(_one_write)) for _ in range(writers)]
            await asyncio.sleep(0.3)  # every writer is waiting for the lock
            page = await _timed(lambda: b.go_to_page(2))
            await asyncio.gather(*waiting)
            return page

        page = run_async(scenario())
    finally:
        holder.wait(timeout=30)
    assert writers >= 16  # more than the 8 threads and 15 connections of before
    assert page[0] < 1.0 and b.error == ""
