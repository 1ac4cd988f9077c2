"""Writes that can wait: session activity («touch») and the audit of reads.

An event only notes that its session was active (``note_activity``) or that its user
consulted, printed or exported something (``note_read``, through ``audit.record_read``); a
daemon thread writes the notes in one short transaction every ``FLUSH_SECONDS``. So no
user's event waits for the database's writer (SQLite's single write lock, held for seconds
by a bulk file or a sweep batch) just to move the idle clock or to log a read. Until
written, the idle timeout of this process reads the later of the database's value and the
note (``last_seen``). Another worker sees the activity at most ``FLUSH_SECONDS`` late,
which the 15-minute idle timeout absorbs; a crash loses at most that much of either.
Changes of data are never deferred: their audit is written in their own transaction.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from datetime import datetime

from sqlalchemy import bindparam, insert, update
from sqlalchemy.engine import Engine

from occireflex import db as dbmod
from occireflex.domain import audit_chain
from occireflex.models import AuditEvent, LoginSession

FLUSH_SECONDS = 1.0
GIVE_UP_AFTER = 3  # failed rounds (each waits out the busy timeout) before notes are dropped
log = logging.getLogger(__name__)

_lock = threading.Lock()
_one_flush = threading.Lock()  # a flush returns once everything noted before it is written
_pending: dict[Engine, dict[int, datetime]] = {}  # per database: session id → last activity
_reads: dict[Engine, list[dict]] = {}  # per database: audit rows of reads, in order
_failures: dict[Engine, int] = {}
_flusher: threading.Thread | None = None


def note_activity(session_id: int, at: datetime) -> None:
    """The session was active at ``at``; written within ``FLUSH_SECONDS``."""
    engine = dbmod.get_engine()
    with _lock:
        notes = _pending.setdefault(engine, {})
        if session_id not in notes or notes[session_id] < at:
            notes[session_id] = at
    _ensure_flusher()


def note_read(row: dict) -> None:
    """An audit row (``AuditEvent`` columns, ``created_at`` set) written within
    ``FLUSH_SECONDS``."""
    engine = dbmod.get_engine()
    with _lock:
        _reads.setdefault(engine, []).append(row)
    _ensure_flusher()


def last_seen(session_id: int, stored: datetime) -> datetime:
    """The session's last activity: the stored value or a later note not yet written."""
    with _lock:
        noted = _pending.get(dbmod.get_engine(), {}).get(session_id)
    return stored if noted is None or noted < stored else noted


def flush() -> int:
    """Write every note now (the flusher's step; tests call it to skip the wait); returns
    how many were written. A note stays visible to ``last_seen`` until its row is written."""
    with _one_flush:
        return _flush()


def _flush() -> int:
    with _lock:  # reads leave the queue here, so two flushes never write one twice
        engines = set(_pending) | set(_reads)
        batches = [(engine, dict(_pending.get(engine, {})), _reads.pop(engine, []))
                   for engine in engines]
    written = 0
    t = LoginSession.__table__
    touch = (update(t).where(t.c.id == bindparam("sid"), t.c.last_seen_at < bindparam("at"))
             .values(last_seen_at=bindparam("at")))
    for engine, notes, reads in batches:
        if not notes and not reads:
            continue
        try:
            with engine.begin() as conn:
                if notes:
                    conn.execute(touch, [{"sid": sid, "at": at} for sid, at in notes.items()])
                if reads:
                    audit_chain.link(conn, reads)
                    conn.execute(insert(AuditEvent.__table__), reads)
        except Exception:  # noqa: BLE001 — the notes stay for the next round
            _failed(engine, notes, reads)
            continue
        written += len(notes) + len(reads)
        with _lock:
            _failures.pop(engine, None)
            _drop_notes(engine, notes)
    return written


def _drop_notes(engine: Engine, notes: dict[int, datetime]) -> None:
    """Forget notes written (or given up); the caller holds ``_lock``. A session noted
    again meanwhile keeps its newer note."""
    current = _pending.get(engine, {})
    for sid, at in notes.items():
        if current.get(sid) == at:
            del current[sid]


def _failed(engine: Engine, notes: dict[int, datetime], reads: list[dict]) -> None:
    with _lock:
        _failures[engine] = failures = _failures.get(engine, 0) + 1
        if failures < GIVE_UP_AFTER:
            if reads:  # back in front of reads noted meanwhile: order kept
                _reads[engine] = reads + _reads.get(engine, [])
            return
        _failures.pop(engine)
        _drop_notes(engine, notes)
    log.warning("Se descartan la actividad de %d sesión(es) y %d registro(s) de auditoría de "
                "consultas: la base de datos no los aceptó %d veces.", len(notes), len(reads),
                failures, exc_info=True)


def forget(engine: Engine) -> None:
    """Drop the notes of a database going away (tests disposing their engine)."""
    with _lock:
        _pending.pop(engine, None)
        _reads.pop(engine, None)
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
            _flusher = threading.Thread(target=_run, name="occi-deferred-writes", daemon=True)
            _flusher.start()


atexit.register(flush)
