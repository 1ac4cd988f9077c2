"""The sidecar's periodic jobs besides the sweep, each in its own session of the configured
database: the outbox, the audit anchors, stranded bulk uploads, expired token requests and
pending operations, and the «pago programado mañana» reminders. ``scheduler.Sidecar`` runs
them after each sweep; ``--once`` runs the expiries too.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

log = logging.getLogger("occireflex.programador")  # the sidecar's logger

STRANDED_AFTER = timedelta(minutes=2)


def deliver_outbox(now: datetime) -> None:
    """Messages to users that are due (domain/outbox.py): sent here, never by an event."""
    from sqlmodel import Session

    from occireflex.db import get_engine
    from occireflex.domain import outbox

    try:
        with Session(get_engine(), expire_on_commit=False) as db:
            done = outbox.deliver_due(db, now)
    except Exception:
        log.exception("El envío de mensajes falló; se reintentará en el próximo ciclo.")
        return
    if done.sent or done.failed:
        log.info("Mensajes: %d enviados, %d por reintentar.", done.sent, done.failed)


def anchor_audit(now: datetime) -> None:
    """Sign every audit chain's head that moved (domain/audit_chain.py): a deleted tail is
    then seen even if the intruder rewinds the head."""
    from sqlmodel import Session

    from occireflex.db import get_engine
    from occireflex.domain import audit_chain

    try:
        with Session(get_engine()) as db:
            written = audit_chain.anchor_heads(db, now)
            db.commit()
    except Exception:
        log.exception("No fue posible anclar la auditoría; se reintentará en el próximo ciclo.")
        return
    if written:
        log.info("Auditoría: %d cadena(s) ancladas.", written)


def process_stranded_uploads(now: datetime) -> int:
    """Bulk files still «Recibido» a while after upload (the portal restarted before its
    background task ran): process them here. ``bulk.process`` claims a file atomically,
    so the portal and the sidecar never both process one."""
    from sqlmodel import Session, select

    from occireflex.db import get_engine
    from occireflex.domain import bulk
    from occireflex.models import BulkFile

    done = 0
    with Session(get_engine(), expire_on_commit=False) as db:
        waiting = db.exec(select(BulkFile.id).where(
            BulkFile.state == bulk.RECIBIDO, BulkFile.uploaded_at < now - STRANDED_AFTER)
            .order_by(BulkFile.id)).all()
        for file_id in waiting:
            try:
                if bulk.process(db, file_id) is not None:
                    done += 1
                    log.info("Archivo de carga %s procesado por el programador.", file_id)
            except Exception:
                db.rollback()
                log.exception("No fue posible procesar el archivo de carga %s.", file_id)
    return done


def expire_token_requests(now: datetime) -> int:
    """Release requests not authorized in the App within 10 minutes become «expirada» (and
    abandoned enrollments lose their seed), so Consulta de Token shows it even if nobody
    looks at the request again."""
    from sqlmodel import Session

    from occireflex.db import get_engine
    from occireflex.domain.tokens import virtual as tv

    with Session(get_engine(), expire_on_commit=False) as db:
        expired = tv.expire_overdue(db, now)
        db.commit()
    if expired:
        log.info("%d solicitud(es) de liberación de token expiraron sin autorización.", expired)
    return expired


def expire_pending_operations(now: datetime) -> int:
    """Operations still waiting for authorization at the end of their business day (or
    whose bills were paid meanwhile) become «Vencida»."""
    from sqlmodel import Session

    from occireflex.db import get_engine
    from occireflex.domain.dual import inbox

    with Session(get_engine(), expire_on_commit=False) as db:
        expired = inbox.expire_due(db, now)
    if expired:
        log.info("%d operación(es) pendiente(s) de autorización vencieron.", expired)
    return expired


def remind_programmed(now: datetime) -> int:
    """«Pago programado para mañana» (domain/payments/autopay/reminders.py): each payment
    reminded once, however often this runs. -1: it failed (retried at the next sweep)."""
    from sqlmodel import Session

    from occireflex.db import get_engine
    from occireflex.domain.payments.autopay import reminders

    try:
        with Session(get_engine(), expire_on_commit=False) as db:
            done = reminders.remind_tomorrow(db, now)
    except Exception:
        log.exception("No fue posible avisar los pagos programados de mañana; se reintentará.")
        return -1
    if done:
        log.info("Alertas: %d pago(s) programado(s) para mañana avisados.", done)
    return done
