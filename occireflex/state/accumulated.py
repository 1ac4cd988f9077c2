"""Administración > Usuarios > Consulta Montos Acumulados por Usuario y Servicio: filters
(usuario, servicio), one page of rows (user × kind: today's and this month's amounts and
counts against the limits that apply), exports by grant.

The browser edits the filters as strings; «Consultar» has the domain validate them (a
user id of another company is denied and audited there) before they become the applied
filters that paging and the exports reuse.
"""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from occireflex import catalog
from occireflex.domain.access import Actor
from occireflex.domain.dual import accumulated_report as acc
from occireflex.domain.money import format_money
from occireflex.state.handler import TOAST, handler
from occireflex.state.paging import DatedQueryMixin, text_value
from occireflex.state.portal import PortalState
from occireflex.state.transactions import ALL, choice

WARN_FROM = 80  # % of a limit from which the bar turns amber (red from 100)


def _level(used: int | None) -> str:
    if used is None:
        return "none"
    return "over" if used >= 100 else "warn" if used >= WARN_FROM else "ok"


def limits_line(amount: int, count: int) -> str:
    """«$5,000.00 · 10 op.», «$5,000.00 · sin límite de op.», «Sin límite»."""
    if not amount and not count:
        return acc.NO_LIMIT
    count_text = f"{count} op." if count else "sin límite de op."
    return f"{acc.limit_text('day_amount', amount)} · {count_text}"


def row_view(r: acc.Row) -> dict[str, str]:
    """One row as the page shows it: texts only, the limits as «Sin límite» for 0."""
    lim = r.limits
    highest = r.highest
    return {
        "key": f"{r.user_id}-{r.kind}", "user": r.username, "name": r.full_name,
        "inactive": "" if r.active else "Inactivo", "kind": r.kind_label,
        "day_amount": format_money(r.day_amount), "day_count": str(r.day_count),
        "month_amount": format_money(r.month_amount), "month_count": str(r.month_count),
        "per_operation": acc.limit_text("per_operation", lim.per_operation),
        "day_limit": acc.limit_text("day_amount", lim.day_amount),
        "day_count_limit": acc.limit_text("day_count", lim.day_count),
        "month_limit": acc.limit_text("month_amount", lim.month_amount),
        "month_count_limit": acc.limit_text("month_count", lim.month_count),
        "day_limits": limits_line(lim.day_amount, lim.day_count),
        "month_limits": limits_line(lim.month_amount, lim.month_count),
        "day_used": acc.used_text(r.used("day_amount")),
        "month_used": acc.used_text(r.used("month_amount")),
        "source": acc.SOURCES[r.source], "own": "1" if lim.own else "",
        "used": acc.used_text(highest), "level": _level(highest),
        "bar": f"{min(highest or 0, 100)}%",
    }


class AccumulatedState(DatedQueryMixin, PortalState):
    """The report's screen. (The mixin's date range is unused: the figures are always of
    the Bogotá day of the domain clock and its month.)"""

    SERVICE: ClassVar[str] = acc.SERVICE
    f_user: str = ALL
    f_kind: str = ALL
    user_options: list[dict[str, str]] = []
    kind_options: list[dict[str, str]] = []
    rows: list[dict[str, str]] = []
    day_label: str = ""
    month_label: str = ""
    range_label: str = ""  # «Hoy … · Mes …»: set once a query was shown

    def _clear_rows(self) -> None:
        self.rows, self.total, self.page = [], 0, 1

    def _show(self, result: acc.ReportPage) -> None:
        self.rows = [row_view(r) for r in result.rows]
        self.total, self.page, self.page_size = result.total, result.page, result.page_size
        self.day_label, self.month_label = result.day, result.month
        self.range_label = f"Hoy {result.day} · Mes {result.month}"

    def _edited(self) -> acc.Filters:
        kind = None if self.f_kind == ALL else self.f_kind
        return acc.Filters(choice(self.f_user), kind)

    def _search(self, db, actor: Actor, applied: acc.Filters, page: object):
        return acc.search(db, actor, applied, page, self.page_size)

    def _export_data(self, db, actor: Actor, applied: acc.Filters, action: str):
        return acc.export(db, actor, applied, action)

    def _load_options(self, actor: Actor, db) -> None:
        users, kinds = acc.options(db, actor)
        self.user_options = [{"id": str(o.id), "label": o.label} for o in users]
        self.kind_options = [{"id": k, "label": label} for k, label in kinds]

    def _defaults(self, actor: Actor) -> bool:
        self.f_user = self.f_kind = ALL
        return True

    @rx.event
    def set_user(self, value: str):
        self.f_user = text_value(value, 20) or ALL

    @rx.event
    def set_kind(self, value: str):
        self.f_kind = text_value(value, 20) or ALL

    @handler(error=TOAST)
    def print_list(self, actor: Actor, db):
        self._export(actor, db, catalog.IMPRIMIR)
        self._run_in_page("print")
