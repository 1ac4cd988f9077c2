"""Engine and session factory (SQLite by default, PostgreSQL via OCCIREFLEX_DB_URL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from occireflex.settings import settings

Who = TypeVar("Who")
Result = TypeVar("Result")
NOBODY = object()  # what ``identified_work`` returns when ``identify`` found nobody


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # a connection per event thread, plus the deferred writer and background tasks: an
        # event waiting for SQLite's writer holds its connection, reads must still find one
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=settings.event_threads + 4, max_overflow=8)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


_override: Engine | None = None


@lru_cache(maxsize=1)
def _default_engine() -> Engine:
    return make_engine(settings.db_url)


def get_engine() -> Engine:
    return _override if _override is not None else _default_engine()


def use_engine(engine: Engine | None) -> None:
    """Point the whole app at another engine (tests)."""
    global _override
    _override = engine


@contextmanager
def session_scope() -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def identified_work(identify: Callable[[Session], Who | None],
                    work: Callable[[Who, Session], Result]) -> Result | object:
    """One session for an event: who acts (``identify``), then their work.

    The identification is committed on its own first (a session's touch or ending persists
    whatever the work does); the work then commits on success and rolls back on any error,
    which reaches the caller. Returns ``NOBODY`` when ``identify`` returns None.
    """
    with session_scope() as session:
        who = identify(session)
        if who is None:
            return NOBODY
        session.commit()
        return work(who, session)
