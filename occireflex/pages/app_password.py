"""The App's «Cambio de Clave» (``/app/clave``), phone first: the user's own password, or
the first access (new password, «imagen propia», token) while it is temporary."""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme
from occireflex.components.app_shell import app_card, app_page, token_code
from occireflex.components.notice import notice
from occireflex.components.own_account import (
    first_access_form,
    new_password_fields,
    password_input,
)
from occireflex.components.token_prompt import token_field
from occireflex.state.app import APP_PASSWORD
from occireflex.state.app_password import AppPasswordState as S


def _device_code() -> rx.Component:
    """The virtual token's code, computed on this device, right above «Ingrese Token»."""
    return rx.cond(S.virtual_token, rx.box(
        rx.text("Código de su token virtual en este dispositivo", color=theme.MUTED,
                font_size="0.8rem"),
        token_code(S.username, pending=False),
        padding="0.6rem 0.8rem", background=theme.PAGE_BG, border_radius="10px",
        width="100%",
    ))


def _change_form() -> rx.Component:
    return app_card(
        rx.heading("Cambie su clave", size="4", color=theme.BRAND_DARK),
        rx.text("La misma clave sirve en el portal y en la App. Confírmela con un código de "
                "su token.", color=theme.MUTED, font_size="0.85rem", margin_y="0.5rem"),
        rx.form(
            rx.vstack(
                password_input("Clave actual", "actual", "actual", new=False),
                new_password_fields(S),
                _device_code(),
                token_field("token", size="3", width="100%"),
                notice(S.error),
                rx.button(rx.icon("lock-keyhole", size=18), "Cambiar clave", type="submit",
                          size="3", width="100%"),
                spacing="3", width="100%",
            ),
            on_submit=S.change_password, reset_on_submit=True,
        ),
    )


def _first_access() -> rx.Component:
    return app_card(
        rx.heading("Primer ingreso", size="4", color=theme.BRAND_DARK),
        rx.text("Bienvenido, ", rx.text.span(S.user_name, font_weight="600"),
                ". Cambie la clave temporal por una suya y elija su imagen propia; "
                "confírmelo con un código de su token.", font_size="0.9rem",
                margin_y="0.5rem"),
        first_access_form(S, _device_code()),
    )


@app_page(APP_PASSWORD, "Cambio de Clave", [S.load], active="inicio")
def app_clave() -> rx.Component:
    return rx.vstack(
        notice(S.message, "green", "circle-check"),
        rx.cond(S.must_change, _first_access(), _change_form()),
        spacing="3", width="100%",
    )
