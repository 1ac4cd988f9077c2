"""Administración > Seguridad > Consulta de Token: a user's token history.

Needs «Consultar» on Consulta de Token (administrators always hold it; a profile may give
it to an auditor: reading is delegable, changing tokens is not). Only users of the
actor's company; another id is refused and audited. Exports need their own action.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from occireflex import catalog
from occireflex.domain.access import Actor, require
from occireflex.domain.bogota import local_moment
from occireflex.domain.exports import EXPORT_MAX, check_export_action
from occireflex.domain.paging import clamp_page, offset, page_size_of
from occireflex.domain.tokens import states as ts
from occireflex.domain.tokens import virtual as tv
from occireflex.models import TokenEvent, User

SERVICE = catalog.CONSULTA_TOKEN
KIND_LABELS = {"fisico": "Físico", "virtual": "Virtual"}
CHANNEL_LABELS = {"web": "Portal", "responsive": "Portal (celular)", "app": "App",
                  tv.BANK: "Banco", tv.SYSTEM: "Sistema"}
HEADERS = ("Fecha y hora", "Evento", "Token", "Causal", "Realizado por", "Canal", "Detalle")


@dataclass(frozen=True)
class UserOption:
    id: int
    label: str


def users(db: Session, actor: Actor) -> list[UserOption]:
    """The company's users, for the «Usuario» select."""
    require(db, actor, SERVICE, catalog.CONSULTAR)
    rows = db.exec(select(User).where(User.company_id == actor.company_id)
                   .order_by(User.username)).all()
    return [UserOption(u.id, f"{u.username} · {u.full_name}") for u in rows]


@dataclass(frozen=True)
class EventRow:
    when: str
    event: str
    kind: str
    reason: str
    by: str
    channel: str
    detail: str

    def cells(self) -> tuple[str, ...]:
        return (self.when, self.event, self.kind, self.reason or "—", self.by, self.channel,
                self.detail or "—")


@dataclass(frozen=True)
class HistoryPage:
    username: str
    full_name: str
    rows: list[EventRow]
    total: int
    page: int
    page_size: int


def _rows(db: Session, events: list[TokenEvent]) -> list[EventRow]:
    ids = {e.actor_id for e in events if e.actor_id}
    names = dict(db.exec(select(User.id, User.full_name).where(User.id.in_(ids))).all()) if ids else {}
    return [EventRow(
        when=local_moment(e.created_at), event=tv.EVENT_LABELS.get(e.event, e.event),
        kind=KIND_LABELS.get(e.kind, e.kind), reason=ts.REASON_LABELS.get(e.reason, e.reason),
        by=names.get(e.actor_id, "—") if e.actor_id else (
            "El Banco" if e.channel == tv.BANK else "Sistema"),
        channel=CHANNEL_LABELS.get(e.channel, e.channel), detail=e.detail) for e in events]


def history(db: Session, actor: Actor, user_id: object, page: object = 1,
            page_size: object = 10) -> HistoryPage:
    """One page of the user's token events, newest first; paging in SQL."""
    require(db, actor, SERVICE, catalog.CONSULTAR)
    user = tv.company_user(db, actor, user_id)
    size = page_size_of(page_size)
    total = db.exec(select(func.count()).select_from(TokenEvent)
                    .where(TokenEvent.user_id == user.id)).one()
    number = clamp_page(page, total, size)
    events = list(db.exec(select(TokenEvent).where(TokenEvent.user_id == user.id)
                          .order_by(TokenEvent.created_at.desc(), TokenEvent.id.desc())
                          .offset(offset(number, size)).limit(size)).all())
    return HistoryPage(user.username, user.full_name, _rows(db, events), total, number, size)


def export_rows(db: Session, actor: Actor, user_id: object, action: object
                ) -> tuple[str, list[EventRow]]:
    """(user name, every event up to EXPORT_MAX) for Excel, PDF or print, by grant."""
    check_export_action(db, actor, SERVICE, action)
    user = tv.company_user(db, actor, user_id)
    events = list(db.exec(select(TokenEvent).where(TokenEvent.user_id == user.id)
                          .order_by(TokenEvent.created_at.desc(), TokenEvent.id.desc())
                          .limit(EXPORT_MAX)).all())
    return user.username, _rows(db, events)
