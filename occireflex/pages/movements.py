"""Consultas > Movimientos > Detalles de Movimientos."""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme
from occireflex.components.layout import portal_page
from occireflex.components.pager import pager
from occireflex.pages.transactions import (
    CARDS_DISPLAY,
    PRINT_LIST_CSS,
    TABLE_DISPLAY,
    amount_line,
    callout,
    date_input,
    empty_rows,
    export_buttons,
    field,
    head,
    option_select,
)
from occireflex.state.movements import SERVICE, MovementsState

M = MovementsState
DEBIT_COLOR, CREDIT_COLOR = "#B42318", "#067647"


def _filters() -> rx.Component:
    return rx.box(
        rx.grid(
            field("Cuenta", option_select("mov-cuenta", M.f_account, M.set_account,
                                          M.account_options), "mov-cuenta"),
            field("Fecha desde", date_input("mov-desde", M.f_from, M.set_from), "mov-desde"),
            field("Fecha hasta", date_input("mov-hasta", M.f_to, M.set_to), "mov-hasta"),
            rx.flex(
                rx.button(rx.icon("search", size=16), "Consultar", on_click=M.apply_filters,
                          width=["100%", "auto"]),
                align="end", justify="end", height="100%",
            ),
            columns=rx.breakpoints(initial="1", xs="2", md="4"), gap="0.75rem 1rem",
            width="100%",
            grid_template_columns=rx.breakpoints(initial="1fr", xs="1fr 1fr",
                                                 md="2fr 1fr 1fr auto"),
        ),
        style=theme.CARD, class_name="no-print",
    )


def _figure(label: str, value, color: str = theme.TEXT) -> rx.Component:
    return rx.vstack(
        rx.text(label, color=theme.MUTED, font_size="0.78rem"),
        rx.text(value, font_weight="700", class_name="occi-money", color=color),
        spacing="0", min_width="0",
    )


def _account_summary() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.vstack(
                rx.text(M.account_title, font_weight="700", color=theme.BRAND_DARK),
                rx.text(M.account_name, " · ", M.range_label, color=theme.MUTED,
                        font_size="0.85rem"),
                spacing="0", min_width="0",
            ),
            rx.spacer(),
            export_buttons(M),
            width="100%", wrap="wrap", gap="0.75rem", align="center",
        ),
        rx.grid(
            _figure("Saldo disponible", M.available),
            _figure("Saldo actual", M.current),
            _figure("Débitos del periodo", M.debits, DEBIT_COLOR),
            _figure("Créditos del periodo", M.credits, CREDIT_COLOR),
            columns=rx.breakpoints(initial="2", sm="4"), gap="0.75rem 1.5rem", width="100%",
            padding="0.75rem 1rem", border_radius="10px", background=theme.PAGE_BG,
        ),
        spacing="3", width="100%",
    )


def _table_row(row) -> rx.Component:
    small = {"font_size": "0.85rem"}
    return rx.table.row(
        rx.table.cell(row["when"], class_name="occi-money", style=small),
        rx.table.cell(row["description"], style=small),
        rx.table.cell(row["reference"], class_name="occi-money", style=small),
        rx.table.cell(row["debit"], class_name="occi-money", text_align="right",
                      color=DEBIT_COLOR, style=small),
        rx.table.cell(row["credit"], class_name="occi-money", text_align="right",
                      color=CREDIT_COLOR, style=small),
        rx.table.cell(row["balance"], class_name="occi-money", text_align="right",
                      font_weight="600", style=small),
    )


def _table() -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(
                head("Fecha"), head("Descripción"), head("Referencia / Comprobante"),
                head("Débito", text_align="right"), head("Crédito", text_align="right"),
                head("Saldo", text_align="right"),
            )),
            rx.table.body(rx.foreach(M.rows, _table_row)),
            width="100%", variant="ghost", size="1",
        ),
        overflow_x="auto", display=TABLE_DISPLAY, class_name="occi-print-table", width="100%",
    )


def _card(row) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(row["description"], font_weight="600", font_size="0.9rem", min_width="0"),
            rx.spacer(),
            rx.cond(row["debit"] != "",
                    rx.text("-", row["debit"], font_weight="700", color=DEBIT_COLOR,
                            class_name="occi-money"),
                    rx.text("+", row["credit"], font_weight="700", color=CREDIT_COLOR,
                            class_name="occi-money")),
            width="100%", align="start",
        ),
        amount_line("Fecha", row["when"]),
        rx.cond(row["reference"] != "", amount_line("Referencia", row["reference"])),
        amount_line("Saldo", row["balance"], font_weight="600"),
        spacing="1", width="100%", padding="0.75rem", border_radius="10px",
        background=theme.PAGE_BG, min_width="0",
    )


def _cards() -> rx.Component:
    return rx.grid(
        rx.foreach(M.rows, _card),
        columns=rx.breakpoints(initial="1", sm="2"), gap="0.75rem", width="100%",
        display=CARDS_DISPLAY, class_name="occi-print-cards",
    )


@portal_page(SERVICE, on_load=[MovementsState.load])
def detalles_de_movimientos() -> rx.Component:
    return rx.vstack(
        rx.el.style(PRINT_LIST_CSS),
        callout(M.message),
        rx.cond(M.account_options.length() > 0, _filters()),
        rx.cond(M.account_title != "", rx.vstack(
            _account_summary(),
            rx.cond(M.total > 0, rx.fragment(_table(), _cards())),
            empty_rows(M),
            pager(M, "movimientos"),
            spacing="3", style=theme.CARD, class_name="occi-card-print",
        )),
        spacing="4", width="100%",
    )
