"""Consultas > Transacciones Realizadas: filters, one SQL page in state, detail and receipt.

The browser edits the filters (plain strings); «Consultar» validates them in the domain and
only then they become the applied filters (backend-only), which paging and the exports
use, so an export always holds what the grid shows. Identity stays in the session cookie
resolved on every event; the grants are re-read each time.
"""

from __future__ import annotations

import reflex as rx

from occireflex import catalog
from occireflex.db import session_scope
from occireflex.domain import exports, paging
from occireflex.domain.access import Actor
from occireflex.domain.errors import AccessDenied, DomainError
from occireflex.domain.money import format_money
from occireflex.domain.payments import transactions
from occireflex.state.paging import QueryGridMixin, id_or_raw, to_int
from occireflex.state.portal import PortalState
from occireflex.state.session import LOGIN_ROUTE

SERVICE = transactions.SERVICE
LIST_ROUTE = catalog.SERVICES_BY_CODE[SERVICE].route
DETAIL_ROUTE = f"{LIST_ROUTE}/detalle"
ALL = "todos"  # the «Todos/Todas» choice of a filter select (Radix forbids "")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_MIME = "application/pdf"


def choice(value: object) -> object:
    """A select's value for the domain: ALL → None, digits → int, anything else as sent
    (the domain refuses it with a message, and audits forged account ids)."""
    if value == ALL or value is None:
        return None
    number = to_int(value)
    if number is not None:
        return number
    return value[:30] if isinstance(value, str) else value


def text_value(value: object, limit: int = 10) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


class TransactionsState(QueryGridMixin, PortalState):
    """The list: filters, one page of rows (≤ 50), totals, and the export buttons."""

    f_from: str = ""
    f_to: str = ""
    f_account: str = ALL
    f_biller: str = ALL
    f_status: str = ALL
    f_channel: str = ALL
    account_options: list[dict[str, str]] = []
    biller_options: list[dict[str, str]] = []
    rows: list[dict[str, str]] = []
    paid_total: str = ""
    range_label: str = ""
    can_query: bool = False
    can_excel: bool = False
    can_pdf: bool = False
    can_print: bool = False
    _loaded_for: int = 0  # user id the filters belong to

    def _grants(self, actor: Actor) -> None:
        self.can_query = actor.can(SERVICE, catalog.CONSULTAR)
        self.can_excel = actor.can(SERVICE, catalog.EXCEL)
        self.can_pdf = actor.can(SERVICE, catalog.PDF)
        self.can_print = actor.can(SERVICE, catalog.IMPRIMIR)

    def _edited(self) -> transactions.TxFilters:
        return transactions.TxFilters(
            date_from=self.f_from, date_to=self.f_to, account_id=choice(self.f_account),
            biller_id=choice(self.f_biller), status=choice(self.f_status),
            channel=choice(self.f_channel))

    def _clear_rows(self) -> None:
        self.rows, self.total, self.page, self.paid_total = [], 0, 1, format_money(0)

    def _show(self, result: transactions.TxPage) -> None:
        self.rows = [{
            "id": str(r.id), "when": r.when, "biller": r.biller, "reference": r.reference,
            "alias": r.alias, "account": r.account, "amount": format_money(r.amount),
            "channel": r.channel, "status": r.status, "reason": r.reason,
            "receipt": r.receipt,
        } for r in result.rows]
        self.total, self.page, self.page_size = result.total, result.page, result.page_size
        self.paid_total = format_money(result.paid_total)
        self.range_label = result.range.label()

    def _search(self, db, actor: Actor, filters: transactions.TxFilters, page: object):
        return transactions.search(db, actor, filters, page, self.page_size)

    def _export_data(self, db, actor: Actor, filters: transactions.TxFilters, action: str):
        return transactions.export(db, actor, filters, action)

    def _defaults(self, actor: Actor) -> None:
        dates = paging.default_range()
        self.f_from, self.f_to = dates.start.isoformat(), dates.end.isoformat()
        self.f_account = self.f_biller = self.f_status = self.f_channel = ALL
        self.page = 1
        self._loaded_for = actor.user_id

    # -- events ----------------------------------------------------------------------------

    @rx.event
    def load(self):
        """on_load: options, grants and the first (or the kept) query."""
        actor = self._actor()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        self._grants(actor)
        try:
            with session_scope() as db:
                accounts, billers = transactions.filter_options(db, actor)
        except AccessDenied as exc:
            self._clear_rows()
            self.message = exc.message
            return
        self.account_options = [{"id": str(o.id), "label": o.label} for o in accounts]
        self.biller_options = [{"id": str(o.id), "label": o.label} for o in billers]
        if self._loaded_for != actor.user_id or self._applied is None:
            self._defaults(actor)
            filters = self._edited()
        else:
            filters = self._applied
        self._query(actor, filters, self.page)

    @rx.event
    def set_from(self, value: str):
        self.f_from = text_value(value)

    @rx.event
    def set_to(self, value: str):
        self.f_to = text_value(value)

    @rx.event
    def set_account(self, value: str):
        self.f_account = text_value(value, 20) or ALL

    @rx.event
    def set_biller(self, value: str):
        self.f_biller = text_value(value, 20) or ALL

    @rx.event
    def set_status(self, value: str):
        self.f_status = text_value(value, 20) or ALL

    @rx.event
    def set_channel(self, value: str):
        self.f_channel = text_value(value, 20) or ALL

    @rx.event
    def clear_filters(self):
        """«Limpiar»: back to the last 30 days, every account, convenio, estado and canal."""
        actor = self._actor()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        self._defaults(actor)
        self._query(actor, self._edited(), 1)

    @rx.event
    def export_excel(self):
        data = self._export(catalog.EXCEL)
        if not isinstance(data, transactions.Export):
            return data
        content = exports.to_xlsx("Transacciones", transactions.EXPORT_HEADERS,
                                  data.xlsx_rows())
        return rx.download(data=content, filename="transacciones-realizadas.xlsx",
                           mime_type=XLSX_MIME)

    @rx.event
    def export_pdf(self):
        data = self._export(catalog.PDF)
        if not isinstance(data, transactions.Export):
            return data
        content = exports.render_table_pdf(
            "Transacciones Realizadas", data.subtitle, transactions.EXPORT_HEADERS,
            data.text_rows(), transactions.PDF_WIDTHS, transactions.PDF_RIGHT)
        return rx.download(data=content, filename="transacciones-realizadas.pdf",
                           mime_type=PDF_MIME)

    @rx.event
    def print_list(self):
        """«Imprimir»: the page as shown; the print stylesheet hides filters and buttons."""
        actor = self._actor()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        try:
            with session_scope() as db:
                transactions.authorize_print(db, actor)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self._run_in_page("print")


