"""Carga Programación Automática under dual control (kind «archivo»).

A valid file is checked against the uploader's limits (its amount: the sum of the rows'
maximum amounts) and, when the company's rules ask for authorizations, kept «Pendiente por
autorizar» instead of being inscribed. When the last authorization arrives the stored file
is read and checked again, as its uploader, and inscribed all or nothing; a rejection,
cancellation or expiry leaves the file «Rechazado» with the reason.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session

from occireflex.domain.access import Actor
from occireflex.domain.bogota import local_today
from occireflex.domain.bulk.layout import POR_AUTORIZAR, PROCESADO, RECHAZADO, RowError
from occireflex.domain.bulk.loader import enroll
from occireflex.domain.bulk.reader import parse
from occireflex.domain.bulk.reports import error_report, errors_summary
from occireflex.domain.bulk.rows import Planned, check_rows
from occireflex.domain.dual import limits, prepare, rules
from occireflex.domain.errors import ValidationError
from occireflex.domain.money import format_money, thousands
from occireflex.models import BulkFile, PendingOperation

SHOWN_LINES = 20  # rows of the file the inbox's detail shows


def _lines(planned: list[Planned]) -> list[dict]:
    return [{"label": f"{p.biller.name} ref. {p.reference}",
             "detail": f"Fila {p.row} · {p.alias} · {p.rule.days_before} día(s) antes",
             "amount": f"Tope {format_money(p.rule.max_amount)}"}
            for p in planned[:SHOWN_LINES]]


def hold_for_authorization(db: Session, actor: Actor, bulk: BulkFile, planned: list[Planned],
                           now: datetime) -> PendingOperation | None:
    """Check the uploader's limits (ValidationError naming the limit) and keep the file for
    authorization when the rules ask for it; None when it may be inscribed now (it then
    counts for the limits as an operation already authorized). The caller commits."""
    amount = sum(p.rule.max_amount for p in planned)
    limits.check(db, actor.company_id, actor.user_id, rules.ARCHIVO, amount, now)
    required = prepare.required_authorizations(db, actor, rules.ARCHIVO, amount)
    rows = thousands(len(planned))
    summary = f"Archivo «{bulk.name}»: {rows} inscripción(es) con programación automática"
    payload = {"file_id": bulk.id, "name": bulk.name, "lines": _lines(planned),
               "more": max(0, len(planned) - SHOWN_LINES)}
    state = prepare.PENDIENTE if required else prepare.AUTORIZADA
    operation = prepare.record(db, actor, rules.ARCHIVO, summary=summary, amount=amount,
                               items=len(planned), account_id=None, payload=payload,
                               required=required, now=now, state=state)
    if not required:
        return None
    bulk.state, bulk.processed_at = POR_AUTORIZAR, now
    bulk.message = (f"Archivo válido ({rows} filas): pendiente de {required} "
                    f"autorización(es) en Transacciones Pendientes por Autorizar.")
    db.add(bulk)
    prepare.keep_for_authorization(db, actor, operation)
    return operation


def run_file(db: Session, preparer: Actor, payload: dict, now: datetime) -> str:
    """Inscribe the authorized file as its uploader, its rows checked again now."""
    bulk = db.get(BulkFile, payload.get("file_id"))
    if bulk is None or bulk.company_id != preparer.company_id or bulk.state != POR_AUTORIZAR:
        raise ValidationError("El archivo ya no está pendiente de autorización.")
    errors, planned = check_rows(db, preparer, parse(bulk.content, bulk.filename),
                                 local_today(now))
    if errors:
        raise ValidationError(f"El archivo ya no es válido: {errors_summary(errors)}")
    count = enroll(db, preparer, bulk, planned, now, None)
    bulk.state, bulk.processed_at = PROCESADO, now
    bulk.message = f"{count} inscripciones creadas y programadas (autorizado)."
    db.add(bulk)
    db.commit()
    return f"Archivo «{bulk.name}»: {thousands(count)} inscripción(es) creadas y programadas."


def file_closed(db: Session, operation: PendingOperation, reason: str) -> None:
    """A file's operation ended without running (rejected, cancelled, expired, failed):
    the file is «Rechazado» with the reason. The caller commits."""
    if operation.kind != rules.ARCHIVO:
        return
    bulk = db.get(BulkFile, json.loads(operation.payload).get("file_id"))
    if bulk is not None and bulk.state == POR_AUTORIZAR:
        bulk.state, bulk.message = RECHAZADO, reason[:300]
        bulk.report, bulk.error_count = error_report([RowError(0, "", "", reason)]), 1
        db.add(bulk)
