"""Consultas > Transacciones Realizadas: filters, paged grid (table / phone cards), detail."""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme
from occireflex.components.badges import payment_status_badge as status_badge
from occireflex.components.cells import amount_line, date_cell, head, money_cell
from occireflex.components.exports import export_buttons
from occireflex.components.fields import date_input, filter_field, option_select, phone_filters
from occireflex.components.grid import card_tile, consult_results, wide_table
from occireflex.components.layout import portal_page
from occireflex.components.notice import notice
from occireflex.components.printing import print_list_style, print_receipt_style
from occireflex.state.transactions import (
    DETAIL_ROUTE,
    LIST_ROUTE,
    SERVICE,
    TransactionDetailState,
    TransactionsState,
)

T, D = TransactionsState, TransactionDetailState

# Transacciones Realizadas ------------------------------------------------------------------

_STATUSES = (("exitosa", "Exitosa"), ("fallida", "Rechazada"))
_CHANNELS = (("manual", "Manual"), ("programado", "Programado"))


def _filters() -> rx.Component:
    return rx.box(
        rx.grid(
            filter_field("Fecha desde", date_input("tx-desde", T.f_from, T.set_from), "tx-desde"),
            filter_field("Fecha hasta", date_input("tx-hasta", T.f_to, T.set_to), "tx-hasta"),
            filter_field("Cuenta", option_select("tx-cuenta", T.f_account, T.set_account,
                                          T.account_options, "Todas las cuentas"), "tx-cuenta"),
            filter_field("Convenio", option_select("tx-convenio", T.f_biller, T.set_biller,
                                            T.biller_options, "Todos los convenios"),
                  "tx-convenio"),
            filter_field("Estado", option_select("tx-estado", T.f_status, T.set_status, None,
                                          "Todos", _STATUSES), "tx-estado"),
            filter_field("Canal", option_select("tx-canal", T.f_channel, T.set_channel, None,
                                         "Todos", _CHANNELS), "tx-canal"),
            columns=rx.breakpoints(initial="1", xs="2", md="3"), gap="0.75rem 1rem",
            width="100%",
        ),
        rx.flex(
            rx.button(rx.icon("eraser", size=16), "Limpiar", on_click=T.clear_filters,
                      variant="soft", color_scheme="gray"),
            rx.button(rx.icon("search", size=16), "Consultar", on_click=T.apply_filters),
            gap="0.75rem", justify="end", width="100%", margin_top="1rem", wrap="wrap",
        ),
        style=theme.CARD, class_name="no-print",
    )


def _view_button(row) -> rx.Component:
    return rx.link(
        rx.icon_button(rx.icon("eye", size=16), variant="ghost", size="1",
                       aria_label="Ver detalle de la transacción " + row["id"],
                       title="Ver detalle"),
        href=DETAIL_ROUTE + "?id=" + row["id"], class_name="no-print",
    )


def _receipt_cell(row) -> rx.Component:
    return rx.cond(
        row["receipt"] != "",
        rx.link(row["receipt"], href=DETAIL_ROUTE + "?id=" + row["id"],
                class_name="occi-money", font_size="0.8rem"),
        rx.text("—", color=theme.MUTED),
    )


def _table_row(row) -> rx.Component:
    small = {"font_size": "0.82rem"}
    return rx.table.row(
        date_cell(row["when"], style=small),
        rx.table.cell(rx.text(row["biller"], font_weight="500"), style=small),
        date_cell(row["reference"], style=small),
        rx.table.cell(row["alias"], style=small),
        date_cell(row["account"], style=small),
        rx.cond(row["status"] == "Exitosa",
                money_cell(row["amount"], font_weight="600", style=small),
                rx.table.cell(_not_debited(row), style=small, text_align="right")),
        rx.table.cell(row["channel"], style=small),
        rx.table.cell(status_badge(row["status"])),
        rx.table.cell(row["reason"], style=small | {"min_width": "9rem", "max_width": "14rem"}),
        rx.table.cell(_receipt_cell(row)),
        rx.table.cell(_view_button(row)),
        align="center",
    )


def _not_debited(row) -> rx.Component:
    """A refused payment's amount: struck through, «No debitado» (never read as money)."""
    return rx.vstack(
        rx.text(row["amount"], class_name="occi-money", color=theme.MUTED,
                text_decoration="line-through"),
        rx.text("No debitado", color=theme.MUTED, font_size="0.75rem"),
        spacing="0", align="end", class_name="occi-not-debited")


def _table() -> rx.Component:
    headers = (
        head("Fecha y hora"), head("Convenio"), head("Referencia"), head("Alias"),
        head("Cuenta"), head("Valor", text_align="right"), head("Canal"), head("Estado"),
        head("Motivo"), head("Comprobante"), head("", class_name="no-print"),
    )
    return wide_table(T.rows, _table_row, headers, size="1", class_name="occi-print-table",
                      width="100%")