class TransactionDetailState(PortalState):
    """One transaction and its receipt (comprobante), at ``…/detalle?id=N``."""

    payment_id: int = 0
    receipt: str = ""
    status: str = ""
    amount: str = ""
    biller: str = ""
    when: str = ""
    lines: list[dict[str, str]] = []
    error: str = ""
    can_pdf: bool = False
    can_print: bool = False

    @rx.event
    def load(self):
        self.payment_id, self.lines, self.error = 0, [], ""
        actor = self._actor()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        self.can_pdf = actor.can(SERVICE, catalog.PDF)
        self.can_print = actor.can(SERVICE, catalog.IMPRIMIR)
        raw = self.router.url.query_parameters.get("id")
        try:
            with session_scope() as db:
                detail = transactions.get_detail(db, actor, id_or_raw(raw))
        except DomainError as exc:
            self.error = exc.message
            return
        self.payment_id, self.receipt, self.status = detail.id, detail.receipt, detail.status
        self.amount, self.biller, self.when = format_money(detail.amount), detail.biller_name, \
            detail.when
        self.lines = [{"label": k, "value": v} for k, v in detail.lines()]

    @rx.event
    def download_receipt(self):
        actor = self._actor()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        try:
            with session_scope() as db:
                name, content = transactions.receipt_pdf(db, actor, self.payment_id)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        return rx.download(data=content, filename=name, mime_type=PDF_MIME)

    @rx.event
    def print_receipt(self):
        actor = self._actor()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        try:
            with session_scope() as db:
                transactions.authorize_print(db, actor, self.payment_id)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self._run_in_page("print")
