"""«Exportar a Excel», «Exportar PDF», «Imprimir» above a consultation list."""

from __future__ import annotations

import reflex as rx


def export_buttons(S) -> rx.Component:
    """Each button only with its action granted: the state passed in has ``can_excel``,
    ``can_pdf``, ``can_print`` and ``export_excel``, ``export_pdf``, ``print_list``."""
    return rx.flex(
        rx.cond(S.can_excel, rx.button(rx.icon("file-spreadsheet", size=16), "Exportar a Excel",
                                       on_click=S.export_excel, variant="soft", size="2")),
        rx.cond(S.can_pdf, rx.button(rx.icon("file-text", size=16), "Exportar PDF",
                                     on_click=S.export_pdf, variant="soft", size="2")),
        rx.cond(S.can_print, rx.button(rx.icon("printer", size=16), "Imprimir",
                                       on_click=S.print_list, variant="soft", size="2")),
        gap="0.5rem", wrap="wrap", class_name="no-print",
    )
