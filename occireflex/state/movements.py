"""Consultas > Movimientos > Detalles de Movimientos: one account, a date range, one page.

Same pattern as ``state/transactions.py``: the edited filters are plain strings; once the
domain accepts them they become the applied ones (backend-only) used by paging and exports.
"""

from __future__ import annotations

import reflex as rx

from occireflex.domain import paging
from occireflex.domain.access import Actor
from occireflex.domain.money import format_money
from occireflex.domain.payments import movements
from occireflex.state.handler import TOAST, handler
from occireflex.state.paging import NO_QUERY, DatedQueryMixin, text_value
from occireflex.state.portal import PortalState
from occireflex.state.transactions import choice

SERVICE = movements.SERVICE


class MovementsState(DatedQueryMixin, PortalState):
    SERVICE = SERVICE
    f_account: str = ""
    account_options: list[dict[str, str]] = []
    rows: list[dict[str, str]] = []
    account_title: str = ""
    account_name: str = ""
    available: str = ""
    current: str = ""
    debits: str = ""
    credits: str = ""
    range_label: str = ""

    def _clear_rows(self) -> None:
        self.rows, self.total, self.page = [], 0, 1
        self.account_title = self.account_name = self.available = self.current = ""
        self.debits = self.credits = ""

    def _show(self, result: movements.MovementPage) -> None:
        self.rows = [{
            "id": str(r.id), "when": r.when, "description": r.description,
            "reference": r.reference,
            "debit": format_money(r.debit) if r.debit else "",
            "credit": format_money(r.credit) if r.credit else "",
            "balance": format_money(r.balance),
        } for r in result.rows]
        self.total, self.page, self.page_size = result.total, result.page, result.page_size
        self.account_title, self.account_name = result.account.label, result.account.name
        self.available = format_money(result.account.available)
        self.current = format_money(result.account.current)
        self.debits, self.credits = format_money(result.debits), format_money(result.credits)
        self.range_label = result.range.label()

    def _search(self, db, actor: Actor, applied: tuple, page: object):
        account_id, date_from, date_to = applied
        return movements.list_movements(db, actor, account_id, date_from, date_to, page,
                                        self.page_size)

    def _export_data(self, db, actor: Actor, applied: tuple, action: str):
        return movements.export(db, actor, *applied, action)

    def _edited(self) -> tuple:
        return (choice(self.f_account), self.f_from, self.f_to)

    def _load_options(self, actor: Actor, db) -> None:
        self.account_options = [{"id": str(o.id), "label": o.label}
                                for o in movements.account_options(db, actor)]

    def _defaults(self, actor: Actor) -> bool:
        """The first account and the last 30 days (False when there is no account)."""
        if not self.account_options:
            self._clear_rows()
            self.message = "Su empresa no tiene cuentas para consultar."
            return False
        dates = paging.default_range()
        self.f_account = self.account_options[0]["id"]
        self.f_from, self.f_to = dates.start.isoformat(), dates.end.isoformat()
        return True

    @rx.event
    async def set_account(self, value: str):
        """Choosing another account shows its movements at once (same dates)."""
        self.f_account = text_value(value, 20)
        return await self.apply_filters()

    @handler(error=TOAST)
    def print_list(self, actor: Actor, db):
        if self._applied is None:
            return rx.toast.error(NO_QUERY)
        movements.authorize_print(db, actor, self._applied[0])
        self._run_in_page("print")
