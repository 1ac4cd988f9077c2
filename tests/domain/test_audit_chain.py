"""The tamper-evident audit trail (issue 14, point 2): each company's events form a hash
chain written with the change; editing, deleting or reordering a row is found, and so is a
deleted tail (head, signed anchors); concurrent writers leave an intact chain."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, text, update
from sqlmodel import Session, select

from occireflex.cli import main
from occireflex.domain import audit, audit_chain, deferred
from occireflex.models import AuditAnchor, AuditEvent, AuditHead, Company
from tests.helpers import actor_at, login


def company_id(db, name: str = "Empresa Demo S.A.S.") -> int:
    return db.exec(select(Company.id).where(Company.name == name)).one()


def events_of(db, chain: int) -> list[AuditEvent]:
    db.expire_all()
    return list(db.exec(select(AuditEvent).where(AuditEvent.chain == chain)
                        .order_by(AuditEvent.seq)).all())


def write_some(db, cid: int, count: int = 5) -> None:
    for i in range(count):
        audit.record(db, "prueba", company_id=cid, target=f"evento {i}", after={"n": i})
        db.commit()


def test_events_join_their_companys_chain_when_committed(demo, db, pinned_clock):
    cid = company_id(db)
    login(db, "admin.demo", now=pinned_clock.now)  # the login's own events
    write_some(db, cid)
    audit.record(db, "descartado", company_id=cid)
    db.rollback()  # a refused operation leaves no link behind
    chain = events_of(db, cid)
    assert [e.seq for e in chain] == list(range(1, len(chain) + 1))
    assert chain[0].prev_hash == audit_chain.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(chain, chain[1:], strict=False))
    assert "descartado" not in {e.action for e in chain}
    assert audit_chain.verify(db, cid).intact
    other = company_id(db, "Otra Empresa S.A.S.")
    write_some(db, other, 2)
    assert [e.seq for e in events_of(db, other)] == [1, 2]  # each company its own chain
    assert audit_chain.verify(db, cid).events == len(chain)


def test_deferred_reads_and_events_of_no_company_are_chained_too(demo, db, pinned_clock):
    actor = actor_at(db, "admin.demo", pinned_clock.now)
    audit.record_read(actor, "consulta_prueba", target="x")
    deferred.flush()
    audit.record(db, "login_fallido", target="nadie")  # no company: chain 0
    db.commit()
    assert "consulta_prueba" in {e.action for e in events_of(db, actor.company_id)}
    assert events_of(db, 0)[-1].action == "login_fallido"
    assert audit_chain.verify(db, actor.company_id).intact and audit_chain.verify(db, 0).intact


@pytest.mark.parametrize("tamper, reason", [
    ("edit", "contenido fue modificado"),
    ("delete", "falta un evento"),
    ("reorder", "contenido fue modificado"),
    ("insert", "fuera de la cadena"),
])
def test_editing_deleting_reordering_or_inserting_a_row_is_found(demo, db, tamper, reason):
    cid = company_id(db)
    write_some(db, cid, 6)
    third, fourth = events_of(db, cid)[2:4]
    with Session(db.get_bind()) as raw:  # the intruder goes straight to the table
        if tamper == "edit":
            raw.exec(update(AuditEvent).where(AuditEvent.id == third.id)
                     .values(target="otra cosa"))
        elif tamper == "delete":
            raw.exec(delete(AuditEvent).where(AuditEvent.id == third.id))
        elif tamper == "reorder":  # swap two events' contents, links left in place
            for row, other in ((third, fourth), (fourth, third)):
                raw.exec(update(AuditEvent).where(AuditEvent.id == row.id).values(
                    target=other.target, after=other.after))
        else:
            raw.add(AuditEvent(company_id=cid, action="pago_exitoso", target="inventado"))
        raw.commit()
    verdict = audit_chain.verify(db, cid)
    assert not verdict.intact and reason in verdict.reason
    if tamper != "insert":
        assert verdict.broken_seq == 3
    assert "Registro alterado" in verdict.message()


def test_a_deleted_tail_is_found_by_the_head_and_by_the_signed_anchor(demo, db,
                                                                      pinned_clock):
    cid = company_id(db)
    write_some(db, cid, 5)
    assert audit_chain.anchor_heads(db, pinned_clock.now) >= 1
    db.commit()
    assert audit_chain.anchor_heads(db, pinned_clock.now) == 0  # nothing moved since
    last = events_of(db, cid)[-2:]
    with Session(db.get_bind()) as raw:
        raw.exec(delete(AuditEvent).where(AuditEvent.id.in_([e.id for e in last])))
        raw.commit()
    assert "faltan los eventos del final" in audit_chain.verify(db, cid).reason
    # the intruder also rewinds the head: the anchor still remembers
    keep = events_of(db, cid)[-1]
    with Session(db.get_bind()) as raw:
        raw.exec(update(AuditHead).where(AuditHead.chain == cid)
                 .values(seq=keep.seq, hash=keep.hash))
        raw.commit()
    verdict = audit_chain.verify(db, cid)
    assert "ancla firmada" in verdict.reason
    # and a forged anchor (no key) is not believed
    with Session(db.get_bind()) as raw:
        raw.exec(delete(AuditAnchor))
        raw.add(AuditAnchor(chain=cid, seq=keep.seq, hash=keep.hash, signature="0" * 64))
        raw.commit()
    assert "firma válida" in audit_chain.verify(db, cid).reason


def test_a_thousand_concurrent_audited_writes_leave_an_intact_chain(demo, engine, db):
    cid = company_id(db)
    start = len(events_of(db, cid))
    threads_count, each = 8, 125
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(each):
                with Session(engine) as own:
                    audit.record(own, "concurrente", company_id=cid, target=f"{n}-{i}")
                    own.commit()
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    chain = events_of(db, cid)
    assert len(chain) == start + threads_count * each
    assert [e.seq for e in chain] == list(range(1, len(chain) + 1))
    assert audit_chain.verify(db, cid).intact


def test_the_command_line_reports_the_chain_and_exits_non_zero_on_a_break(
        demo, db, capsys, pinned_clock):
    cid = company_id(db)
    write_some(db, cid, 3)
    nit = db.get(Company, cid).nit
    assert main(["auditoria", "verificar", "--empresa", nit]) == 0
    assert "Registro íntegro" in capsys.readouterr().out
    assert main(["auditoria", "verificar"]) == 0  # every chain
    target = events_of(db, cid)[1]
    with Session(db.get_bind()) as raw:
        raw.exec(text("UPDATE auditevent SET outcome = 'ok2' WHERE id = :i").bindparams(
            i=target.id))
        raw.commit()
    assert main(["auditoria", "verificar", "--empresa", nit]) == 1
    out = capsys.readouterr().out
    assert "Registro alterado en el evento 2" in out
    assert main(["auditoria", "verificar", "--empresa", "900123456-8"]) == 2  # unknown


def test_the_scheduler_signs_the_heads_that_moved(demo, db, pinned_clock):
    from occireflex.scheduler import anchor_audit

    write_some(db, company_id(db), 2)
    anchor_audit(pinned_clock.now)
    db.expire_all()
    anchors = db.exec(select(AuditAnchor)).all()
    assert company_id(db) in {a.chain for a in anchors}
    anchor_audit(pinned_clock.now)  # nothing moved: nothing new
    assert len(db.exec(select(AuditAnchor)).all()) == len(anchors)
    assert audit_chain.verify(db, company_id(db)).intact
