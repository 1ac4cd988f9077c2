"""Messages to users, out of band: one outbox, sent by the sidecar, never by an event.

``enqueue`` adds the message in the transaction of the change it tells about, so a message
exists exactly when the change was committed. ``deliver_due`` (the scheduler's job, every
minute) sends what is due: by SMTP when ``OCCIREFLEX_SMTP_URL`` is set, otherwise as an
``.eml`` file in ``instance/outbox/`` (mode 600: a first-access message holds a temporary
password). An SMS (``channel`` sms: the bank has no gateway here) is stored as
``instance/outbox/sms/<id>.txt`` for the operator and the tests. A failed send is retried
later (1, 5, 15, 60 minutes, then hourly) and the message is never lost or deleted; each
row is claimed before sending, so two senders never send one twice. Bodies are never
logged; ``occireflex outbox`` lists subjects only.
"""

from __future__ import annotations

import logging
import os
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from occireflex.models import OutboxMessage, User, utcnow
from occireflex.settings import settings

BACKOFF_MINUTES = (1, 5, 15, 60)
CLAIM = timedelta(minutes=5)
BATCH = 50
CORREO, SMS = "correo", "sms"
log = logging.getLogger(__name__)


def enqueue(db: Session, user: User, kind: str, subject: str, body: str, *,
            channel: str = CORREO) -> OutboxMessage:
    to_address = user.phone if channel == SMS else user.email
    message = OutboxMessage(company_id=user.company_id, user_id=user.id, kind=kind,
                            channel=SMS if channel == SMS else CORREO,
                            to_address=to_address, subject=subject[:160], body=body)
    db.add(message)
    return message


@dataclass(frozen=True)
class Delivery:
    sent: int = 0
    failed: int = 0


def deliver_due(db: Session, now: datetime | None = None, *, limit: int = BATCH) -> Delivery:
    """Send the messages due now; commits after each one."""
    now = now or utcnow()
    due = db.exec(select(OutboxMessage.id).where(
        col(OutboxMessage.sent_at).is_(None), OutboxMessage.next_attempt_at <= now,
        or_(col(OutboxMessage.claimed_until).is_(None), OutboxMessage.claimed_until < now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)).all()
    sent = failed = 0
    for message_id in due:
        claimed = db.execute(update(OutboxMessage).where(
            OutboxMessage.id == message_id, col(OutboxMessage.sent_at).is_(None),
            or_(col(OutboxMessage.claimed_until).is_(None), OutboxMessage.claimed_until < now))
            .values(claimed_until=now + CLAIM)).rowcount
        db.commit()
        if claimed != 1:
            continue  # another sender has it
        message = db.get(OutboxMessage, message_id)
        db.refresh(message)
        try:
            _send(message, now)
        except Exception as exc:  # noqa: BLE001 — kept for the next attempt, whatever failed
            message.attempts += 1
            wait = BACKOFF_MINUTES[min(message.attempts, len(BACKOFF_MINUTES)) - 1]
            message.next_attempt_at = now + timedelta(minutes=wait)
            message.last_error = f"{type(exc).__name__}: {exc}"[:200]
            message.claimed_until = None
            failed += 1
            log.warning("No se pudo enviar el mensaje %s (%s, intento %d): %s; se reintenta "
                        "a las %s.", message.id, message.kind, message.attempts,
                        type(exc).__name__, message.next_attempt_at.isoformat())
        else:
            message.attempts += 1
            message.sent_at, message.claimed_until, message.last_error = now, None, ""
            sent += 1
        db.add(message)
        db.commit()
    return Delivery(sent, failed)


def _email(message: OutboxMessage, now: datetime) -> EmailMessage:
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(now)
    email["Message-ID"] = make_msgid(idstring=f"occireflex-{message.id}")
    email.set_content(message.body)
    return email


def _send(message: OutboxMessage, now: datetime) -> None:
    if message.channel == SMS:
        if not message.to_address:
            raise ValueError("el usuario no tiene celular registrado")
        _write_sms(message, now)
        return
    if not message.to_address:
        raise ValueError("el usuario no tiene correo registrado")
    email = _email(message, now)
    if not settings.smtp_url:
        _write_eml(message, email)
        return
    url = urlsplit(settings.smtp_url)
    with smtplib.SMTP(url.hostname or "localhost", url.port or 25, timeout=10) as smtp:
        if url.scheme == "smtp+starttls":
            smtp.starttls()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(email)


def outbox_dir() -> Path:
    return settings.instance_dir / "outbox"


def _write_eml(message: OutboxMessage, email: EmailMessage) -> None:
    folder = outbox_dir()
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / f"{message.id:08d}-{message.kind}.eml"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(email.as_bytes())


def sms_dir() -> Path:
    return outbox_dir() / "sms"


def _write_sms(message: OutboxMessage, now: datetime) -> None:
    folder = sms_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(folder / f"{message.id:08d}.txt",
                         os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(f"Para: {message.to_address}\nFecha: {format_datetime(now)}\n\n"
                   f"{message.body}\n")


def listing(db: Session, *, pending_only: bool = False, limit: int = 100) -> list[str]:
    """One line per message, newest first: never the body."""
    query = select(OutboxMessage).order_by(col(OutboxMessage.id).desc()).limit(limit)
    if pending_only:
        query = query.where(col(OutboxMessage.sent_at).is_(None))
    lines = []
    for m in db.exec(query).all():
        state = (f"enviado {m.sent_at:%Y-%m-%d %H:%M}" if m.sent_at else
                 f"pendiente (intentos {m.attempts}{', ' + m.last_error if m.last_error else ''})")
        lines.append(f"{m.id:>6}  {m.created_at:%Y-%m-%d %H:%M}  {m.to_address:<32}  "
                     f"{m.subject}  — {state}")
    return lines
