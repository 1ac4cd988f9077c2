"""Ayudas > Ayudas: «Consultar» → «Herramientas Adicionales» → the bulk template (seed 000)."""

from __future__ import annotations

import reflex as rx

from occireflex import catalog
from occireflex.components import theme
from occireflex.components.layout import portal_page
from occireflex.state.ayudas import HelpState


@portal_page(catalog.AYUDAS)
def ayudas() -> rx.Component:
    return rx.vstack(
        rx.text("Consulte los manuales y herramientas del portal empresarial.",
                color=theme.MUTED),
        rx.button(rx.icon("search", size=16), "Consultar", on_click=HelpState.consult),
        rx.cond(HelpState.shown, rx.vstack(
            rx.heading("Herramientas Adicionales", size="4", color=theme.BRAND_DARK),
            rx.hstack(
                rx.icon("file-spreadsheet", size=28, color=theme.BRAND),
                rx.vstack(
                    rx.text("Macro Pagos Programados PSP", font_weight="600"),
                    rx.text("Plantilla para inscribir y programar de forma masiva el pago de "
                            "servicios públicos y privados («Carga Programación Automática»). "
                            "Trae los convenios vigentes y las cuentas de su empresa.",
                            font_size="0.85rem", color=theme.MUTED),
                    spacing="1"),
                rx.spacer(),
                rx.button(rx.icon("download", size=16), "Descargar",
                          on_click=HelpState.download_template, variant="soft"),
                width="100%", align="center"),
            rx.cond(HelpState.error != "", rx.callout(HelpState.error, icon="triangle-alert",
                                                      color_scheme="red", width="100%")),
            spacing="3", width="100%", style=theme.CARD)),
        spacing="4", width="100%", align="start",
    )
