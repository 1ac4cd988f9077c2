"""Consultas > Transacciones Realizadas: filters, paged grid (table / phone cards), detail.

The small building blocks here (``pager``, ``export_buttons``, ``field``…) are shared with
``pages/movements.py``.
"""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme
from occireflex.components.layout import portal_page
from occireflex.components.pager import pager
from occireflex.state.transactions import (
    ALL,
    DETAIL_ROUTE,
    LIST_ROUTE,
    SERVICE,
    TransactionDetailState,
    TransactionsState,
)

T, D = TransactionsState, TransactionDetailState

# The wide table from 62em (992 px); cards below. On paper always the table.
TABLE_DISPLAY = ["none", "none", "none", "block"]
CARDS_DISPLAY = ["grid", "grid", "grid", "none"]
PRINT_CSS = """
@media print {
  .occi-print-table { display: block !important; overflow: visible !important; }
  .occi-print-cards { display: none !important; }
  .occi-print-table table { font-size: 8pt; }
  .occi-print-table th, .occi-print-table td { padding: 3px 5px !important; }
  .occi-card-print { box-shadow: none !important; border: none !important; padding: 0 !important; }
}
"""
# Lists go on landscape paper; a receipt stays portrait.
PRINT_LIST_CSS = PRINT_CSS + "@page { size: A4 landscape; margin: 10mm; }\n"

_HEAD = {"color": theme.MUTED, "font_size": "0.75rem", "text_transform": "uppercase",
         "letter_spacing": "0.03em", "white_space": "nowrap"}


# Shared pieces -------------------------------------------------------------------------------


def field(label: str, control: rx.Component, html_id: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=html_id, class_name="occi-label"),
        control,
        spacing="1", width="100%", min_width="0",
    )


def date_input(html_id: str, value, on_change) -> rx.Component:
    return rx.input(id=html_id, type="date", value=value, on_change=on_change,
                    min="2000-01-01", max="2099-12-31", width="100%")


def option_select(html_id: str, value, on_change, options, all_label: str | None = None,
                  fixed: tuple[tuple[str, str], ...] = ()) -> rx.Component:
    """A Radix select over ``options`` (dicts id/label) or ``fixed`` (value, label) pairs."""
    items = []
    if all_label:
        items.append(rx.select.item(all_label, value=ALL))
    items += [rx.select.item(label, value=v) for v, label in fixed]
    dynamic = rx.foreach(options, lambda o: rx.select.item(o["label"], value=o["id"])) \
        if options is not None else rx.fragment()
    return rx.select.root(
        rx.select.trigger(id=html_id, width="100%"),
        rx.select.content(*items, dynamic),
        value=value, on_change=on_change,
    )


def callout(text, scheme: str = "red", icon: str = "triangle-alert") -> rx.Component:
    return rx.cond(text != "", rx.callout(text, icon=icon, color_scheme=scheme, width="100%",
                                          role="alert" if scheme == "red" else "status",
                                          class_name="no-print"))


def export_buttons(S) -> rx.Component:
    """«Exportar a Excel», «Exportar PDF», «Imprimir»: each only with its action granted."""
    return rx.flex(
        rx.cond(S.can_excel, rx.button(rx.icon("file-spreadsheet", size=16), "Exportar a Excel",
                                       on_click=S.export_excel, variant="soft", size="2")),
        rx.cond(S.can_pdf, rx.button(rx.icon("file-text", size=16), "Exportar PDF",
                                     on_click=S.export_pdf, variant="soft", size="2")),
        rx.cond(S.can_print, rx.button(rx.icon("printer", size=16), "Imprimir",
                                       on_click=S.print_list, variant="soft", size="2")),
        gap="0.5rem", wrap="wrap", class_name="no-print",
    )


def empty_rows(S) -> rx.Component:
    return rx.cond(S.total == 0, rx.text("No existen registros para los filtros indicados.",
                                         color=theme.MUTED, padding="0.75rem 0"))


def amount_line(label: str, value, **props) -> rx.Component:
    return rx.hstack(
        rx.text(label, color=theme.MUTED, font_size="0.8rem"),
        rx.text(value, class_name="occi-money", font_size="0.85rem", **props),
        justify="between", width="100%", spacing="2",
    )


def head(label: str, **props) -> rx.Component:
    return rx.table.column_header_cell(label, style=_HEAD, **props)


