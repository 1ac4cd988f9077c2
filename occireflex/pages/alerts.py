"""Administración > Usuarios > Inscripción de Alertas: each event × Correo, SMS, Portal."""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme
from occireflex.components.layout import portal_page
from occireflex.components.notice import notice
from occireflex.domain import alerts
from occireflex.state.alerts import AlertsState

S = AlertsState
_ICONS = {alerts.PAGO: "receipt", alerts.POR_AUTORIZAR: "user-check",
          alerts.PROGRAMADO_MANANA: "calendar-clock", alerts.TOKEN: "key-round",
          alerts.IP_NUEVA: "globe"}
_HINTS = {
    alerts.PAGO: "Cuando un pago suyo se realiza o es rechazado, o se decide una operación.",
    alerts.POR_AUTORIZAR: "Cuando alguien prepara una operación que usted puede autorizar.",
    alerts.PROGRAMADO_MANANA: "El día antes de un pago de su programación automática.",
    alerts.TOKEN: "Cuando su token virtual es liberado o bloqueado.",
    alerts.IP_NUEVA: "Cuando se ingresa con su usuario desde una dirección IP nueva.",
}


def _box(event: str, channel: str) -> rx.Component:
    key = f"{event}-{channel}"
    return rx.table.cell(
        rx.checkbox(checked=S.chosen[key], on_change=S.toggle(event, channel),
                    id=f"alert-{key}", size="3",
                    aria_label=f"{alerts.LABELS[event]}: {alerts.CHANNEL_LABELS[channel]}"),
        text_align="center", vertical_align="middle")


def _row(event: str) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.hstack(
            rx.center(rx.icon(_ICONS[event], size=18, color=theme.BRAND),
                      background=theme.BRAND_LIGHT, border_radius="10px", min_width="36px",
                      height="36px", display=["none", "flex"]),
            rx.vstack(rx.text(alerts.LABELS[event], font_weight="600"),
                      rx.text(_HINTS[event], color=theme.MUTED, font_size="0.8rem"),
                      spacing="0"),
            spacing="3", align="center")),
        *[_box(event, channel) for channel in alerts.CHANNELS])


def _table() -> rx.Component:
    heads = [rx.table.column_header_cell("Evento")] + [
        rx.table.column_header_cell(rx.vstack(rx.icon(icon, size=16),
                                              alerts.CHANNEL_LABELS[channel], spacing="1",
                                              align="center"), text_align="center",
                                    width=["56px", "96px"])
        for channel, icon in zip(alerts.CHANNELS, ("mail", "message-square", "bell"),
                                 strict=True)]
    return rx.table.root(rx.table.header(rx.table.row(*heads)),
                         rx.table.body(*[_row(e) for e in alerts.EVENTS]),
                         variant="ghost", size="2", width="100%")


@portal_page(alerts.SERVICE, on_load=[S.load])
def inscripcion_de_alertas() -> rx.Component:
    return rx.vstack(
        rx.text("Elija qué eventos le avisamos y por dónde: a su correo, por SMS a su "
                "celular o en la campana del portal.", font_size="0.95rem", color=theme.MUTED),
        notice(S.message, "green", "check", id="alerts-message"),
        notice(S.error, "red", "triangle-alert", id="alerts-error"),
        rx.box(_table(), style=theme.CARD, padding=["0.5rem", "1rem 1.25rem"],
               overflow_x="auto"),
        rx.flex(rx.text("Los mensajes por correo y SMS llegan a los datos registrados por el "
                        "administrador de su empresa.", color=theme.MUTED, font_size="0.8rem",
                        flex="1"),
                rx.button(rx.icon("save", size=16), "Guardar", on_click=S.save, size="3",
                          id="alerts-save", width=["100%", "auto"]),
                gap="1rem", align="center", width="100%",
                direction=rx.breakpoints(initial="column", sm="row")),
        spacing="4", width="100%")
