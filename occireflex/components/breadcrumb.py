"""Breadcrumb (e.g. «Administración > Usuarios > Perfiles») with the ☆ favorite toggle."""

from __future__ import annotations

import reflex as rx

from occireflex import catalog
from occireflex.components import theme
from occireflex.state.portal import PortalState


def breadcrumb(service: catalog.Service, trail: tuple[str, ...] = ()) -> rx.Component:
    parts = list(service.breadcrumb()) + list(trail)
    crumbs: list[rx.Component] = []
    for i, part in enumerate(parts):
        if i:
            crumbs.append(rx.icon("chevron-right", size=14, color=theme.MUTED))
        is_service = i == len(service.breadcrumb()) - 1
        crumbs.append(
            rx.link(part, href=service.route, color=theme.BRAND, font_weight="600")
            if is_service and trail else
            rx.text(part, color=theme.TEXT if i == len(parts) - 1 else theme.MUTED,
                    font_weight="600" if i == len(parts) - 1 else "400")
        )
    star = rx.icon_button(
        rx.cond(PortalState.is_favorite,
                rx.icon("star", fill=theme.ACCENT, color=theme.ACCENT, size=18),
                rx.icon("star", color=theme.MUTED, size=18)),
        on_click=PortalState.toggle_favorite,
        variant="ghost",
        aria_label=rx.cond(PortalState.is_favorite, "Quitar de Favoritos", "Agregar a Favoritos"),
        title=rx.cond(PortalState.is_favorite, "Quitar de Favoritos", "Agregar a Favoritos"),
        class_name="occi-fav-star no-print",
    )
    return rx.hstack(
        rx.hstack(*crumbs, spacing="2", align="center", wrap="wrap"),
        star,
        spacing="2", align="center", font_size="0.9rem", aria_label="Ruta de navegación",
        role="navigation",
    )
