"""«Carga Programación Automática» and «Archivos Cargados»: the registry of uploaded
files, their processing, their reports and the list.

The flow: ``register`` keeps the uploaded bytes privately (state «Recibido»); ``process``
(the sidecar or a background task, never the user's event loop) runs ``reader.parse`` →
``rows.check_rows`` → ``loader.enroll``: all or nothing. A file with any bad row is
«Rechazado» with a CSV report (row, column, value, reason); a good one is «Procesado»,
every inscription and its programming created in one transaction. The name of a file can
never be used again by the company (case-, accent- and space-insensitive), whatever
became of the upload.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from occireflex import catalog
from occireflex.domain import audit, fields, security_params
from occireflex.domain.access import Actor, actor_for_user, company_row, require
from occireflex.domain.bogota import local_today
from occireflex.domain.bulk.layout import (
    EMPTY,
    EXTENSIONS,
    FILES_SERVICE,
    MAX_BYTES,
    NO_FILE,
    PROCESADO,
    RECHAZADO,
    RECIBIDO,
    SERVICE,
    TOO_BIG,
    UNSUPPORTED,
    VALIDANDO,
    BulkFileRow,
    Progress,
    RowError,
    name_key,
)
from occireflex.domain.bulk.loader import enroll
from occireflex.domain.bulk.reader import parse
from occireflex.domain.bulk.reports import error_report, errors_summary, report_csv
from occireflex.domain.bulk.rows import check_rows
from occireflex.domain.dual import file_ops
from occireflex.domain.errors import DomainError, ValidationError
from occireflex.domain.money import thousands
from occireflex.domain.paging import offset, page_number, page_size_of
from occireflex.models import BulkFile, User, utcnow

CHANNEL = "programador"  # the audit channel of the processing
UPLOADER_GONE = "El usuario que cargó el archivo ya no está activo."


# Names ---------------------------------------------------------------------------------

def _clean_name(name: object) -> tuple[str, str]:
    text = fields.file_name(name)
    return text, name_key(text)[:fields.MAX_FILE_NAME]


def _name_taken(db: Session, company_id: int, key: str) -> bool:
    return db.exec(select(BulkFile.id).where(BulkFile.company_id == company_id,
                                             BulkFile.name_key == key)).first() is not None


def _reused(name: str) -> str:
    return (f"Ya existe un archivo cargado con el nombre «{name}». El nombre no se puede "
            "volver a usar: elija otro.")


def name_available(db: Session, actor: Actor, name: object) -> bool:
    """For the form, before uploading; raises ValidationError for an invalid name."""
    require(db, actor, SERVICE)
    _, key = _clean_name(name)
    return not _name_taken(db, actor.company_id, key)


# Upload, processing and the list -------------------------------------------------------

def register(db: Session, actor: Actor, name: object, filename: object, data: object,
             now: datetime | None = None) -> BulkFile:
    """Keep the upload (state «Recibido») for ``process``; the caller commits."""
    require(db, actor, SERVICE)
    security_params.ensure_open(db, actor, "carga_programacion", now or utcnow())
    text, key = _clean_name(name)
    if not isinstance(filename, str) or not isinstance(data, bytes | bytearray):
        raise ValidationError(NO_FILE)
    original = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]
    if not original.lower().endswith(EXTENSIONS):
        raise ValidationError(UNSUPPORTED)
    if not data:
        raise ValidationError(EMPTY)
    if len(data) > MAX_BYTES:
        raise ValidationError(TOO_BIG)
    if _name_taken(db, actor.company_id, key):
        raise ValidationError(_reused(text))
    row = BulkFile(company_id=actor.company_id, name=text, name_key=key, filename=original,
                   user_id=actor.user_id, uploaded_at=now or utcnow(), state=RECIBIDO,
                   size=len(data), content=bytes(data))
    db.add(row)
    try:
        db.flush()
    except IntegrityError as exc:  # the same name, uploaded at the same moment
        db.rollback()
        raise ValidationError(_reused(text)) from exc
    audit.record(db, "carga_programacion_recibida", company_id=actor.company_id,
                 user_id=actor.user_id, target=f"archivo:{row.id}",
                 after={"archivo": text, "nombre_original": original, "bytes": len(data)},
                 ip=actor.ip, channel=actor.channel)
    return row


def _finish(db: Session, bulk: BulkFile, state: str, message: str, report: bytes,
            error_count: int, now: datetime) -> None:
    bulk.state, bulk.message, bulk.report = state, message[:300], report
    bulk.error_count, bulk.processed_at = error_count, now
    db.add(bulk)


def process(db: Session, file_id: int, progress: Progress | None = None,
            now: datetime | None = None) -> BulkFile | None:
    """Parse → validate → enroll or reject one «Recibido» file (sidecar or background
    task). Commits. Returns the file, or None if it was not waiting (someone took it)."""
    now = now or utcnow()
    note = progress or (lambda _fraction, _message: None)
    claimed = db.execute(update(BulkFile).where(BulkFile.id == file_id,
                                                BulkFile.state == RECIBIDO)
                         .values(state=VALIDANDO)).rowcount
    db.commit()
    if claimed != 1:
        return None
    bulk = db.get(BulkFile, file_id)
    db.refresh(bulk)
    note(0.05, "Leyendo el archivo")
    try:
        actor = actor_for_user(db, bulk.user_id, bulk.company_id, channel=CHANNEL,
                               inactive_message=UPLOADER_GONE)
        rows = parse(bulk.content, bulk.filename)
        bulk.rows = len(rows)
        note(0.1, f"Validando {thousands(len(rows))} filas")
        require(db, actor, SERVICE)
        errors, planned = check_rows(db, actor, rows, local_today(now), note)
        if errors:
            note(1.0, "Archivo rechazado")
            _finish(db, bulk, RECHAZADO, errors_summary(errors), error_report(errors),
                    len(errors), now)
            audit.record(db, "carga_programacion_rechazada", company_id=bulk.company_id,
                         user_id=bulk.user_id, target=f"archivo:{bulk.id}", outcome="fallido",
                         after={"archivo": bulk.name, "filas": len(rows),
                                "errores": len(errors)}, channel=CHANNEL)
            db.commit()
            return bulk
        del rows
        if file_ops.hold_for_authorization(db, actor, bulk, planned, now) is not None:
            db.commit()
            note(1.0, "Archivo pendiente de autorización")
            return bulk
        note(0.5, "Inscribiendo")
        count = enroll(db, actor, bulk, planned, now, note)
        summary = report_csv([("Archivo", "Filas", "Inscritas y programadas", "Estado"),
                               (bulk.name, bulk.rows, count, PROCESADO)])
        _finish(db, bulk, PROCESADO, f"{count} inscripciones creadas y programadas.", summary,
                0, now)
        db.commit()
        note(1.0, "Archivo procesado")
        return bulk
    except DomainError as exc:
        db.rollback()
        bulk = db.get(BulkFile, file_id)
        _finish(db, bulk, RECHAZADO, exc.message,
                report_csv([("Fila", "Columna", "Valor", "Motivo"), ("", "", "", exc.message)]),
                1, now)
        audit.record(db, "carga_programacion_rechazada", company_id=bulk.company_id,
                     user_id=bulk.user_id, target=f"archivo:{bulk.id}", outcome="fallido",
                     after={"archivo": bulk.name, "motivo": exc.message},
                     channel=CHANNEL)
        db.commit()
        note(1.0, "Archivo rechazado")
        return bulk
    except Exception:  # a bug, or the database went away: never stuck in «Validando»
        db.rollback()
        bulk = db.get(BulkFile, file_id)
        message = "Error interno al procesar el archivo; cárguelo de nuevo con otro nombre."
        _finish(db, bulk, RECHAZADO, message,
                report_csv([("Fila", "Columna", "Valor", "Motivo"), ("", "", "", message)]),
                1, now)
        db.commit()
        raise


def pending_files(db: Session) -> list[int]:
    """Files waiting for ``process`` (for the sidecar), oldest first."""
    return list(db.exec(select(BulkFile.id).where(BulkFile.state == RECIBIDO)
                        .order_by(BulkFile.id)).all())


def list_files(db: Session, actor: Actor, page: object = 1, size: object = 10,
               ) -> tuple[list[BulkFileRow], int]:
    """«Archivos Cargados»: the company's uploads, newest first (without their bytes)."""
    require(db, actor, FILES_SERVICE, catalog.CONSULTAR)
    size = page_size_of(size)
    number = page_number(page, 10**6)
    total = db.exec(select(func.count()).select_from(BulkFile).where(
        BulkFile.company_id == actor.company_id)).one()
    rows = db.exec(select(BulkFile.id, BulkFile.name, BulkFile.filename, BulkFile.uploaded_at,
                          User.full_name, BulkFile.rows, BulkFile.inscribed, BulkFile.state,
                          BulkFile.error_count, BulkFile.message)
                   .join(User, User.id == BulkFile.user_id)
                   .where(BulkFile.company_id == actor.company_id)
                   .order_by(BulkFile.uploaded_at.desc(), BulkFile.id.desc())
                   .offset(offset(number, size)).limit(size)).all()
    return [BulkFileRow(*row) for row in rows], total


