"""The pager of every server-paged grid.

The state passed in must have: page, page_size, total, page_count, page_numbers,
set_page_size(str) and go_to_page(int) (see ``state.paging.PagedState``).
"""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme


def pager(S, noun: str) -> rx.Component:
    """«Ver 10/25/50 Registros» and «Primero « 1 2 3 » Último»; the buttons wrap, so
    five page numbers still fit in 390 px."""
    def button(label, on_click, disabled, **props) -> rx.Component:
        # border-box: a Radix ghost button is content-box, which makes 28 px into 44
        return rx.button(label, on_click=on_click, disabled=disabled, size="1",
                         style={"margin": "0", "box_sizing": "border-box",
                                "min_width": "28px"}, **props)

    return rx.flex(
        rx.hstack(
            rx.text("Ver", font_size="0.9rem"),
            rx.select(["10", "25", "50"], value=S.page_size.to_string(),
                      on_change=S.set_page_size, size="1",
                      custom_attrs={"aria-label": "Registros por página"}),
            rx.text("Registros", font_size="0.9rem"),
            rx.text("· ", S.total, f" {noun}", color=theme.MUTED, font_size="0.85rem"),
            align="center", spacing="2", wrap="wrap",
        ),
        rx.spacer(),
        rx.flex(
            button("Primero", S.go_to_page(1), S.page <= 1, variant="ghost"),
            button("«", S.go_to_page(S.page - 1), S.page <= 1, variant="ghost",
                   aria_label="Página anterior"),
            rx.foreach(S.page_numbers, lambda n: button(
                n, S.go_to_page(n), False, variant=rx.cond(n == S.page, "solid", "ghost"),
                aria_current=rx.cond(n == S.page, "page", "false"),
                aria_label="Página " + n.to_string())),
            button("»", S.go_to_page(S.page + 1), S.page >= S.page_count, variant="ghost",
                   aria_label="Página siguiente"),
            button("Último", S.go_to_page(S.page_count), S.page >= S.page_count,
                   variant="ghost"),
            gap="0.15rem", align="center", wrap="wrap",
        ),
        width="100%", align="center", wrap="wrap", gap="0.75rem", class_name="no-print",
    )
