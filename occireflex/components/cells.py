"""Table header cells and money/date values in tables and cards."""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme

_HEAD = {"color": theme.MUTED, "font_size": "0.75rem", "text_transform": "uppercase",
         "letter_spacing": "0.03em", "white_space": "nowrap"}


def head(label: str, **props) -> rx.Component:
    """A small uppercase column header (the consultation grids)."""
    return rx.table.column_header_cell(label, style=_HEAD, **props)


def date_cell(value, **props) -> rx.Component:
    """A date or time in a table: tabular digits, never wrapped."""
    return rx.table.cell(value, class_name="occi-money", **props)


def money_cell(value, **props) -> rx.Component:
    """An amount in a table: tabular digits, right-aligned."""
    return rx.table.cell(value, class_name="occi-money", text_align="right", **props)


def amount_line(label: str, value, **props) -> rx.Component:
    """A «label … value» line of a phone card."""
    return rx.hstack(
        rx.text(label, color=theme.MUTED, font_size="0.8rem"),
        rx.text(value, class_name="occi-money", font_size="0.85rem", **props),
        justify="between", width="100%", spacing="2",
    )
