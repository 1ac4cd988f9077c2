"""The paged grid: a table from the breakpoint up (``theme.WIDE_FROM``), one card per row
below it, «No existen registros» and the pager. Only the page in ``S.rows`` is shown."""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme
from occireflex.components.pager import pager


def wide_table(rows, row, headers, *, size: str = "", **props) -> rx.Component:
    """``headers``: texts or ready header cells; ``row(item)`` returns a ``rx.table.row``."""
    cells = [h if isinstance(h, rx.Component) else rx.table.column_header_cell(h)
             for h in headers]
    table_size = {"size": size} if size else {}
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*cells)),
            rx.table.body(rx.foreach(rows, row)),
            width="100%", variant="ghost", **table_size,
        ),
        overflow_x="auto", display=theme.TABLE_DISPLAY, **props,
    )


def card_list(rows, card, **props) -> rx.Component:
    """The phone layout: the cards one under the other."""
    return rx.vstack(rx.foreach(rows, card), spacing="0", width="100%",
                     display=theme.CARDS_DISPLAY, **props)


def card_grid(rows, card, **props) -> rx.Component:
    """The phone layout of the consultation lists: tiles, two columns on a tablet; on paper
    the table instead (``printing``)."""
    return rx.grid(rx.foreach(rows, card), columns=rx.breakpoints(initial="1", sm="2"),
                   gap="0.75rem", width="100%", display=theme.CARD_GRID_DISPLAY,
                   class_name="occi-print-cards", **props)


def card_tile(*children, **props) -> rx.Component:
    """One tile of ``card_grid``."""
    return rx.vstack(*children, spacing="1", width="100%", padding="0.75rem",
                     border_radius="10px", background=theme.PAGE_BG, min_width="0", **props)


def no_records(S, text: str = "No existen registros", **props) -> rx.Component:
    return rx.cond(S.total == 0, rx.text(text, color=theme.MUTED, **props))


def paged_grid(S, headers, row, card, noun: str, *, rows=None,
               dense: bool = False) -> tuple[rx.Component, ...]:
    """Table, cards, «No existen registros» and pager over ``rows`` (``S.rows``).
    ``dense``: the small table without margins (inside a card that already spaces it)."""
    rows = S.rows if rows is None else rows
    if dense:
        return (wide_table(rows, row, headers, size="1", width="100%"),
                card_list(rows, card), no_records(S), pager(S, noun))
    return (wide_table(rows, row, headers, margin_y="0.75rem"),
            card_list(rows, card, margin_y="0.5rem"),
            no_records(S, padding="0.5rem"), pager(S, noun))


def consult_results(S, summary: rx.Component, table: rx.Component, card,
                    noun: str) -> rx.Component:
    """The result card of a consultation (Transacciones Realizadas, Movimientos): summary,
    table or tiles, «No existen registros para los filtros indicados.», pager; printable."""
    return rx.vstack(
        summary,
        rx.cond(S.total > 0, rx.fragment(table, card_grid(S.rows, card))),
        no_records(S, "No existen registros para los filtros indicados.",
                   padding="0.75rem 0"),
        pager(S, noun),
        spacing="3", style=theme.CARD, class_name="occi-card-print",
    )
