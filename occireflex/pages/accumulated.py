"""Administración > Usuarios > Consulta Montos Acumulados por Usuario y Servicio."""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme
from occireflex.components.cells import amount_line, head, money_cell
from occireflex.components.exports import export_buttons
from occireflex.components.fields import filter_field, option_select
from occireflex.components.grid import card_tile, consult_results, wide_table
from occireflex.components.layout import portal_page
from occireflex.components.notice import notice
from occireflex.components.printing import print_list_style
from occireflex.domain.dual import accumulated_report
from occireflex.state.accumulated import AccumulatedState

A = AccumulatedState
_SMALL = {"font_size": "0.85rem"}
_MUTED = {"color": theme.MUTED, "font_size": "0.75rem"}


def _filters() -> rx.Component:
    return rx.box(
        rx.grid(
            filter_field("Usuario", option_select("acc-user", A.f_user, A.set_user,
                                                  A.user_options, "Todos"), "acc-user"),
            filter_field("Servicio", option_select("acc-kind", A.f_kind, A.set_kind,
                                                   A.kind_options, "Todos"), "acc-kind"),
            rx.flex(rx.button(rx.icon("search", size=16), "Consultar", on_click=A.apply_filters,
                              width=["100%", "auto"]), align="end", justify="end"),
            columns=rx.breakpoints(initial="1", xs="2", md="3"), gap="0.75rem 1rem",
            width="100%",
        ),
        style=theme.CARD, class_name="no-print",
    )


def _bar(row) -> rx.Component:
    """The most used of the row's limits: a bar (green, amber from 80 %, red from 100 %)
    and its percentage; «—» when no limit applies."""
    color = rx.match(row["level"], ("over", "var(--red-9)"), ("warn", "var(--amber-9)"),
                     "var(--green-9)")
    return rx.cond(
        row["level"] == "none",
        rx.text("—", color=theme.MUTED),
        rx.hstack(
            rx.box(rx.box(height="100%", width=row["bar"], background=color,
                          border_radius="4px"),
                   width="64px", height="8px", background=theme.BORDER, border_radius="4px",
                   role="progressbar", aria_label="Porcentaje usado del límite",
                   aria_valuetext=row["used"]),
            rx.text(row["used"], class_name="occi-money", font_size="0.8rem"),
            align="center", spacing="2", white_space="nowrap"),
    )


def _source(row) -> rx.Component:
    return rx.badge(row["source"], variant="soft", color_scheme=rx.match(
        row["source"], (accumulated_report.SOURCES["propio"], "blue"),
        (accumulated_report.SOURCES["empresa"], "gray"), "green"))


def _pair(amount, count, limits) -> rx.Component:
    """An amount and its count over their limits: «$1,500.00 · 2 op.» / «Límite: …»."""
    return rx.vstack(
        rx.text(amount, " · ", count, " op.", style=_SMALL, class_name="occi-money"),
        rx.text("Límite: ", limits, style=_MUTED),
        spacing="0", align="end")


def _user(row) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.text(row["user"], font_weight="600", style=_SMALL),
                  rx.cond(row["inactive"] != "", rx.badge(row["inactive"], color_scheme="red",
                                                          variant="soft", size="1")),
                  spacing="1", align="center"),
        rx.text(row["name"], style=_MUTED), spacing="0")


def _row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(_user(row)),
        rx.table.cell(row["kind"], style=_SMALL),
        money_cell(_pair(row["day_amount"], row["day_count"], row["day_limits"])),
        money_cell(_pair(row["month_amount"], row["month_count"], row["month_limits"])),
        money_cell(row["per_operation"], style=_SMALL),
        rx.table.cell(_source(row)),
        rx.table.cell(_bar(row)),
        key=row["key"],
    )


def _table() -> rx.Component:
    headers = (head("Usuario"), head("Servicio"), head("Hoy", text_align="right"),
               head("Mes", text_align="right"), head("Máx. por operación", text_align="right"),
               head("Límite"), head("% usado"))
    return wide_table(A.rows, _row, headers, size="1", class_name="occi-print-table",
                      width="100%", id="acc-table")


def _card(row) -> rx.Component:
    return card_tile(
        rx.hstack(_user(row), rx.spacer(), _source(row), width="100%", align="start"),
        rx.text(row["kind"], font_weight="600", font_size="0.9rem"),
        amount_line("Hoy", row["day_amount"] + " · " + row["day_count"] + " op."),
        amount_line("Límite diario", row["day_limits"]),
        amount_line("Mes", row["month_amount"] + " · " + row["month_count"] + " op."),
        amount_line("Límite mensual", row["month_limits"]),
        amount_line("Máx. por operación", row["per_operation"]),
        rx.hstack(rx.text("Usado", color=theme.MUTED, font_size="0.8rem"), rx.spacer(),
                  _bar(row), width="100%", align="center"),
        key=row["key"],
    )


def _summary() -> rx.Component:
    return rx.flex(
        rx.text(A.total, " filas · ", A.range_label, " · operaciones pendientes y "
                "autorizadas", color=theme.MUTED, font_size="0.9rem"),
        rx.spacer(), export_buttons(A), width="100%", wrap="wrap", gap="0.75rem",
        align="center")


@portal_page(accumulated_report.SERVICE, on_load=[AccumulatedState.load])
def consulta_montos_acumulados() -> rx.Component:
    return rx.vstack(
        print_list_style(),
        notice(A.message, class_name="no-print"),
        _filters(),
        rx.cond(A.range_label != "", consult_results(A, _summary(), _table(), _card,
                                                      "filas")),
        spacing="4", width="100%",
    )
