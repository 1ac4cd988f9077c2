"""Consultas › Transacciones Pendientes por Autorizar."""

from __future__ import annotations

import reflex as rx

from occireflex import catalog
from occireflex.components import theme
from occireflex.components.cells import money_cell
from occireflex.components.grid import card_list, wide_table
from occireflex.components.layout import portal_page
from occireflex.components.notice import notice
from occireflex.components.pending_ops import (
    approvals_badge,
    decision_dialog,
    detail_dialog,
    op_card,
    outcomes,
    row_actions,
    select_box,
)
from occireflex.state.pending_ops import PendingOpsState as S

HEADERS = ("", "N.°", "Tipo", "Operación", "Valor", "Preparada por", "Fecha",
           "Autorizaciones", "Vence", "Acciones")


def _row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(select_box(S, row)),
        rx.table.cell(row["id"]),
        rx.table.cell(rx.text(row["kind"], font_size="0.85rem")),
        rx.table.cell(rx.text(row["summary"], font_size="0.85rem", max_width="320px")),
        money_cell(row["amount"]),
        rx.table.cell(row["preparer"]),
        rx.table.cell(rx.text(row["prepared_at"], white_space="nowrap")),
        rx.table.cell(approvals_badge(row)),
        rx.table.cell(rx.text(row["expires_at"], white_space="nowrap")),
        rx.table.cell(row_actions(S, row)),
        data_operation=row["id"],
    )


def _toolbar() -> rx.Component:
    chosen = S.ops_selected.length()
    return rx.flex(
        rx.checkbox("Seleccionar todas", on_change=S.ops_toggle_all,
                    checked=(chosen > 0) & (chosen == S.ops_rows.to(list).length())),
        rx.button(rx.icon("check", size=16), "Autorizar seleccionadas (", chosen, ")",
                  on_click=S.ops_ask("autorizar", ""), disabled=chosen == 0,
                  id="ops-authorize-selected"),
        rx.button("Rechazar seleccionadas (", chosen, ")", variant="soft", color_scheme="red",
                  on_click=S.ops_ask("rechazar", ""), disabled=chosen == 0,
                  id="ops-reject-selected"),
        rx.spacer(),
        rx.cond(S.ops_can_excel, rx.button(rx.icon("file-spreadsheet", size=16),
                                           "Exportar a Excel", on_click=S.ops_export_excel,
                                           variant="soft")),
        rx.cond(S.ops_can_pdf, rx.button(rx.icon("file-text", size=16), "Exportar PDF",
                                         on_click=S.ops_export_pdf, variant="soft")),
        rx.cond(S.ops_can_print, rx.button(rx.icon("printer", size=16), "Imprimir",
                                           on_click=S.ops_print, variant="soft")),
        gap="0.5rem", wrap="wrap", align="center", width="100%", class_name="no-print",
    )


def _pages() -> rx.Component:
    last = (S.ops_total + 19) // 20
    return rx.cond(S.ops_total > 20, rx.hstack(
        rx.button("« Anterior", size="1", variant="soft", disabled=S.ops_page <= 1,
                  on_click=S.ops_go_page(S.ops_page - 1)),
        rx.text("Página ", S.ops_page, " de ", last, font_size="0.85rem"),
        rx.button("Siguiente »", size="1", variant="soft", disabled=S.ops_page >= last,
                  on_click=S.ops_go_page(S.ops_page + 1)),
        spacing="2", align="center", justify="end", width="100%"))


@portal_page(catalog.PENDIENTES_AUTORIZAR, on_load=[S.load_ops])
def transacciones_pendientes_por_autorizar() -> rx.Component:
    return rx.vstack(
        outcomes(S),
        notice(S.ops_error, "red", "triangle-alert"),
        rx.text("Operaciones preparadas en su empresa que esperan autorización. El dinero "
                "se mueve solo cuando llega la última autorización; quien prepara una "
                "operación no puede autorizarla. Las operaciones vencen al final del día "
                "hábil.", font_size="0.9rem", color=theme.MUTED),
        rx.vstack(
            _toolbar(),
            wide_table(S.ops_rows, _row, HEADERS, size="1", width="100%"),
            card_list(S.ops_rows, lambda row: op_card(S, row)),
            rx.cond(S.ops_total == 0, rx.text(
                "No hay operaciones pendientes por autorizar.", color=theme.MUTED,
                id="ops-empty")),
            _pages(),
            spacing="3", width="100%", style=theme.CARD, class_name="occi-card-print"),
        decision_dialog(S, "token-autorizacion"),
        detail_dialog(S),
        spacing="4", width="100%",
    )
