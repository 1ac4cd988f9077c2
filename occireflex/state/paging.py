"""Paging of a server-paged grid: only the visible page is ever in state.

Mixins (not parent states): each grid gets its own copy of these vars.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from occireflex import catalog
from occireflex.domain.access import Actor
from occireflex.domain.errors import DomainError, ValidationError
from occireflex.state import downloads
from occireflex.state.handler import TOAST, handler
from occireflex.state.inputs import to_int

NO_QUERY = "Realice primero una consulta válida."
GRID_PAGE_SIZES = (10, 25, 50)


class PagedMixin(rx.State, mixin=True):
    """A grid paged in SQL. Subclasses supply ``_reload(actor, db, page_turn)``, which
    fetches ``page`` of ``page_size`` rows (``page_turn``: the total may be reused)."""

    total: int = 0
    page: int = 1
    page_size: int = 10

    @rx.var
    def page_count(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @rx.var
    def page_numbers(self) -> list[int]:
        """Up to five page numbers around the current one."""
        first = max(1, min(self.page - 2, self.page_count - 4))
        return list(range(first, min(self.page_count, first + 4) + 1))

    def _reload(self, actor: Actor, db, page_turn: bool = False) -> None:
        raise NotImplementedError

    def _grid_failed(self, exc: DomainError) -> None:
        """Where a refused page shows (grids without an ``error`` var override it)."""
        self.error = exc.message

    @handler(error=lambda state, exc: state._grid_failed(exc))
    def set_page_size(self, actor: Actor, db, value: str):
        size = to_int(value)
        self.page_size = size if size in GRID_PAGE_SIZES else GRID_PAGE_SIZES[0]
        self.page = 1
        return self._reload(actor, db)

    @handler(error=lambda state, exc: state._grid_failed(exc))
    def go_to_page(self, actor: Actor, db, page: int):
        self.page = min(to_int(page) or 1, self.page_count)
        return self._reload(actor, db, page_turn=True)


class QueryGridMixin(PagedMixin, mixin=True):
    """A paged grid whose filters the domain validates on «Consultar».

    Once accepted, the filters become the applied ones (backend-only); paging and exports
    reuse them, so an export always holds what the grid shows. Subclasses supply
    ``_grants``, ``_search``, ``_show``, ``_clear_rows``, ``_edited`` and ``_export_data``.
    """

    message: str = ""
    filters_open: bool = False  # on a phone the filters wait behind «Filtros»
    _applied: Any = None  # the filters the domain accepted last

    @rx.event
    def toggle_filters(self):
        self.filters_open = not self.filters_open

    def _query(self, actor: Actor, db, filters, page: object) -> None:
        try:  # a search only reads: a refusal (recorded by the domain) is shown in the grid
            result = self._search(db, actor, filters, page)
        except DomainError as exc:
            self.message = exc.message
            self._applied = None
            self._clear_rows()
            return
        self.message = ""
        self._applied = filters
        self._show(result)

    @handler(error="message")
    def apply_filters(self, actor: Actor, db):
        """«Consultar»: validate the edited filters and show their first page."""
        self._grants(actor)
        self._query(actor, db, self._edited(), 1)
        self.filters_open = False  # a phone: back to the results

    def _reload(self, actor: Actor, db, page_turn: bool = False) -> None:
        self._grants(actor)
        if self._applied is None:
            self.message = NO_QUERY
            return
        self._query(actor, db, self._applied, self.page)

    @handler(error="message")
    def go_to_page(self, actor: Actor, db, page: int):
        self.page = to_int(page) or 1  # the domain clamps it to the last page
        return self._reload(actor, db, page_turn=True)

    def _grid_failed(self, exc: DomainError) -> None:
        self.message = exc.message

    def _export(self, actor: Actor, db, action: str):
        """The domain's export of the applied filters for ``action`` (an error without a
        valid query: exports always hold what the grid shows)."""
        if self._applied is None:
            raise ValidationError(NO_QUERY)
        return self._export_data(db, actor, self._applied, action)


def text_value(value: object, limit: int = 10) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


class DatedQueryMixin(QueryGridMixin, mixin=True):
    """A query grid over a date range of one service (Transacciones, Movimientos).

    Subclasses also supply ``SERVICE``, ``_load_options`` (the filters' choices) and
    ``_defaults`` (the first filters; False when there is nothing to query); the domain's
    export renders itself (``xlsx()``, ``pdf()``, ``file_name(ext)``).
    """

    f_from: str = ""
    f_to: str = ""
    can_excel: bool = False
    can_pdf: bool = False
    can_print: bool = False
    _loaded_for: int = 0  # user id the filters belong to

    def _grants(self, actor: Actor) -> None:
        self.can_excel = actor.can(self.SERVICE, catalog.EXCEL)
        self.can_pdf = actor.can(self.SERVICE, catalog.PDF)
        self.can_print = actor.can(self.SERVICE, catalog.IMPRIMIR)

    def _not_loaded(self, exc: DomainError) -> None:
        self._clear_rows()
        self.message = exc.message

    @handler(error=_not_loaded)
    def load(self, actor: Actor, db):
        """on_load: grants, options and the first query (or the one kept for this user)."""
        self._grants(actor)
        self._load_options(actor, db)
        if self._loaded_for != actor.user_id or self._applied is None:
            if not self._defaults(actor):
                return
            self.page, self._loaded_for = 1, actor.user_id
            filters = self._edited()
        else:
            filters = self._applied
        self._query(actor, db, filters, self.page)

    @handler(error=TOAST)
    def export_excel(self, actor: Actor, db):
        data = self._export(actor, db, catalog.EXCEL)
        return downloads.xlsx(data.xlsx(), data.file_name("xlsx"))

    @handler(error=TOAST)
    def export_pdf(self, actor: Actor, db):
        data = self._export(actor, db, catalog.PDF)
        return downloads.pdf(data.pdf(), data.file_name("pdf"))

    @rx.event
    def set_from(self, value: str):
        self.f_from = text_value(value)

    @rx.event
    def set_to(self, value: str):
        self.f_to = text_value(value)
