"""Consultas > Movimientos > Detalles de Movimientos: one account, a date range, one page.

Same pattern as ``state/transactions.py``: the edited filters are plain strings; once the
domain accepts them they become the applied ones (backend-only) used by paging and exports.
"""

from __future__ import annotations

import reflex as rx

from occireflex import catalog
from occireflex.db import session_scope
from occireflex.domain import exports, paging
from occireflex.domain.access import Actor
from occireflex.domain.errors import AccessDenied, DomainError
from occireflex.domain.money import format_money
from occireflex.domain.payments import movements
from occireflex.state.paging import NO_QUERY, QueryGridMixin
from occireflex.state.portal import PortalState
from occireflex.state.session import LOGIN_ROUTE
from occireflex.state.transactions import PDF_MIME, XLSX_MIME, choice, text_value

SERVICE = movements.SERVICE


class MovementsState(QueryGridMixin, PortalState):
    f_account: str = ""
    f_from: str = ""
    f_to: str = ""
    account_options: list[dict[str, str]] = []
    rows: list[dict[str, str]] = []
    account_title: str = ""
    account_name: str = ""
    available: str = ""
    current: str = ""
    debits: str = ""
    credits: str = ""
    range_label: str = ""
    can_excel: bool = False
    can_pdf: bool = False
    can_print: bool = False
    _loaded_for: int = 0

    def _grants(self, actor: Actor) -> None:
        self.can_excel = actor.can(SERVICE, catalog.EXCEL)
        self.can_pdf = actor.can(SERVICE, catalog.PDF)
        self.can_print = actor.can(SERVICE, catalog.IMPRIMIR)

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

    @rx.event
    def load(self):
        """on_load: the company's accounts; the first one and the last 30 days by default."""
        actor = self._actor()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        self._grants(actor)
        try:
            with session_scope() as db:
                options = movements.account_options(db, actor)
        except AccessDenied as exc:
            self._clear_rows()
            self.message = exc.message
            return
        self.account_options = [{"id": str(o.id), "label": o.label} for o in options]
        if self._loaded_for != actor.user_id or self._applied is None:
            if not options:
                self._clear_rows()
                self.message = "Su empresa no tiene cuentas para consultar."
                return
            dates = paging.default_range()
            self.f_account = str(options[0].id)
            self.f_from, self.f_to = dates.start.isoformat(), dates.end.isoformat()
            self.page, self._loaded_for = 1, actor.user_id
            applied = self._edited()
        else:
            applied = self._applied
        self._query(actor, applied, self.page)

    @rx.event
    def set_account(self, value: str):
        """Choosing another account shows its movements at once (same dates)."""
        self.f_account = text_value(value, 20)
        return self.apply_filters()

    @rx.event
    def set_from(self, value: str):
        self.f_from = text_value(value)

    @rx.event
    def set_to(self, value: str):
        self.f_to = text_value(value)

    def _file_name(self, data: movements.Export, ext: str) -> str:
        number = data.account.label.split()[-1]
        return f"movimientos-{number}-{data.range.start:%Y%m%d}-{data.range.end:%Y%m%d}.{ext}"

    @rx.event
    def export_excel(self):
        data = self._export(catalog.EXCEL)
        if not isinstance(data, movements.Export):
            return data
        content = exports.to_xlsx("Movimientos", movements.EXPORT_HEADERS, data.xlsx_rows())
        return rx.download(data=content, filename=self._file_name(data, "xlsx"),
                           mime_type=XLSX_MIME)

    @rx.event
    def export_pdf(self):
        data = self._export(catalog.PDF)
        if not isinstance(data, movements.Export):
            return data
        content = exports.render_table_pdf(
            "Detalles de Movimientos", data.subtitle, movements.EXPORT_HEADERS,
            data.text_rows(), movements.PDF_WIDTHS, movements.PDF_RIGHT)
        return rx.download(data=content, filename=self._file_name(data, "pdf"),
                           mime_type=PDF_MIME)

    @rx.event
    def print_list(self):
        actor = self._actor()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        if self._applied is None:
            return rx.toast.error(NO_QUERY)
        try:
            with session_scope() as db:
                movements.authorize_print(db, actor, self._applied[0])
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self._run_in_page("print")
