"""Session activity («touch») written later, never on an event's path.

An event only notes that its session was active (``note``); a daemon thread writes the
notes in one short transaction every ``FLUSH_SECONDS``. So no user's event waits for the
database's writer (SQLite's single write lock, held for seconds by a bulk file or a sweep
batch) just to move the idle clock. Until written, the idle timeout of this process reads
the later of the database's value and the note (``last_seen``). Another worker sees the
activity at most ``FLUSH_SECONDS`` late, which the 15-minute idle timeout absorbs; a crash
loses at most that much of it.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from datetime import datetime

from sqlalchemy import bindparam, update
from sqlalchemy.engine import Engine

from occireflex import db as dbmod
from occireflex.models import LoginSession

FLUSH_SECONDS = 1.0
GIVE_UP_AFTER = 3  # failed rounds (each waits out the busy timeout) before notes are dropped
log = logging.getLogger(__name__)

_lock = threading.Lock()
_pending: dict[Engine, dict[int, datetime]] = {}  # per database: session id → last activity
_failures: dict[Engine, int] = {}
_flusher: threading.Thread | None = None


def note(session_id: int, at: datetime) -> None:
    """The session was active at ``at``; written within ``FLUSH_SECONDS``."""
    engine = dbmod.get_engine()
    with _lock:
        notes = _pending.setdefault(engine, {})
        if session_id not in notes or notes[session_id] < at:
            notes[session_id] = at
    _ensure_flusher()


def last_seen(session_id: int, stored: datetime) -> datetime:
    """The session's last activity: the stored value or a later note not yet written."""
    with _lock:
        noted = _pending.get(dbmod.get_engine(), {}).get(session_id)
    return stored if noted is None or noted < stored else noted


def flush() -> int:
    """Write every note now (the flusher's step; tests call it to skip the wait). A note
    stays visible to ``last_seen`` until its row is written."""
    with _lock:
        batches = [(engine, dict(notes)) for engine, notes in _pending.items() if notes]
    written = 0
    t = LoginSession.__table__
    statement = (update(t).where(t.c.id == bindparam("sid"), t.c.last_seen_at < bindparam("at"))
                 .values(last_seen_at=bindparam("at")))
    for engine, notes in batches:
        try:
            with engine.begin() as conn:
                conn.execute(statement, [{"sid": sid, "at": at} for sid, at in notes.items()])
        except Exception:  # noqa: BLE001 — the notes stay for the next round
            _failed(engine, notes)
            continue
        written += len(notes)
        with _lock:
            _failures.pop(engine, None)
            current = _pending.get(engine, {})
            for sid, at in notes.items():
                if current.get(sid) == at:  # not noted again meanwhile
                    del current[sid]
    return written


def _failed(engine: Engine, notes: dict[int, datetime]) -> None:
    with _lock:
        _failures[engine] = failures = _failures.get(engine, 0) + 1
        if failures < GIVE_UP_AFTER:
            return
        _failures.pop(engine)
        current = _pending.get(engine, {})
        for sid, at in notes.items():
            if current.get(sid) == at:
                del current[sid]
    log.warning("Se descarta la actividad de %d sesión(es): la base de datos no la aceptó "
                "%d veces.", len(notes), failures, exc_info=True)


def forget(engine: Engine) -> None:
    """Drop the notes of a database going away (tests disposing their engine)."""
    with _lock:
        _pending.pop(engine, None)
        _failures.pop(engine, None)


def _run() -> None:
    while True:
        time.sleep(FLUSH_SECONDS)
        flush()


def _ensure_flusher() -> None:
    global _flusher
    if _flusher is not None and _flusher.is_alive():
        return
    with _lock:
        if _flusher is None or not _flusher.is_alive():
            _flusher = threading.Thread(target=_run, name="occi-touch-flusher", daemon=True)
            _flusher.start()


atexit.register(flush)
