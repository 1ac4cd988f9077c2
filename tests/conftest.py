"""Shared fixtures: an isolated instance dir, and a fresh database per test on SQLite and,
when reachable, PostgreSQL (127.0.0.1:5432, database ``test``, a schema per test process)."""

from __future__ import annotations

import os
import tempfile

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
from occireflex import db as dbmod  # noqa: E402

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


PG_AVAILABLE = _pg_available()
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
        seed_demo(session)
        session.commit()
    return engine
