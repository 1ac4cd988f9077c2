"""Carga Programación Automática under dual control: a valid file waits «Pendiente por
autorizar» and is inscribed only when authorized; rejected, cancelled, expired or no longer
valid, it ends «Rechazado» with the reason and nothing inscribed; the uploader's limits
refuse it at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from occireflex.domain import bulk
from occireflex.domain.dual import decide, inbox, rules
from occireflex.domain.errors import AccessDenied
from occireflex.models import (
    AuditEvent,
    AutoPayRule,
    BulkFile,
    Enrollment,
    PendingOperation,
    PortalNotice,
    UserLimit,
)
from tests.domain.test_dual_control import NOW, actor, code, set_rule, user_id

pytestmark = pytest.mark.clock(NOW - timedelta(minutes=10))
START = (NOW + timedelta(days=5)).date().isoformat()
ROWS = 3
MAX_EACH = 150_000_000  # «1.500.000» in the file, centavos here


def _file(*references: str) -> bytes:
    lines = [";".join(["1002", ref, "Sede", "256098765", "DIAS_ANTES", "3", "1.500.000",
                       START, ""]) for ref in references]
    return ("\r\n".join([";".join(bulk.HEADERS), *lines]) + "\r\n").encode()


def _count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def _uploaded(db, preparer, name="Sedes", rows=ROWS) -> BulkFile:
    data = _file(*(f"00{i:07d}" for i in range(1, rows + 1)))
    row = bulk.register(db, preparer, name, "sedes.csv", data, NOW)
    db.commit()
    return bulk.process(db, row.id, now=NOW)


def _operation(db, file_id) -> PendingOperation:
    return next(op for op in db.exec(select(PendingOperation).where(
        PendingOperation.kind == rules.ARCHIVO)).all() if f'"file_id": {file_id}' in op.payload)


def test_a_valid_file_waits_and_is_inscribed_when_authorized(bank, db):
    preparer = actor(db, "prepara.demo")
    before = (_count(db, Enrollment), _count(db, AutoPayRule))
    done = _uploaded(db, preparer)
    assert done.state == bulk.POR_AUTORIZAR and "pendiente de 1 autorización" in done.message
    assert (_count(db, Enrollment), _count(db, AutoPayRule)) == before
    operation = _operation(db, done.id)
    assert (operation.state, operation.items, operation.amount) == ("pendiente", ROWS,
                                                                    ROWS * MAX_EACH)
    checker = actor(db, "autoriza.demo")
    assert db.exec(select(PortalNotice).where(
        PortalNotice.user_id == checker.user_id)).first() is not None
    lines = inbox.detail(db, checker, operation.id)["lines"]
    assert [line["label"] for line in lines][0].endswith("ref. 000000001") and len(lines) == 3

    [outcome] = decide.authorize(db, checker, [operation.id], code(db, "autoriza.demo"), NOW)
    assert outcome.ok and outcome.executed and "3 inscripción(es)" in outcome.message
    db.expire_all()
    assert db.get(BulkFile, done.id).state == bulk.PROCESADO
    assert db.get(BulkFile, done.id).inscribed == ROWS
    assert (_count(db, Enrollment), _count(db, AutoPayRule)) == (before[0] + ROWS,
                                                                 before[1] + ROWS)
    new = db.exec(select(Enrollment).where(Enrollment.reference == "000000002")).one()
    assert new.created_by == preparer.user_id  # inscribed as the uploader


def test_the_uploader_cannot_authorize_their_own_file(bank, db):
    preparer = actor(db, "prepara.demo")
    done = _uploaded(db, preparer)
    operation = _operation(db, done.id)
    with pytest.raises(AccessDenied):
        decide.authorize(db, preparer, [operation.id], code(db, "prepara.demo", 1), NOW)
    db.expire_all()
    assert db.get(BulkFile, done.id).state == bulk.POR_AUTORIZAR
    assert db.get(PendingOperation, operation.id).approvals == 0
    assert db.exec(select(AuditEvent).where(
        AuditEvent.target == f"operacion:{operation.id}:propia")).first() is not None


def test_a_rejected_file_ends_rejected_with_the_reason(bank, db):
    preparer = actor(db, "prepara.demo")
    before = _count(db, Enrollment)
    done = _uploaded(db, preparer)
    operation = _operation(db, done.id)
    checker = actor(db, "autoriza.demo")
    [outcome] = decide.reject(db, checker, [operation.id], "Sedes equivocadas",
                              code(db, "autoriza.demo"), NOW)
    assert outcome.ok
    db.expire_all()
    file = db.get(BulkFile, done.id)
    assert file.state == bulk.RECHAZADO and "Sedes equivocadas" in file.message
    assert "Sedes equivocadas" in bulk.report_bytes(db, preparer, done.id).decode("utf-8-sig")
    assert _count(db, Enrollment) == before


def test_cancelled_and_expired_files_end_rejected(bank, db):
    preparer = actor(db, "prepara.demo")
    first = _uploaded(db, preparer, "Primero", rows=1)
    decide.cancel(db, preparer, _operation(db, first.id).id, NOW)
    second = _uploaded(db, preparer, "Segundo", rows=1)
    assert inbox.expire_due(db, _operation(db, second.id).expires_at) == 1
    db.expire_all()
    assert db.get(BulkFile, first.id).state == bulk.RECHAZADO
    assert "Cancelada" in db.get(BulkFile, first.id).message
    assert db.get(BulkFile, second.id).state == bulk.RECHAZADO
    assert "Vencida" in db.get(BulkFile, second.id).message


def test_a_file_no_longer_valid_when_authorized_inscribes_nothing(bank, db):
    preparer = actor(db, "prepara.demo")
    done = _uploaded(db, preparer)
    other = _uploaded(db, preparer, "Otra vez", rows=1)  # the same first reference
    set_rule(db, preparer.company_id, rules.ARCHIVO, 0)
    checker = actor(db, "autoriza.demo")
    # the second file waits too (prepared before the rule changed); authorize it first
    [outcome] = decide.authorize(db, checker, [_operation(db, other.id).id],
                                 code(db, "autoriza.demo"), NOW)
    assert outcome.ok and db.get(BulkFile, other.id).state == bulk.PROCESADO
    before = _count(db, Enrollment)
    [outcome] = decide.authorize(db, checker, [_operation(db, done.id).id],
                                 code(db, "autoriza.demo", 1), NOW)
    assert outcome.executed and outcome.message.startswith("No se ejecutó")
    db.expire_all()
    assert db.get(BulkFile, done.id).state == bulk.RECHAZADO
    assert _count(db, Enrollment) == before


def test_the_uploaders_limit_refuses_the_file_at_once(bank, db):
    preparer = actor(db, "prepara.demo")
    db.add(UserLimit(company_id=preparer.company_id, user_id=user_id(db, "prepara.demo"),
                     kind=rules.ARCHIVO, per_operation=2 * MAX_EACH))
    db.commit()
    before = _count(db, PendingOperation)
    done = _uploaded(db, preparer)
    assert done.state == bulk.RECHAZADO
    assert "Monto máximo por operación" in done.message
    assert _count(db, PendingOperation) == before


def test_single_signature_inscribes_at_once_and_counts_for_the_limits(demo, db):
    preparer = actor(db, "prepara.demo")
    done = _uploaded(db, preparer)
    assert done.state == bulk.PROCESADO
    operation = _operation(db, done.id)
    assert (operation.state, operation.required, operation.amount) == (
        "autorizada", 0, ROWS * MAX_EACH)
