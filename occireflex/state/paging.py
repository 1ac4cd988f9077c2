"""Paging of a server-paged grid: only the visible page is ever in state.

A mixin (not a parent state): each grid gets its own copy of these vars.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from occireflex.db import session_scope
from occireflex.domain import fields
from occireflex.domain.errors import DomainError
from occireflex.state.session import LOGIN_ROUTE

NO_QUERY = "Realice primero una consulta válida."
GRID_PAGE_SIZES = (10, 25, 50)


def to_int(value: object) -> int | None:
    """A positive id or page number sent by the browser (ASCII digits only), or None."""
    number = fields.ascii_int(value)
    return number if number is not None and 0 < number < 2**63 else None


def id_or_raw(value: object) -> object:
    """An id from the browser as an int when it is one, else as sent: the domain refuses
    it and its audit records what was actually forged."""
    number = to_int(value)
    return number if number is not None else value


class PagedMixin(rx.State, mixin=True):
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


class QueryGridMixin(PagedMixin, mixin=True):
    """A paged grid whose filters the domain validates on «Consultar».

    Once accepted, the filters become the applied ones (backend-only); paging and exports
    reuse them, so an export always holds what the grid shows. Subclasses supply
    ``_grants``, ``_search``, ``_show``, ``_clear_rows``, ``_edited`` and ``_export_data``.
    """

    message: str = ""
    _applied: Any = None  # the filters the domain accepted last

    def _query(self, actor, filters, page: object) -> None:
        try:
            with session_scope() as db:
                result = self._search(db, actor, filters, page)
        except DomainError as exc:
            self.message = exc.message
            self._applied = None
            self._clear_rows()
            return
        self.message = ""
        self._applied = filters
        self._show(result)

    @rx.event
    def apply_filters(self):
        """«Consultar»: validate the edited filters and show their first page."""
        actor = self._actor()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        self._grants(actor)
        self._query(actor, self._edited(), 1)

    def _page_again(self, page: object):
        actor = self._actor()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        self._grants(actor)
        if self._applied is None:
            self.message = NO_QUERY
            return
        self._query(actor, self._applied, page)

    @rx.event
    def set_page_size(self, value: str):
        size = to_int(value)
        self.page_size = size if size in GRID_PAGE_SIZES else GRID_PAGE_SIZES[0]
        return self._page_again(1)

    @rx.event
    def go_to_page(self, page: int):
        return self._page_again(to_int(page) or 1)  # the domain clamps it to the last page

    def _export(self, action: str):
        """The applied filters' export data for ``action``, or an event to return."""
        actor = self._actor()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        if self._applied is None:
            return rx.toast.error(NO_QUERY)
        try:
            with session_scope() as db:
                return self._export_data(db, actor, self._applied, action)
        except DomainError as exc:
            return rx.toast.error(exc.message)
