"""Shared fixtures: an isolated instance dir, a fresh database per test on SQLite and, when
reachable, PostgreSQL (127.0.0.1:5432, database ``test``, a schema per test process), and a
pinned business clock.

The clock: every test outside tests/e2e runs with ``occireflex.clock`` pinned (frozen), so
no test depends on the day it runs. A test or module whose data carries dates chooses its
instant with ``@pytest.mark.clock("2026-12-04T08:00:05")`` (ISO; no offset means Bogotá
time); the others get ``PINNED_NOW``, and so does a «now» read while the test modules are
imported (collection). The ``pinned_clock`` fixture moves it within a test.

``OCCIREFLEX_TEST_TRAVEL=2028-02-29T15:00:00-05:00`` moves the whole test process to that
instant (time-machine, ticking) and the tests without a mark of their own run there: the
proof that they hold on any day (``make test-dates``). The browser tests are skipped then:
their server runs on the real clock.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

# Settings are read at import time: point them at a private instance dir first.
os.environ.setdefault("OCCIREFLEX_INSTANCE_DIR", tempfile.mkdtemp(prefix="occi-test-"))
os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
# Cheaper argon2 for unit tests only; the e2e server keeps the production cost.
os.environ.setdefault("OCCIREFLEX_ARGON2_TIME_COST", "1")
os.environ.setdefault("OCCIREFLEX_ARGON2_MEMORY_KIB", "1024")

import pytest  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import Session, SQLModel, create_engine  # noqa: E402

import occireflex.models  # noqa: E402,F401
from occireflex import clock  # noqa: E402
from occireflex import db as dbmod  # noqa: E402
from occireflex.domain import actor_cache, deferred, ip_rules  # noqa: E402

PG_URL = os.environ.get(
    "OCCIREFLEX_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PG_SCHEMA = f"occi_test_{os.getpid()}"  # per process: parallel runs never collide


def _pg_available() -> bool:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:
        return False


PG_AVAILABLE = os.environ.get("OCCIREFLEX_TEST_PG") != "0" and _pg_available()  # 0: SQLite only
BACKENDS = ["sqlite"] + (["postgresql"] if PG_AVAILABLE else [])


def _make_engine(backend: str, tmp_path):
    if backend == "sqlite":
        return dbmod.make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    admin.dispose()
    return create_engine(PG_URL, connect_args={"options": f"-csearch_path={PG_SCHEMA}"})


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    """A fresh, empty schema; the whole app (session_scope) points at it."""
    eng = _make_engine(request.param, tmp_path)
    SQLModel.metadata.create_all(eng)
    dbmod.use_engine(eng)
    yield eng
    dbmod.use_engine(None)
    deferred.forget(eng)  # activity noted for this database dies with it
    actor_cache.clear()
    ip_rules.clear()  # company ids repeat from one test database to the next
    eng.dispose()
    if request.param == "postgresql":
        admin = create_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        admin.dispose()


@pytest.fixture
def db(engine):
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def demo(engine):
    """Demo companies, users, profiles and accounts, committed."""
    from occireflex.domain.demo import seed_demo

    with Session(engine) as session:
        seed_demo(session, single_signature=True)
        session.commit()
    return engine


@pytest.fixture
def bank(engine):
    """The demo with the bank's default: one authorization for every operation (dual
    control)."""
    from occireflex.domain.demo import seed_demo

    with Session(engine) as session:
        seed_demo(session)
        session.commit()
    return engine


# The business clock ---------------------------------------------------------------------

BOGOTA = ZoneInfo("America/Bogota")


def parse_instant(value: str | datetime) -> datetime:
    """An aware instant from ISO text or a datetime; without an offset, Bogotá local time."""
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return (at if at.tzinfo is not None else at.replace(tzinfo=BOGOTA)).astimezone(UTC)


TRAVEL = os.environ.get("OCCIREFLEX_TEST_TRAVEL", "").strip()
# «Now» for every test without a clock mark of its own: the travelled instant, or a Tuesday, a
# business day in Bogotá, 08:00:05 (five seconds into a TOTP step, so codes one step apart
# never straddle a boundary by accident).
PINNED_NOW = parse_instant(TRAVEL or "2026-12-15T08:00:05")
if TRAVEL:
    import time_machine

    time_machine.travel(PINNED_NOW, tick=True).start()  # the whole process, for the rest


class PinnedClock:
    """The test's «now»: ``occireflex.clock`` pinned; ``set``/``advance`` move it."""

    def __init__(self, stack: ExitStack, at: datetime):
        self._stack = stack
        self.set(at)

    @property
    def now(self) -> datetime:
        return clock.now()

    def set(self, at: str | datetime) -> datetime:
        return self._stack.enter_context(clock.pinned(parse_instant(at)))

    def advance(self, delta: timedelta) -> datetime:
        return self.set(clock.now() + delta)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "clock(instant): pin the business clock at this instant (ISO text or an "
        "aware datetime; no offset means Bogotá time)")


@pytest.hookimpl(wrapper=True)
def pytest_collection(session):
    """Test modules are imported here: a «now» read at import time sees PINNED_NOW too."""
    with clock.pinned(PINNED_NOW):
        return (yield)


def pytest_collection_modifyitems(config, items):
    if TRAVEL:
        skip = pytest.mark.skip(reason="OCCIREFLEX_TEST_TRAVEL: the browser tests' server runs "
                                       "on the real clock")
        for item in items:
            if item.get_closest_marker("e2e"):
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def pinned_clock(request) -> Iterator[PinnedClock | None]:
    """Pins the business clock for every test but the browser tests (see the module doc)."""
    if request.node.get_closest_marker("e2e"):
        yield None
        return
    mark = request.node.get_closest_marker("clock")
    with ExitStack() as stack:
        yield PinnedClock(stack, parse_instant(mark.args[0]) if mark else PINNED_NOW)
