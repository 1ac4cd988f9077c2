"""Inscripción de Alertas (issue 15): which events alert each user, and how — correo and SMS
through the outbox (sent later by the sidecar), and the portal's bell (``PortalNotice``).

``emit`` only adds rows to the caller's transaction: it never sends, never waits and never
raises for a delivery problem (a user without correo or celular is skipped for that
channel). Without a subscription row a user hears of an event by the bank's default
(``DEFAULTS``): the bell for every event, and correo too for payments and operations
pending their authorization. Each user reads and changes only their own choices and bell.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from occireflex import catalog
from occireflex.domain import audit, outbox
from occireflex.domain.access import Actor, require
from occireflex.domain.bogota import local_moment
from occireflex.domain.errors import AccessDenied, ValidationError
from occireflex.models import AlertSubscription, PortalNotice, User, utcnow

SERVICE = catalog.INSCRIPCION_ALERTAS

PAGO = "pago"
POR_AUTORIZAR = "por_autorizar"
PROGRAMADO_MANANA = "programado_manana"
TOKEN = "token"
IP_NUEVA = "ip_nueva"
EVENTS = (PAGO, POR_AUTORIZAR, PROGRAMADO_MANANA, TOKEN, IP_NUEVA)
LABELS = {
    PAGO: "Pago realizado o fallido",
    POR_AUTORIZAR: "Operación pendiente de mi autorización",
    PROGRAMADO_MANANA: "Pago programado para mañana",
    TOKEN: "Token liberado o bloqueado",
    IP_NUEVA: "Ingreso desde una IP nueva",
}
CORREO, SMS, PORTAL = "correo", "sms", "portal"
CHANNELS = (CORREO, SMS, PORTAL)
CHANNEL_LABELS = {CORREO: "Correo", SMS: "SMS", PORTAL: "Portal"}
# the bank's default for a user without a row for the event: (correo, sms, portal)
DEFAULTS = {PAGO: (True, False, True), POR_AUTORIZAR: (True, False, True),
            PROGRAMADO_MANANA: (False, False, True), TOKEN: (False, False, True),
            IP_NUEVA: (False, False, True)}
RECENT = 8
SMS_LENGTH = 160
SAVED = "Sus alertas quedaron inscritas."
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Choice:
    event: str
    label: str
    correo: bool
    sms: bool
    portal: bool

    def as_dict(self) -> dict[str, bool]:
        return {CORREO: self.correo, SMS: self.sms, PORTAL: self.portal}


@dataclass(frozen=True)
class Notice:
    id: int
    event: str  # its label
    text: str
    when: str  # «2026/11/22 08:15» Bogotá
    unread: bool


def _choice(event: str, row: AlertSubscription | None) -> Choice:
    email, sms, portal = ((row.by_email, row.by_sms, row.by_portal) if row is not None
                          else DEFAULTS[event])
    return Choice(event, LABELS[event], email, sms, portal)


def _rows(db: Session, user_ids: list[int], event: str | None = None
          ) -> dict[tuple[int, str], AlertSubscription]:
    query = select(AlertSubscription).where(col(AlertSubscription.user_id).in_(user_ids))
    if event is not None:
        query = query.where(AlertSubscription.event == event)
    return {(r.user_id, r.event): r for r in db.exec(query).all()}


# Emitting ------------------------------------------------------------------------------


def _user_ids(user_ids: object) -> list[int]:
    if not isinstance(user_ids, list | tuple | set | frozenset):
        return []
    return sorted({i for i in user_ids if isinstance(i, int) and not isinstance(i, bool)
                   and i > 0})


def emit(db: Session, user_ids: list[int], event: str, subject: str, text: str) -> int:
    """Queue ``event`` for each user by their subscription (or ``DEFAULTS``): a correo and
    an SMS in the outbox and/or a notice in the bell, in the caller's transaction (the
    caller commits). Returns the number of messages queued (correos, SMS and notices)."""
    ids = _user_ids(user_ids)
    if event not in EVENTS or not ids:
        log.warning("Alerta ignorada: evento %r para %d usuario(s).", event, len(ids))
        return 0
    subject, text = str(subject)[:160], str(text)
    users = db.exec(select(User).where(col(User.id).in_(ids), User.is_active)).all()
    rows = _rows(db, [u.id for u in users], event)
    queued = 0
    for user in users:
        choice = _choice(event, rows.get((user.id, event)))
        kind = f"alerta_{event}"
        if choice.correo and user.email:
            outbox.enqueue(db, user, kind, subject, f"{text}\n\nBanco de Occidente · "
                           "Portal Empresarial. Cambie sus alertas en Administración > "
                           "Usuarios > Inscripción de Alertas.")
            queued += 1
        if choice.sms and user.phone:
            outbox.enqueue(db, user, kind, subject, f"BdO Empresas: {text}"[:SMS_LENGTH],
                           channel=outbox.SMS)
            queued += 1
        if choice.portal:
            db.add(PortalNotice(company_id=user.company_id, user_id=user.id, event=event,
                                text=text[:300]))
            queued += 1
    return queued


# The user's subscriptions --------------------------------------------------------------


def subscriptions(db: Session, actor: Actor) -> list[Choice]:
    """The actor's choices for every event, the bank's default where they chose nothing."""
    require(db, actor, SERVICE)
    rows = _rows(db, [actor.user_id])
    return [_choice(e, rows.get((actor.user_id, e))) for e in EVENTS]


def _parse(values: object) -> dict[str, tuple[bool, bool, bool]]:
    if not isinstance(values, dict) or not values:
        raise ValidationError("Las alertas elegidas no son válidas.")
    clean = {}
    for event, channels in values.items():
        if event not in EVENTS or not isinstance(channels, dict) or set(channels) != set(CHANNELS):
            raise ValidationError("Las alertas elegidas no son válidas.")
        if any(not isinstance(v, bool) for v in channels.values()):
            raise ValidationError("Las alertas elegidas no son válidas.")
        clean[event] = (channels[CORREO], channels[SMS], channels[PORTAL])
    return clean


def save(db: Session, actor: Actor, values: object, now: datetime | None = None
         ) -> list[Choice]:
    """Save the actor's choices: ``values`` maps events to {correo, sms, portal: bool};
    events left out keep theirs. Audited with before/after."""
    require(db, actor, SERVICE)
    clean = _parse(values)
    now = now or utcnow()
    user = db.get(User, actor.user_id)
    if any(sms for _, sms, _ in clean.values()) and (user is None or not user.phone):
        raise ValidationError("Para recibir SMS registre su celular: pídaselo al "
                              "administrador de su empresa.")
    rows = _rows(db, [actor.user_id])
    before, after = {}, {}
    for event, (email, sms, portal) in clean.items():
        row = rows.get((actor.user_id, event))
        old = _choice(event, row)
        if (old.correo, old.sms, old.portal) == (email, sms, portal):
            continue  # an untouched default stays a default (no row)
        before[event], after[event] = old.as_dict(), {CORREO: email, SMS: sms, PORTAL: portal}
        row = row or AlertSubscription(user_id=actor.user_id, event=event)
        row.by_email, row.by_sms, row.by_portal, row.updated_at = email, sms, portal, now
        db.add(row)
    if after:
        audit.record(db, "alertas_actualizadas", company_id=actor.company_id,
                     user_id=actor.user_id, target=f"usuario:{actor.username}",
                     before=before, after=after, ip=actor.ip, channel=actor.channel)
        db.flush()
    rows = _rows(db, [actor.user_id])
    return [_choice(e, rows.get((actor.user_id, e))) for e in EVENTS]


# The bell: always the actor's own notices ------------------------------------------------


def _own(actor: object) -> Actor:
    if not isinstance(actor, Actor):
        raise AccessDenied()
    return actor


def unread_count(db: Session, actor: Actor) -> int:
    actor = _own(actor)
    return db.exec(select(func.count()).select_from(PortalNotice).where(
        PortalNotice.user_id == actor.user_id, col(PortalNotice.read_at).is_(None))).one()


def recent(db: Session, actor: Actor, limit: int = RECENT) -> list[Notice]:
    """The actor's latest notices, newest first."""
    actor = _own(actor)
    rows = db.exec(select(PortalNotice).where(PortalNotice.user_id == actor.user_id)
                   .order_by(col(PortalNotice.id).desc()).limit(limit)).all()
    return [Notice(n.id, LABELS.get(n.event, n.event), n.text, local_moment(n.created_at),
                   n.read_at is None) for n in rows]


def mark_read(db: Session, actor: Actor, notice_id: object, now: datetime | None = None
              ) -> bool:
    """One notice read; another user's id (or any forged value) changes nothing."""
    actor = _own(actor)
    if not isinstance(notice_id, int) or isinstance(notice_id, bool):
        return False
    return db.execute(update(PortalNotice).where(
        PortalNotice.id == notice_id, PortalNotice.user_id == actor.user_id,
        col(PortalNotice.read_at).is_(None)).values(read_at=now or utcnow())).rowcount == 1


def mark_all_read(db: Session, actor: Actor, now: datetime | None = None) -> int:
    actor = _own(actor)
    return db.execute(update(PortalNotice).where(
        PortalNotice.user_id == actor.user_id, col(PortalNotice.read_at).is_(None))
        .values(read_at=now or utcnow())).rowcount