# Transacciones Realizadas ------------------------------------------------------------------

_STATUSES = (("exitosa", "Exitosa"), ("fallida", "Fallida"))
_CHANNELS = (("manual", "Manual"), ("programado", "Programado"))


def status_badge(status) -> rx.Component:
    return rx.badge(status, color_scheme=rx.cond(status == "Exitosa", "green", "red"),
                    variant="soft")


def _filters() -> rx.Component:
    return rx.box(
        rx.grid(
            field("Fecha desde", date_input("tx-desde", T.f_from, T.set_from), "tx-desde"),
            field("Fecha hasta", date_input("tx-hasta", T.f_to, T.set_to), "tx-hasta"),
            field("Cuenta", option_select("tx-cuenta", T.f_account, T.set_account,
                                          T.account_options, "Todas las cuentas"), "tx-cuenta"),
            field("Convenio", option_select("tx-convenio", T.f_biller, T.set_biller,
                                            T.biller_options, "Todos los convenios"),
                  "tx-convenio"),
            field("Estado", option_select("tx-estado", T.f_status, T.set_status, None,
                                          "Todos", _STATUSES), "tx-estado"),
            field("Canal", option_select("tx-canal", T.f_channel, T.set_channel, None,
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
        rx.table.cell(row["when"], class_name="occi-money", style=small),
        rx.table.cell(rx.text(row["biller"], font_weight="500"), style=small),
        rx.table.cell(row["reference"], class_name="occi-money", style=small),
        rx.table.cell(row["alias"], style=small),
        rx.table.cell(row["account"], class_name="occi-money", style=small),
        rx.table.cell(row["amount"], class_name="occi-money", text_align="right",
                      font_weight="600", style=small),
        rx.table.cell(row["channel"], style=small),
        rx.table.cell(status_badge(row["status"])),
        rx.table.cell(row["reason"], style=small | {"min_width": "9rem", "max_width": "14rem"}),
        rx.table.cell(_receipt_cell(row)),
        rx.table.cell(_view_button(row)),
        align="center",
    )


def _table() -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(
                head("Fecha y hora"), head("Convenio"), head("Referencia"), head("Alias"),
                head("Cuenta"), head("Valor", text_align="right"), head("Canal"),
                head("Estado"), head("Motivo"), head("Comprobante"),
                head("", class_name="no-print"),
            )),
            rx.table.body(rx.foreach(T.rows, _table_row)),
            width="100%", variant="ghost", size="1",
        ),
        overflow_x="auto", display=TABLE_DISPLAY, class_name="occi-print-table",
        width="100%",
    )


def _card(row) -> rx.Component:
    """Phone and tablet layout: one card per transaction."""
    return rx.vstack(
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
        rx.text(row["amount"], font_weight="700", font_size="1.15rem", class_name="occi-money",
                color=theme.BRAND_DARK),
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
        spacing="1", width="100%", padding="0.75rem", border_radius="10px",
        background=theme.PAGE_BG, min_width="0",
    )


def _cards() -> rx.Component:
    return rx.grid(
        rx.foreach(T.rows, _card),
        columns=rx.breakpoints(initial="1", sm="2"), gap="0.75rem", width="100%",
        display=CARDS_DISPLAY, class_name="occi-print-cards",
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
        rx.el.style(PRINT_LIST_CSS),
        callout(T.message),
        rx.cond(T.can_query, rx.fragment(
            _filters(),
            rx.vstack(
                _summary(),
                rx.cond(T.total > 0, rx.fragment(_table(), _cards())),
                empty_rows(T),
                pager(T, "transacciones"),
                spacing="3", style=theme.CARD, class_name="occi-card-print",
            ),
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
        rx.el.style(PRINT_CSS + "@page { size: A4 portrait; margin: 12mm; }\n"),
        rx.cond(
            D.payment_id == 0,
            rx.cond(D.error != "", rx.vstack(
                callout(D.error),
                rx.link(rx.button(rx.icon("arrow-left", size=16), "Volver a Transacciones "
                                  "Realizadas", variant="soft"), href=LIST_ROUTE),
                spacing="3", width="100%",
            ), rx.center(rx.spinner(size="3"), padding="3rem", width="100%")),
            rx.vstack(_receipt(), _detail_actions(), spacing="4", width="100%",
                      max_width="760px"),
        ),
        spacing="4", width="100%",
    )
