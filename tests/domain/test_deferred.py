"""Writes that can wait (domain/deferred.py): the audit of reads is written by the deferred
writer, never in the reading event, with the read's own time, once and in order, and kept
while the database refuses it (issue 12, point 1)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import text
from sqlmodel import select

from occireflex.domain import access, audit, deferred
from occireflex.domain.payments import pay, transactions
from occireflex.models import AuditEvent, Enrollment
from tests.domain.test_actor_cache import statements  # noqa: F401  (fixture)
from tests.domain.test_transactions import ledger  # noqa: F401  (fixture)
from tests.helpers import login


def _actor(db, username="admin.demo") -> access.Actor:
    return access.load_actor(db, login(db, username).session_token)


def _reads(db, action: str) -> list[AuditEvent]:
    db.expire_all()
    rows = db.exec(select(AuditEvent).where(AuditEvent.action == action)
                   .order_by(AuditEvent.id)).all()
    db.commit()  # no transaction left holding the table (PostgreSQL's ALTER below waits)
    return rows


def test_a_consulted_transaction_writes_nothing_in_the_event_and_its_audit_comes_later(
        ledger, db, pinned_clock, statements):  # noqa: F811
    actor = _actor(db)
    db.commit()
    deferred.flush()  # the login's own activity note, before the window (not by the flusher in it)
    read_at = pinned_clock.advance(timedelta(minutes=1))
    statements.clear()
    transactions.get_detail(db, actor, ledger.p1)
    db.commit()
    writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert writes == []
    assert _reads(db, "transaccion_consultada") == []

    pinned_clock.advance(timedelta(minutes=5))  # the writer runs later than the read
    assert deferred.flush() >= 1
    [row] = _reads(db, "transaccion_consultada")
    assert row.target == f"transaccion:{ledger.p1}" and row.user_id == actor.user_id
    assert row.company_id == actor.company_id and row.outcome == "ok"
    assert row.created_at.replace(tzinfo=None) == read_at.replace(tzinfo=None)


def test_reads_noted_by_many_threads_while_others_flush_are_written_once_in_order(demo, db):
    actor = _actor(db)
    db.commit()
    per_thread, threads = 150, 6
    stop = threading.Event()

    def reader(n: int) -> None:
        for i in range(per_thread):
            audit.record_read(actor, "prueba_lectura", target=f"{n}:{i}")

    def flusher() -> None:
        while not stop.is_set():
            deferred.flush()

    flushers = [threading.Thread(target=flusher) for _ in range(3)]
    readers = [threading.Thread(target=reader, args=(n,)) for n in range(threads)]
    for t in flushers + readers:
        t.start()
    for t in readers:
        t.join()
    stop.set()
    for t in flushers:
        t.join()
    deferred.flush()

    rows = _reads(db, "prueba_lectura")
    targets = [r.target for r in rows]
    assert len(targets) == len(set(targets)) == per_thread * threads
    for n in range(threads):  # each thread's reads keep their order
        mine = [int(t.split(":")[1]) for t in targets if t.startswith(f"{n}:")]
        assert mine == list(range(per_thread))


def test_reads_the_database_refuses_are_kept_and_then_given_up_with_a_warning(
        demo, db, engine, caplog):
    actor = _actor(db)
    db.commit()
    audit.record_read(actor, "prueba_lectura", target="primera")

    def hide_table(hidden: bool) -> None:
        names = ("auditevent", "auditevent_oculta") if hidden else ("auditevent_oculta",
                                                                     "auditevent")
        with engine.begin() as conn:
            conn.execute(text(f"ALTER TABLE {names[0]} RENAME TO {names[1]}"))

    hide_table(True)
    try:
        assert deferred.flush() == 0  # refused: kept
        audit.record_read(actor, "prueba_lectura", target="segunda")
        assert deferred.flush() == 0
    finally:
        hide_table(False)
    assert deferred.flush() == 2
    assert [r.target for r in _reads(db, "prueba_lectura")] == ["primera", "segunda"]

    audit.record_read(actor, "prueba_lectura", target="perdida")
    hide_table(True)
    try:
        with caplog.at_level(logging.WARNING, logger=deferred.__name__):
            for _ in range(deferred.GIVE_UP_AFTER):
                assert deferred.flush() == 0
    finally:
        hide_table(False)
    assert "1 registro(s) de auditoría de consultas" in caplog.text
    assert deferred.flush() == 0  # given up: not written late and out of place
    assert [r.target for r in _reads(db, "prueba_lectura")] == ["primera", "segunda"]


def test_a_payment_summary_of_an_issued_bill_writes_nothing(demo, db, statements):  # noqa: F811
    """The summary before paying is a read: when the current bill exists it must not take
    SQLite's writer lock (it waited seconds behind a bulk file before)."""
    actor = _actor(db)
    db.commit()
    enrollment = db.exec(select(Enrollment).where(Enrollment.company_id == actor.company_id,
                                                  Enrollment.deleted_at.is_(None))
                         .order_by(Enrollment.id)).first()
    pay.payable_lines(db, actor, [enrollment.id])  # issues the current bill if missing
    db.commit()
    statements.clear()
    [line] = pay.payable_lines(db, actor, [enrollment.id])
    db.commit()
    assert line.enrollment_id == enrollment.id
    assert [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE"))] == []
