"""Inscripción de Alertas (the page: event × Correo, SMS, Portal) and the portal's bell
(recent notices, «Marcar todas como leídas»). The browser's choices are checked in
``domain/alerts``; the bell only ever reads and marks the user's own notices."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from occireflex.domain import alerts
from occireflex.domain.access import Actor
from occireflex.state.handler import TOAST, handler
from occireflex.state.portal import PortalState


def _shown(choices: list[alerts.Choice]) -> list[dict[str, str]]:
    return [{"event": c.event, "label": c.label} for c in choices]


class AlertsState(PortalState):
    SERVICE: ClassVar[str] = alerts.SERVICE
    events: list[dict[str, str]] = []  # event, label: the table's rows
    chosen: dict[str, bool] = {}  # "<event>-<channel>" → checked
    message: str = ""
    error: str = ""

    def _fill(self, choices: list[alerts.Choice]) -> None:
        self.events = _shown(choices)
        self.chosen = {f"{c.event}-{channel}": on for c in choices
                       for channel, on in c.as_dict().items()}

    @handler(error="error")
    def load(self, actor: Actor, db):
        choices = alerts.subscriptions(db, actor)
        if self._resumed and self.chosen:
            return
        self.message = self.error = ""
        self._fill(choices)

    @rx.event
    def toggle(self, event: str, channel: str, checked: bool):
        key = f"{event}-{channel}" if isinstance(event, str) and isinstance(channel, str) else ""
        if key in self.chosen:
            self.chosen[key] = checked is True
            self.message = ""

    @handler(error="error")
    def save(self, actor: Actor, db):
        self.message = self.error = ""
        values = {e: {ch: self.chosen.get(f"{e}-{ch}") is True for ch in alerts.CHANNELS}
                  for e in alerts.EVENTS}
        self._fill(alerts.save(db, actor, values))
        self.message = alerts.SAVED


class AlertBellState(PortalState):
    notices: list[dict[str, str]] = []  # id, event, text, when, unread ("1" | "")

    @handler(error=TOAST)
    def open_bell(self, actor: Actor, db, opened: bool = True):
        if opened is not True:
            return
        self.notices = [{"id": str(n.id), "event": n.event, "text": n.text, "when": n.when,
                         "unread": "1" if n.unread else ""} for n in alerts.recent(db, actor)]
        self.bell_count = alerts.unread_count(db, actor)

    @handler(error=TOAST)
    def read_all(self, actor: Actor, db):
        alerts.mark_all_read(db, actor)
        self.notices = [{**n, "unread": ""} for n in self.notices]
        self.bell_count = 0
