"""Paging of a server-paged grid: only the visible page is ever in state.

A mixin (not a parent state): each grid gets its own copy of these vars.
"""

from __future__ import annotations

import reflex as rx


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
