"""Consultas > Transacciones Realizadas: filters, one SQL page in state, detail and receipt.

The browser edits the filters (plain strings); «Consultar» validates them in the domain and
only then they become the applied filters (backend-only), which paging and the exports
use, so an export always holds what the grid shows. Identity stays in the session cookie
resolved on every event; the grants are re-read each time.
"""

from __future__ import annotations

import reflex as rx

from occireflex import catalog
from occireflex.domain import paging
from occireflex.domain.access import Actor
from occireflex.domain.money import format_money
from occireflex.domain.payments import transactions
from occireflex.state import downloads
from occireflex.state.handler import TOAST, handler
from occireflex.state.inputs import id_or_raw, to_int
from occireflex.state.paging import DatedQueryMixin, text_value
from occireflex.state.portal import PortalState

SERVICE = transactions.SERVICE
LIST_ROUTE = catalog.SERVICES_BY_CODE[SERVICE].route
DETAIL_ROUTE = f"{LIST_ROUTE}/detalle"
ALL = "todos"  # the «Todos/Todas» choice of a filter select (Radix forbids "")


def choice(value: object) -> object:
    """A select's value for the domain: ALL → None, digits → int, anything else as sent
    (the domain refuses it with a message, and audits forged account ids)."""
    if value == ALL or value is None:
        return None
    number = to_int(value)
    if number is not None:
        return number
    return value[:30] if isinstance(value, str) else value


class TransactionsState(DatedQueryMixin, PortalState):
    """The list: filters, one page of rows (≤ 50), totals, and the export buttons."""

    SERVICE = SERVICE
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

    def _grants(self, actor: Actor) -> None:
        self.can_query = actor.can(SERVICE, catalog.CONSULTAR)
        super()._grants(actor)

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

    def _load_options(self, actor: Actor, db) -> None:
        accounts, billers = transactions.filter_options(db, actor)
        self.account_options = [{"id": str(o.id), "label": o.label} for o in accounts]
        self.biller_options = [{"id": str(o.id), "label": o.label} for o in billers]

    def _defaults(self, actor: Actor) -> bool:
        dates = paging.default_range()
        self.f_from, self.f_to = dates.start.isoformat(), dates.end.isoformat()
        self.f_account = self.f_biller = self.f_status = self.f_channel = ALL
        self.page, self._loaded_for = 1, actor.user_id
        return True

    # -- events ----------------------------------------------------------------------------

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

    @handler(error="message")
    def clear_filters(self, actor: Actor, db):
        """«Limpiar»: back to the last 30 days, every account, convenio, estado and canal."""
        self._defaults(actor)
        self._query(actor, db, self._edited(), 1)

    @handler(error=TOAST)
    def print_list(self, actor: Actor, db):
        """«Imprimir»: the page as shown; the print stylesheet hides filters and buttons."""
        transactions.authorize_print(db, actor)
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

    @handler
    def load(self, actor: Actor, db):
        self.payment_id, self.lines, self.error = 0, [], ""
        self.can_pdf = actor.can(SERVICE, catalog.PDF)
        self.can_print = actor.can(SERVICE, catalog.IMPRIMIR)
        raw = self.router.url.query_parameters.get("id")
        detail = transactions.get_detail(db, actor, id_or_raw(raw))
        self.payment_id, self.receipt, self.status = detail.id, detail.receipt, detail.status
        self.amount, self.biller, self.when = format_money(detail.amount), detail.biller_name, \
            detail.when
        self.lines = [{"label": k, "value": v} for k, v in detail.lines()]

    @handler(error=TOAST)
    def download_receipt(self, actor: Actor, db):
        name, content = transactions.receipt_pdf(db, actor, self.payment_id)
        return downloads.pdf(content, name)

    @handler(error=TOAST)
    def print_receipt(self, actor: Actor, db):
        transactions.authorize_print(db, actor, self.payment_id)
        self._run_in_page("print")
