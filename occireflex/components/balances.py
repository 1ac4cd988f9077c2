"""The balance tables of seed 001: «Cuentas Corrientes» and «Cuentas Ahorros»."""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme
from occireflex.state.balances import BalancesState

_HEAD = {"color": theme.MUTED, "font_size": "0.78rem", "text_transform": "uppercase",
         "letter_spacing": "0.03em"}


def _amount_line(label: str, value, strong: bool = False) -> rx.Component:
    return rx.hstack(
        rx.text(label, color=theme.MUTED, font_size="0.85rem"),
        rx.text(value, font_weight="700" if strong else "500", class_name="occi-money"),
        justify="between", width="100%",
    )


def _account_card(r) -> rx.Component:
    """Phone layout: one card per account instead of a wide table."""
    return rx.vstack(
        rx.text(r["name"], font_weight="600"),
        rx.text("No. ", r["number"], color=theme.MUTED, font_size="0.8rem"),
        _amount_line("Saldo Disponible:", r["available"], strong=True),
        _amount_line("Saldo Canje:", r["clearing"]),
        _amount_line("Saldo Actual:", r["current"]),
        spacing="1", width="100%", padding="0.75rem", border_radius="10px",
        background=theme.PAGE_BG,
    )


def _table(title: str, rows, test_id: str) -> rx.Component:
    header = rx.table.header(rx.table.row(
        rx.table.column_header_cell("Cuenta", style=_HEAD),
        rx.table.column_header_cell("Saldo Disponible:", style=_HEAD, text_align="right"),
        rx.table.column_header_cell("Saldo Canje:", style=_HEAD, text_align="right"),
        rx.table.column_header_cell("Saldo Actual:", style=_HEAD, text_align="right"),
    ))
    body = rx.table.body(rx.foreach(rows, lambda r: rx.table.row(
        rx.table.cell(rx.vstack(
            rx.text(r["name"], font_weight="600", font_size="0.9rem"),
            rx.text("No. ", r["number"], color=theme.MUTED, font_size="0.8rem"),
            spacing="0")),
        rx.table.cell(r["available"], text_align="right", font_weight="600",
                      class_name="occi-money"),
        rx.table.cell(r["clearing"], text_align="right", class_name="occi-money"),
        rx.table.cell(r["current"], text_align="right", class_name="occi-money"),
    )))
    table = rx.box(rx.table.root(header, body, width="100%", variant="ghost"),
                   overflow_x="auto", display=theme.TABLE_DISPLAY)
    cards = rx.vstack(rx.foreach(rows, _account_card), spacing="3", width="100%",
                      display=theme.CARDS_DISPLAY)
    return rx.box(
        rx.heading(title, size="4", color=theme.BRAND_DARK, margin_bottom="0.75rem"),
        rx.cond(
            rows.length() > 0,
            rx.fragment(table, cards),
            rx.text("No existen registros", color=theme.MUTED, padding="0.75rem 0"),
        ),
        style=theme.CARD,
        data_testid=test_id,
    )


def balance_tables() -> rx.Component:
    return rx.vstack(
        _table("Cuentas Corrientes", BalancesState.checking, "cuentas-corrientes"),
        _table("Cuentas Ahorros", BalancesState.savings, "cuentas-ahorros"),
        spacing="4", width="100%",
    )
