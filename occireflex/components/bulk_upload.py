"""«Carga Programación Automática» (seed 000): name, file, «Cargar Archivo», progress."""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme
from occireflex.domain import bulk
from occireflex.state.bulk import UPLOAD_ID, BulkUploadState

B = BulkUploadState
_ACCEPT = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": [".xlsx"],
    "text/csv": [".csv"],
    "text/plain": [".txt"],
}


def _errors_table() -> rx.Component:
    return rx.box(rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
            "Fila", "Columna", "Valor", "Motivo")])),
        rx.table.body(rx.foreach(B.first_errors, lambda e: rx.table.row(
            rx.table.cell(e["row"]), rx.table.cell(e["column"]),
            rx.table.cell(rx.text(e["value"], font_family="monospace")),
            rx.table.cell(e["reason"])))),
        width="100%", variant="ghost", size="1"), overflow_x="auto", width="100%")


def _outcome() -> rx.Component:
    return rx.cond(
        B.outcome == "Procesado",
        rx.callout(
            rx.text("Archivo Procesado: ", B.outcome_inscribed, " servicio(s) inscrito(s) y "
                    "programado(s) de ", B.outcome_rows, " fila(s)."),
            icon="circle-check", color_scheme="green", width="100%", role="status"),
        rx.cond(B.outcome == bulk.POR_AUTORIZAR, rx.callout(
            rx.text("Archivo Pendiente por autorizar: ", B.outcome_message, " Los servicios se "
                    "inscribirán cuando se complete la autorización."),
            icon="clock", color_scheme="amber", width="100%", role="status",
            id="bulk-pending-authorization"),
        rx.cond(B.outcome == "Rechazado", rx.vstack(
            rx.callout(rx.text("Archivo Rechazado: ", B.outcome_message,
                               " No se inscribió ningún servicio."),
                       icon="triangle-alert", color_scheme="red", width="100%", role="alert"),
            rx.cond(B.first_errors.length() > 0, rx.vstack(
                rx.text("Primeros errores (el reporte completo está en «Archivos Cargados»):",
                        font_weight="600", font_size="0.9rem"),
                _errors_table(), width="100%")),
            width="100%"))),
    )


def bulk_upload_tab() -> rx.Component:
    return rx.vstack(
        rx.text("Si su empresa paga mensualmente múltiples facturas, cargue un archivo para "
                "inscribirlas y programar su pago automático de forma masiva. El nombre del "
                "archivo no podrá volverse a repetir en futuros cargues.", color=theme.MUTED),
        rx.button(rx.icon("download", size=16), "Descargar plantilla (Macro Pagos Programados "
                  "PSP)", on_click=B.download_template, variant="soft", height="auto",
                  min_height="32px", padding_y="0.35rem", white_space="normal"),
        rx.grid(
            rx.vstack(
                rx.el.label("Nombre del archivo", html_for="nombre-archivo",
                            class_name="occi-label"),
                rx.input(id="nombre-archivo", value=B.file_name, on_change=B.set_file_name,
                         on_blur=B.check_name, placeholder="Ej.: ServPubli", max_length=50,
                         width="100%"),
                rx.cond(B.name_message != "", rx.text(
                    B.name_message, font_size="0.8rem",
                    color=rx.cond(B.name_ok, "#067647", "#B42318"))),
                spacing="1", width="100%"),
            rx.vstack(
                rx.text("Archivo a Cargar", class_name="occi-label"),
                rx.upload(
                    rx.vstack(rx.icon("file-up", size=22, color=theme.BRAND),
                              rx.text("Arrastre el archivo o haga clic para seleccionarlo",
                                      font_size="0.85rem"),
                              rx.text(".xlsx, .csv o .txt (separado por «;») · máx. 20 MB",
                                      font_size="0.75rem", color=theme.MUTED),
                              align="center", spacing="1"),
                    id=UPLOAD_ID, accept=_ACCEPT, max_files=1, multiple=False,
                    border=f"1px dashed {theme.BORDER}", border_radius="10px",
                    padding="1rem", width="100%", cursor="pointer"),
                rx.foreach(rx.selected_files(UPLOAD_ID),
                           lambda f: rx.text(f, font_size="0.85rem", font_weight="600")),
                spacing="1", width="100%"),
            columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%"),
        rx.cond(B.error != "", rx.callout(B.error, icon="triangle-alert", color_scheme="red",
                                          width="100%", role="alert")),
        rx.hstack(
            rx.button(rx.icon("upload", size=16), "Cargar Archivo",
                      on_click=B.handle_upload(rx.upload_files(upload_id=UPLOAD_ID)),
                      disabled=B.busy, loading=B.busy),
            justify="end", width="100%"),
        rx.cond(B.busy, rx.vstack(
            rx.progress(value=B.progress, max=100, width="100%"),
            rx.text(B.progress_text, font_size="0.85rem", color=theme.MUTED),
            width="100%", role="status")),
        _outcome(),
        spacing="3", width="100%", align="start", style=theme.CARD,
    )
