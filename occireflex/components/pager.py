"""«Ver 10 ▾ Registros» and «Primero « 1 2 » Último» for a server-paged grid.

The state passed in must have: page, page_size, total, page_count, page_numbers,
set_page_size(str) and go_to_page(int).
"""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme


def _button(label, on_click, disabled, **props) -> rx.Component:
    return rx.button(label, on_click=on_click, disabled=disabled, size="1",
                     class_name="occi-pager-btn", **props)


def pager(state, noun: str) -> rx.Component:
    return rx.flex(
        rx.hstack(
            rx.text("Ver", font_size="0.9rem"),
            rx.select(["10", "25", "50"], value=state.page_size.to_string(),
                      on_change=state.set_page_size, size="1",
                      aria_label="Registros por página"),
            rx.text("Registros", font_size="0.9rem"),
            rx.text("· ", state.total, f" {noun}", color=theme.MUTED, font_size="0.85rem"),
            align="center", spacing="2"),
        rx.spacer(),
        rx.hstack(
            _button("Primero", state.go_to_page(1), state.page <= 1, variant="ghost"),
            _button("«", state.go_to_page(state.page - 1), state.page <= 1, variant="ghost",
                    aria_label="Página anterior"),
            rx.foreach(state.page_numbers, lambda n: _button(
                n, state.go_to_page(n), False,
                variant=rx.cond(n == state.page, "solid", "ghost"),
                aria_current=rx.cond(n == state.page, "page", "false"))),
            _button("»", state.go_to_page(state.page + 1), state.page >= state.page_count,
                    variant="ghost", aria_label="Página siguiente"),
            _button("Último", state.go_to_page(state.page_count),
                    state.page >= state.page_count, variant="ghost"),
            spacing="1", align="center"),
        width="100%", align="center", wrap="wrap", gap="0.75rem", class_name="no-print",
    )
