"""Consultas > Archivos Cargados: every bulk upload of the company and its report."""

from __future__ import annotations

import reflex as rx

from occireflex import catalog
from occireflex.components import theme
from occireflex.components.badges import match_badge
from occireflex.components.grid import paged_grid
from occireflex.components.layout import portal_page
from occireflex.components.notice import notice
from occireflex.state.bulk import BulkUploadState

B = BulkUploadState
_COLORS = (("Procesado", "green"), ("Rechazado", "red"), ("Validando", "amber"),
           ("Pendiente por autorizar", "amber"), "gray")


def _state(state) -> rx.Component:
    return match_badge(state, _COLORS)


def _report_button(f) -> rx.Component:
    return rx.cond(
        (f["state"] == "Procesado") | (f["state"] == "Rechazado"),
        rx.button(rx.icon("download", size=14),
                  rx.cond(f["state"] == "Rechazado", "Reporte de errores", "Resumen"),
                  on_click=B.download_report(f["id"]), size="1", variant="soft"),
        rx.text("—", color=theme.MUTED))


def _row(f) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(f["name"], font_weight="600")),
        rx.table.cell(f["filename"]), rx.table.cell(f["date"]), rx.table.cell(f["user"]),
        rx.table.cell(f["rows"], text_align="right"),
        rx.table.cell(f["inscribed"], text_align="right"),
        rx.table.cell(_state(f["state"])),
        rx.table.cell(rx.text(f["message"], font_size="0.8rem")),
        rx.table.cell(_report_button(f)),
    )


def _card(f) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.text(f["name"], font_weight="600"), rx.spacer(), _state(f["state"]),
                  width="100%"),
        rx.text(f["filename"], " · ", f["date"], " · ", f["user"], color=theme.MUTED,
                font_size="0.8rem"),
        rx.text(f["rows"], " filas · ", f["inscribed"], " inscritas", font_size="0.85rem"),
        rx.text(f["message"], font_size="0.8rem"),
        _report_button(f),
        spacing="1", width="100%", padding="0.6rem 0", border_bottom=f"1px solid {theme.BORDER}",
    )


@portal_page(catalog.ARCHIVOS_CARGADOS, on_load=[BulkUploadState.load_files])
def archivos_cargados() -> rx.Component:
    return rx.vstack(
        notice(B.error),
        rx.vstack(
            *paged_grid(B, ("Nombre", "Archivo", "Fecha", "Usuario", "Filas", "Inscritas",
                            "Estado", "Resultado", ""),
                        _row, _card, "archivos", rows=B.files, dense=True),
            spacing="3", width="100%", style=theme.CARD),
        spacing="4", width="100%",
    )
