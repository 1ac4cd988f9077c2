"""Administración > Usuarios > Consulta de Actividad."""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme
from occireflex.components.cells import amount_line, date_cell, head
from occireflex.components.exports import export_buttons
from occireflex.components.fields import date_input, filter_field, option_select
from occireflex.components.grid import card_tile, consult_results, wide_table
from occireflex.components.layout import portal_page
from occireflex.components.notice import notice
from occireflex.components.printing import print_list_style
from occireflex.domain import activity
from occireflex.state.activity import ActivityState

A = ActivityState


def _filters() -> rx.Component:
    return rx.box(
        rx.grid(
            filter_field("Usuario", option_select("act-usuario", A.f_user, A.set_user,
                                                  A.user_options, "Todos"), "act-usuario"),
            filter_field("Fecha desde", date_input("act-desde", A.f_from, A.set_from),
                         "act-desde"),
            filter_field("Fecha hasta", date_input("act-hasta", A.f_to, A.set_to), "act-hasta"),
            filter_field("Servicio", option_select("act-servicio", A.f_service, A.set_service,
                                                   A.service_options, "Todos"), "act-servicio"),
            filter_field("Tipo de evento", option_select("act-evento", A.f_action, A.set_action,
                                                         A.action_options, "Todos"),
                         "act-evento"),
            filter_field("Resultado", option_select("act-resultado", A.f_outcome,
                                                    A.set_outcome, A.outcome_options,
                                                    "Todos"), "act-resultado"),
            rx.flex(rx.button(rx.icon("search", size=16), "Consultar", on_click=A.apply_filters,
                              width=["100%", "auto"]), align="end", justify="end"),
            columns=rx.breakpoints(initial="1", xs="2", md="4"), gap="0.75rem 1rem",
            width="100%",
        ),
        style=theme.CARD, class_name="no-print",
    )


def _integrity() -> rx.Component:
    return rx.callout(
        A.verdict, icon=rx.cond(A.intact, "shield-check", "shield-alert"),
        color_scheme=rx.cond(A.intact, "green", "red"), width="100%", id="integridad",
        role=rx.cond(A.intact, "status", "alert"))


def _outcome_badge(value) -> rx.Component:
    return rx.badge(value, variant="soft", color_scheme=rx.match(
        value, ("Exitoso", "green"), ("Denegado", "red"), ("Fallido", "amber"), "gray"))


def _row(row) -> rx.Component:
    small = {"font_size": "0.85rem"}
    return rx.table.row(
        date_cell(row["when"], style=small), rx.table.cell(row["user"], style=small),
        rx.table.cell(row["action"], style=small),
        rx.table.cell(row["target"], style=small, word_break="break-all"),
        rx.table.cell(_outcome_badge(row["outcome"])), rx.table.cell(row["channel"], style=small),
        rx.table.cell(row["ip"], style=small),
        rx.table.cell(rx.icon_button(rx.icon("search", size=14), variant="ghost", size="1",
                                     on_click=A.open_detail(row["id"]),
                                     aria_label="Ver detalle del evento " + row["id"]),
                      class_name="no-print"),
    )


def _table() -> rx.Component:
    headers = (head("Fecha y hora"), head("Usuario"), head("Evento"), head("Objeto"),
               head("Resultado"), head("Canal"), head("IP"),
               rx.table.column_header_cell("", class_name="no-print"))
    return wide_table(A.rows, _row, headers, size="1", class_name="occi-print-table",
                      width="100%")


def _card(row) -> rx.Component:
    return card_tile(
        rx.hstack(rx.text(row["action"], font_weight="600", font_size="0.9rem"), rx.spacer(),
                  _outcome_badge(row["outcome"]), width="100%", align="start"),
        amount_line("Fecha", row["when"]), amount_line("Usuario", row["user"]),
        amount_line("Objeto", row["target"]), amount_line("Canal", row["channel"]),
        rx.button("Ver detalle", size="1", variant="soft", on_click=A.open_detail(row["id"]),
                  class_name="no-print"),
    )


def _summary() -> rx.Component:
    return rx.flex(
        rx.text(A.total, " eventos · ", A.range_label, color=theme.MUTED, font_size="0.9rem"),
        rx.spacer(), export_buttons(A), width="100%", wrap="wrap", gap="0.75rem",
        align="center")


def _change(line) -> rx.Component:
    return rx.table.row(rx.table.cell(line["field"], font_weight="600"),
                        rx.table.cell(line["before"], word_break="break-all"),
                        rx.table.cell(line["after"], word_break="break-all"))


def _detail() -> rx.Component:
    d = A.detail_row
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title(d["action"]),
        rx.dialog.description(d["when"], " · ", d["user"], " · ", d["channel"], " · IP ",
                              d["ip"], size="2"),
        rx.vstack(
            rx.hstack(rx.text("Objeto:", color=theme.MUTED), rx.text(d["target"]),
                      _outcome_badge(d["outcome"]), spacing="2", wrap="wrap", align="center"),
            rx.cond(A.detail_changes.length() > 0,
                    rx.table.root(rx.table.header(rx.table.row(
                        rx.table.column_header_cell("Campo"),
                        rx.table.column_header_cell("Antes"),
                        rx.table.column_header_cell("Después"))),
                        rx.table.body(rx.foreach(A.detail_changes, _change)), size="1",
                        width="100%"),
                    rx.text("El evento no registra cambios de datos.", color=theme.MUTED)),
            rx.flex(rx.dialog.close(rx.button("Cerrar", variant="soft")), justify="end",
                    width="100%"),
            spacing="3", width="100%", margin_top="0.75rem"),
        max_width="640px"), open=A.detail_open, on_open_change=A.close_detail)


@portal_page(activity.SERVICE, on_load=[ActivityState.load])
def consulta_de_actividad() -> rx.Component:
    return rx.vstack(
        print_list_style(),
        rx.cond(A.verdict != "", _integrity()),
        notice(A.message, class_name="no-print"),
        _filters(),
        rx.cond(A.range_label != "", consult_results(A, _summary(), _table(), _card,
                                                      "eventos")),
        _detail(),
        spacing="4", width="100%",
    )