def _card(row) -> rx.Component:
    """Phone and tablet layout: one card per transaction."""
    return card_tile(
        rx.hstack(
            rx.vstack(
                rx.text(row["biller"], font_weight="600", font_size="0.95rem"),
                rx.text(row["alias"], color=theme.MUTED, font_size="0.8rem"),
                spacing="0", min_width="0",
            ),
            rx.spacer(),
            status_badge(row["status"]),
            width="100%", align="start",
        ),
        rx.cond(row["status"] == "Exitosa",
                rx.text(row["amount"], font_weight="700", font_size="1.15rem",
                        class_name="occi-money", color=theme.BRAND_DARK),
                _not_debited(row)),
        amount_line("Fecha y hora", row["when"]),
        amount_line("Referencia", row["reference"]),
        amount_line("Cuenta", row["account"]),
        amount_line("Canal", row["channel"]),
        rx.cond(row["reason"] != "", rx.text(row["reason"], color="#B42318",
                                             font_size="0.8rem")),
        rx.hstack(
            rx.text("Comprobante", color=theme.MUTED, font_size="0.8rem"),
            rx.spacer(),
            _receipt_cell(row),
            _view_button(row),
            width="100%", align="center",
        ),
    )


def _summary() -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.text("Transacciones del ", T.range_label, font_weight="600",
                    color=theme.BRAND_DARK),
            rx.text(T.total, " transacciones · Pagado (exitosas): ",
                    rx.text.span(T.paid_total, font_weight="700", class_name="occi-money"),
                    color=theme.MUTED, font_size="0.9rem"),
            spacing="0",
        ),
        rx.spacer(),
        export_buttons(T),
        width="100%", align="center", wrap="wrap", gap="0.75rem",
    )


@portal_page(SERVICE, on_load=[TransactionsState.load])
def transacciones_realizadas() -> rx.Component:
    return rx.vstack(
        print_list_style(),
        notice(T.message, class_name="no-print"),
        rx.cond(T.can_query, rx.fragment(
            phone_filters(T, _filters(), "tx-filtros"),
            consult_results(T, _summary(), _table(), _card, "transacciones"),
        )),
        spacing="4", width="100%",
    )


# Detalle / comprobante ------------------------------------------------------------------


def _detail_line(line) -> rx.Component:
    return rx.grid(
        rx.text(line["label"], color=theme.MUTED, font_size="0.85rem"),
        rx.text(line["value"], font_weight="500", font_size="0.9rem", word_break="break-word"),
        gap="0 1rem", width="100%", padding="0.45rem 0", border_bottom=f"1px solid {theme.BORDER}",
        grid_template_columns=rx.breakpoints(initial="1fr", xs="12rem 1fr"),
    )


def _receipt() -> rx.Component:
    ok = D.status == "Exitosa"
    return rx.vstack(
        rx.hstack(
            rx.cond(ok, rx.icon("circle-check", size=36, color="#12B76A"),
                    rx.icon("circle-x", size=36, color="#F04438")),
            rx.vstack(
                rx.heading(rx.cond(ok, "Comprobante de pago", "Transacción fallida"), size="5",
                           color=theme.BRAND_DARK),
                rx.text(D.biller, " · ", D.when, color=theme.MUTED, font_size="0.9rem"),
                spacing="0",
            ),
            align="center", spacing="3",
        ),
        rx.text(D.amount, font_size="1.8rem", font_weight="700", class_name="occi-money",
                color=theme.BRAND_DARK),
        rx.vstack(rx.foreach(D.lines, _detail_line), spacing="0", width="100%"),
        spacing="3", style=theme.CARD, class_name="occi-card-print",
        data_testid="comprobante",
    )


def _detail_actions() -> rx.Component:
    return rx.flex(
        rx.link(rx.button(rx.icon("arrow-left", size=16), "Volver", variant="soft",
                          color_scheme="gray"), href=LIST_ROUTE),
        rx.spacer(),
        rx.cond(D.can_pdf & (D.status == "Exitosa"),
                rx.button(rx.icon("file-down", size=16), "Descargar comprobante PDF",
                          on_click=D.download_receipt, variant="soft")),
        rx.cond(D.can_print, rx.button(rx.icon("printer", size=16), "Imprimir",
                                       on_click=D.print_receipt, variant="soft")),
        gap="0.75rem", wrap="wrap", width="100%", class_name="no-print",
    )


@portal_page(SERVICE, on_load=[TransactionDetailState.load], path="detalle",
             trail=("Detalle de la transacción",))
def transaccion_detalle() -> rx.Component:
    return rx.vstack(
        print_receipt_style(),
        rx.cond(
            D.payment_id == 0,
            rx.cond(D.error != "", rx.vstack(
                notice(D.error, class_name="no-print"),
                rx.link(rx.button(rx.icon("arrow-left", size=16), "Volver a Transacciones "
                                  "Realizadas", variant="soft"), href=LIST_ROUTE),
                spacing="3", width="100%",
            ), rx.center(rx.spinner(size="3"), padding="3rem", width="100%")),
            rx.vstack(_receipt(), _detail_actions(), spacing="4", width="100%",
                      max_width="760px"),
        ),
        spacing="4", width="100%",
    )
