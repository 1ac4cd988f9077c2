"""Administración > Usuarios > Consulta de Actividad: filters, one page of events, the
detail of one with its before/after, the chain's verdict, exports by grant."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from occireflex import catalog
from occireflex.domain import activity, paging
from occireflex.domain.access import Actor
from occireflex.state.handler import TOAST, handler
from occireflex.state.inputs import id_or_raw
from occireflex.state.paging import DatedQueryMixin, text_value
from occireflex.state.portal import PortalState
from occireflex.state.transactions import ALL, choice


class ActivityState(DatedQueryMixin, PortalState):
    SERVICE: ClassVar[str] = activity.SERVICE
    f_user: str = ALL
    f_service: str = ALL
    f_action: str = ALL
    f_outcome: str = ALL
    user_options: list[dict[str, str]] = []
    action_options: list[dict[str, str]] = []
    rows: list[dict[str, str]] = []
    range_label: str = ""
    intact: bool = True
    verdict: str = ""
    # the detail dialog
    detail_open: bool = False
    detail_row: dict[str, str] = {}
    detail_changes: list[dict[str, str]] = []

    @rx.var
    def service_options(self) -> list[dict[str, str]]:
        return [{"id": k, "label": v[0]} for k, v in activity.SERVICES.items()]

    @rx.var
    def outcome_options(self) -> list[dict[str, str]]:
        return [{"id": k, "label": v} for k, v in activity.OUTCOMES.items()]

    def _clear_rows(self) -> None:
        self.rows, self.total, self.page = [], 0, 1

    def _show(self, result: activity.ActivityPage) -> None:
        self.rows = [{"id": str(r.id), "when": r.when, "user": r.user, "action": r.action,
                      "target": r.target, "outcome": r.outcome, "channel": r.channel,
                      "ip": r.ip} for r in result.rows]
        self.total, self.page, self.page_size = result.total, result.page, result.page_size
        self.range_label = result.range.label()

    def _edited(self) -> activity.Filters:
        def text(value: str) -> str:
            return "" if value == ALL else value[:60]

        return activity.Filters(choice(self.f_user), self.f_from, self.f_to,
                                text(self.f_service), text(self.f_action),
                                text(self.f_outcome))

    def _search(self, db, actor: Actor, applied: activity.Filters, page: object):
        return activity.search(db, actor, applied, page, self.page_size)

    def _export_data(self, db, actor: Actor, applied: activity.Filters, action: str):
        return activity.export(db, actor, applied, action)

    def _load_options(self, actor: Actor, db) -> None:
        users, actions = activity.options(db, actor)
        self.user_options = [{"id": str(o.id), "label": o.label} for o in users]
        self.action_options = [{"id": a, "label": label} for a, label in actions]
        verdict = activity.integrity(db, actor)
        self.intact, self.verdict = verdict.intact, verdict.message()

    def _defaults(self, actor: Actor) -> bool:
        dates = paging.default_range()
        self.f_from, self.f_to = dates.start.isoformat(), dates.end.isoformat()
        self.f_user = self.f_service = self.f_action = self.f_outcome = ALL
        return True

    @rx.event
    def set_user(self, value: str):
        self.f_user = text_value(value, 20) or ALL

    @rx.event
    def set_service(self, value: str):
        self.f_service = text_value(value, 20) or ALL

    @rx.event
    def set_action(self, value: str):
        self.f_action = text_value(value, 60) or ALL

    @rx.event
    def set_outcome(self, value: str):
        self.f_outcome = text_value(value, 20) or ALL

    @handler(error=TOAST)
    def open_detail(self, actor: Actor, db, event_id: str):
        found = activity.detail(db, actor, id_or_raw(event_id))
        r = found.row
        self.detail_row = {"when": r.when, "user": r.user, "action": r.action,
                           "target": r.target, "outcome": r.outcome, "channel": r.channel,
                           "ip": r.ip}
        self.detail_changes = [{"field": f, "before": b or "—", "after": a or "—"}
                               for f, b, a in found.changes]
        self.detail_open = True

    @rx.event
    def close_detail(self, opened: bool = False):
        if opened is not True:
            self.detail_open = False

    @handler(error=TOAST)
    def print_list(self, actor: Actor, db):
        self._export(actor, db, catalog.IMPRIMIR)
        self._run_in_page("print")
