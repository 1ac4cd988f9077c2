"""«Primer ingreso»: new password (with the strength meter), «imagen propia», token."""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme
from occireflex.components.brand import logo
from occireflex.components.routing import page
from occireflex.domain import auth
from occireflex.state.first_access import FIRST_ACCESS_ROUTE
from occireflex.state.first_access import FirstAccessState as F

METER_COLORS = ["#C62828", "#EF6C00", "#F9A825", "#2E7D32", "#1B5E20"]


def _meter() -> rx.Component:
    return rx.vstack(
        rx.hstack(*[rx.box(height="6px", flex="1", border_radius="3px",
                           background=rx.cond((F.strength_label != "") & (F.strength >= i),
                                              rx.match(
                               F.strength, *[(n, c) for n, c in enumerate(METER_COLORS)],
                               METER_COLORS[0]), "#E3E7EF"))
                    for i in range(5)], width="100%", spacing="1"),
        rx.text(rx.cond(F.strength_label != "", "Seguridad: " + F.strength_label,
                        "Una frase de varias palabras es fácil de recordar y difícil de "
                        "adivinar."), font_size="0.8rem", color=theme.MUTED, id="medidor"),
        width="100%", spacing="1",
    )


def _gallery() -> rx.Component:
    return rx.grid(
        *[rx.el.button(
            rx.image(src="/propia/" + name + ".svg", width="100%", alt=name,
                     border_radius="10px"),
            type="button", on_click=F.choose_image(name), aria_label=name,
            aria_pressed=rx.cond(F.image == name, "true", "false"),
            id="imagen-" + name,
            style={"padding": "3px", "borderRadius": "12px", "cursor": "pointer",
                   "background": "white",
                   "border": rx.cond(F.image == name, f"3px solid {theme.BRAND}",
                                     "3px solid transparent")})
            for name in auth.OWN_IMAGES],
        columns=rx.breakpoints(initial="4", sm="6"), spacing="2", width="100%",
    )


def _form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label("Nueva clave", html_for="nueva", class_name="occi-label"),
            rx.input(id="nueva", name="nueva", type="password", size="3", width="100%",
                     auto_complete="new-password", max_length=64, required=True,
                     on_change=F.measure.debounce(250)),
            _meter(),
            rx.el.label("Repita la nueva clave", html_for="repetir", class_name="occi-label"),
            rx.input(id="repetir", name="repetir", type="password", size="3", width="100%",
                     auto_complete="new-password", max_length=64, required=True),
            rx.text("Elija su imagen propia: la verá cada vez que ingrese, antes de escribir "
                    "su clave.", font_weight="600", font_size="0.9rem"),
            _gallery(),
            rx.el.label("Número del token", html_for="token", class_name="occi-label"),
            rx.input(id="token", name="token", placeholder="6 dígitos", size="3",
                     input_mode="numeric", auto_complete="one-time-code", max_length=6,
                     width="100%", required=True, letter_spacing="0.3em",
                     font_family="monospace"),
            rx.cond(F.error != "", rx.callout(F.error, icon="triangle-alert", color_scheme="red",
                                              role="alert", width="100%")),
            rx.button("Guardar y continuar", type="submit", size="3", width="100%",
                      disabled=F.image == "", background=rx.cond(F.image == "", "#AAB4C8",
                                                                  theme.BRAND)),
            spacing="3", width="100%",
        ),
        on_submit=F.save, reset_on_submit=True, width="100%",
    )


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
                _form(),
                spacing="4", width="100%", max_width="560px", style=theme.CARD,
                padding=["1.25rem", "2rem"],
            ),
            rx.button("Cerrar sesión", on_click=F.logout, variant="ghost", color="white"),
            align="center", spacing="4", width="100%",
        ),
        min_height="100vh", padding=["1rem", "2rem"],
        background=f"linear-gradient(135deg, {theme.BRAND_DARK} 0%, {theme.BRAND} 55%, #2A6AE0 100%)",
    )
