"""The portal's bell: the unread count and, opened, the latest notices of the user."""

from __future__ import annotations

import reflex as rx

from occireflex import catalog
from occireflex.components import theme
from occireflex.state.alerts import AlertBellState
from occireflex.state.portal import PortalState

B = AlertBellState
_ROUTE = catalog.SERVICES_BY_CODE[catalog.INSCRIPCION_ALERTAS].route


def _notice(n) -> rx.Component:
    return rx.hstack(
        rx.box(width="8px", height="8px", border_radius="50%", margin_top="6px",
               flex_shrink="0", background=rx.cond(n["unread"] != "", theme.ACCENT,
                                                   "transparent")),
        rx.vstack(rx.text(n["event"], font_weight="600", font_size="0.85rem"),
                  rx.text(n["text"], font_size="0.8rem", color=theme.TEXT),
                  rx.text(n["when"], font_size="0.7rem", color=theme.MUTED),
                  spacing="0", align="start"),
        spacing="2", align="start", width="100%", padding="0.5rem 0",
        border_bottom=f"1px solid {theme.BORDER}")


def alert_bell() -> rx.Component:
    # the button itself is the popover's trigger (a box around it would carry the trigger's
    # aria-expanded, which a plain div may not have); the unread count over its corner
    return rx.box(rx.popover.root(
        rx.popover.trigger(
            rx.icon_button(rx.icon("bell", size=18), variant="ghost", color="white",
                           aria_label="Notificaciones", id="alert-bell")),
        rx.popover.content(
            rx.vstack(
                rx.hstack(rx.text("Notificaciones", font_weight="700", color=theme.BRAND),
                          rx.spacer(),
                          rx.button("Marcar todas como leídas", on_click=B.read_all,
                                    variant="ghost", size="1", id="alert-bell-read-all"),
                          width="100%", align="center"),
                rx.cond(B.notices.length() > 0,
                        rx.vstack(rx.foreach(B.notices, _notice), spacing="0", width="100%",
                                  max_height="360px", overflow_y="auto"),
                        rx.text("No tiene notificaciones.", color=theme.MUTED,
                                font_size="0.85rem")),
                rx.link("Inscripción de Alertas", href=_ROUTE, font_size="0.8rem"),
                spacing="2", align="start", width="100%"),
            side="bottom", align="end", width="min(360px, 92vw)", aria_label="Notificaciones"),
        on_open_change=B.open_bell),
        rx.cond(PortalState.bell_count > 0, rx.badge(
            PortalState.bell_count, id="alert-bell-count", color_scheme="red",
            variant="solid", radius="full", size="1", position="absolute", top="-4px",
            right="-6px", pointer_events="none")),
        position="relative")
