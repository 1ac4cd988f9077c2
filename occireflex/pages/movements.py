"""Consultas > Movimientos > Detalles de Movimientos."""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme
from occireflex.components.cells import amount_line, date_cell, head, money_cell
from occireflex.components.exports import export_buttons
from occireflex.components.fields import date_input, filter_field, option_select, phone_filters
from occireflex.components.grid import card_tile, consult_results, wide_table
from occireflex.components.layout import portal_page
from occireflex.components.notice import notice
from occireflex.components.printing import print_list_style
from occireflex.state.movements import SERVICE, MovementsState

M = MovementsState
DEBIT_COLOR, CREDIT_COLOR = "#B42318", "#067647"


def _filters() -> rx.Component:
    return rx.box(
        rx.grid(
            filter_field("Cuenta", option_select("mov-cuenta", M.f_account, M.set_account,
                                          M.account_options), "mov-cuenta"),
            filter_field("Fecha desde", date_input("mov-desde", M.f_from, M.set_from), "mov-desde"),
            filter_field("Fecha hasta", date_input("mov-hasta", M.f_to, M.set_to), "mov-hasta"),
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
        date_cell(row["when"], style=small),
        rx.table.cell(row["description"], style=small),
        date_cell(row["reference"], style=small),
        money_cell(row["debit"], color=DEBIT_COLOR, style=small),
        money_cell(row["credit"], color=CREDIT_COLOR, style=small),
        money_cell(row["balance"], font_weight="600", style=small),
    )


def _table() -> rx.Component:
    headers = (
        head("Fecha"), head("Descripción"), head("Referencia / Comprobante"),
        head("Débito", text_align="right"), head("Crédito", text_align="right"),
        head("Saldo", text_align="right"),
    )
    return wide_table(M.rows, _table_row, headers, size="1", class_name="occi-print-table",
                      width="100%")


def _card(row) -> rx.Component:
    return card_tile(
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
    )


@portal_page(SERVICE, on_load=[MovementsState.load])
def detalles_de_movimientos() -> rx.Component:
    return rx.vstack(
        print_list_style(),
        notice(M.message, class_name="no-print"),
        rx.cond(M.account_options.length() > 0, phone_filters(M, _filters(), "mov-filtros")),
        rx.cond(M.account_title != "",
                consult_results(M, _account_summary(), _table(), _card, "movimientos")),
        spacing="4", width="100%",
    )