def report_bytes(db: Session, actor: Actor, file_id: object) -> bytes:
    """The error report (Rechazado) or the summary (Procesado) as CSV; empty while the
    file waits. Another company's file is denied and audited."""
    require(db, actor, FILES_SERVICE, catalog.CONSULTAR)
    bulk = own_file(db, actor, file_id)
    return bulk.report or b""


def first_errors(report: bytes, limit: int = 10) -> list[RowError]:
    """The first lines of a stored report, for the screen."""
    text = report.decode("utf-8-sig", errors="replace")
    result = []
    for line in list(csv.reader(io.StringIO(text), delimiter=";"))[1:limit + 1]:
        if len(line) == 4:
            row = fields.ascii_int(line[0]) or 0
            result.append(RowError(row, line[1], line[2].removeprefix("'"), line[3]))
    return result


def own_file(db: Session, actor: Actor, file_id: object) -> BulkFile:
    return company_row(db, actor, BulkFile, file_id, "archivo", "El archivo no existe.")


def enroll_all(db: Session, actor: Actor, file_id: object, rows: object, now: datetime,
               progress: Progress | None = None) -> int:
    """Inscribe and program every row, with each current bill, in the caller's
    transaction; all or nothing. Returns how many were inscribed. The caller commits."""
    require(db, actor, SERVICE)
    bulk = own_file(db, actor, file_id)
    errors, planned = check_rows(db, actor, rows, local_today(now), progress)
    if errors:
        raise ValidationError(f"El archivo tiene {thousands(len(errors))} error(es): no se "
                              "inscribió nada.")
    return enroll(db, actor, bulk, planned, now, progress)
