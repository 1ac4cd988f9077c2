"""«Primer ingreso»: new password (with the strength meter), «imagen propia», token."""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme
from occireflex.components.brand import logo
from occireflex.components.own_account import first_access_form
from occireflex.components.routing import page
from occireflex.state.first_access import FIRST_ACCESS_ROUTE
from occireflex.state.first_access import FirstAccessState as F


@page(FIRST_ACCESS_ROUTE, "Primer ingreso · OcciReflex", on_load=F.load)
def first_access() -> rx.Component:
    return rx.center(
        rx.vstack(
            logo(),
            rx.vstack(
                rx.heading("Primer ingreso", size="6", color=theme.BRAND_DARK),
                rx.text("Bienvenido, ", rx.text.span(F.user_name, font_weight="600"),
                        ". Antes de continuar, cambie la clave temporal por una suya y elija "
                        "su imagen propia."),
                first_access_form(F),
                spacing="4", width="100%", max_width="560px", style=theme.CARD,
                padding=["1.25rem", "2rem"],
            ),
            rx.button("Cerrar sesión", on_click=F.logout, variant="ghost", color="white"),
            align="center", spacing="4", width="100%",
        ),
        min_height="100vh", padding=["1rem", "2rem"],
        background=f"linear-gradient(135deg, {theme.BRAND_DARK} 0%, {theme.BRAND} 55%, #2A6AE0 100%)",
    )
