"""Administración > Usuarios > «Cambio de Clave e Imagen Propia»: two tabs, «Cambio de
Clave» and «Imagen Propia», each confirmed with the token."""

from __future__ import annotations

import reflex as rx

from occireflex import catalog
from occireflex.components import theme
from occireflex.components.layout import portal_page
from occireflex.components.notice import notice
from occireflex.components.own_account import (
    IMAGE_HINT,
    gallery,
    image_src,
    new_password_fields,
    password_input,
)
from occireflex.components.token_prompt import token_field
from occireflex.domain import passwords
from occireflex.state.own_account import OwnAccountState as S

TIPS = (
    ("text-cursor-input", rx.text.span(
        "De ", S.min_length, f" a {passwords.MAX_LENGTH} caracteres (lo fija su empresa); "
        "valen espacios, tildes y la ñ. No hace falta mezclar mayúsculas, números y "
        "símbolos: cuenta la longitud.")),
    ("ban", "No use su usuario, el nombre de su empresa ni una de sus últimas "
            f"{passwords.HISTORY} claves."),
    ("shield-check", "El Banco nunca le pedirá su clave ni los códigos de su token por "
                     "teléfono, correo o mensaje."),
    ("mail", "Cuando cambie su clave le enviaremos un aviso a su correo registrado."),
)


def _submit(label: str, icon: str, **props) -> rx.Component:
    return rx.flex(rx.button(rx.icon(icon, size=16), label, type="submit", size="3",
                             width=["100%", "auto"], **props),
                   justify="end", width="100%")


def _tips() -> rx.Component:
    return rx.vstack(
        rx.heading("Recomendaciones", size="3", color=theme.BRAND_DARK),
        *[rx.hstack(rx.center(rx.icon(icon, size=16, color=theme.BRAND), min_width="32px",
                              height="32px", border_radius="8px", background=theme.BRAND_LIGHT),
                    rx.text(text, font_size="0.85rem", color=theme.MUTED), spacing="3",
                    align="start")
          for icon, text in TIPS],
        spacing="3", style=theme.CARD, height="fit-content",
    )


def _password_tab() -> rx.Component:
    form = rx.form(
        rx.vstack(
            rx.heading("Cambio de Clave", size="4", color=theme.BRAND_DARK),
            rx.text("La nueva clave sirve en el portal y en la App desde su próximo ingreso.",
                    color=theme.MUTED, font_size="0.9rem"),
            password_input("Clave actual", "actual", "actual", new=False),
            new_password_fields(S),
            token_field("token", size="3"),
            notice(S.password_error),
            notice(S.password_message, "green", "circle-check"),
            _submit("Cambiar Clave", "lock-keyhole"),
            spacing="3", width="100%",
        ),
        on_submit=S.change_password, reset_on_submit=True, style=theme.CARD,
    )
    return rx.grid(form, _tips(), columns=rx.breakpoints(initial="1", md="5fr 3fr"),
                   gap="1rem", width="100%", align_items="start")


def _current() -> rx.Component:
    return rx.vstack(
        rx.text("Su imagen actual", font_weight="600", font_size="0.9rem"),
        rx.cond(S.current_image != "",
                rx.image(src=image_src(S.current_image), width="120px", height="120px",
                         border_radius="14px", alt="Su imagen propia actual",
                         id="imagen-actual"),
                rx.text("Aún no ha elegido una.", color=theme.MUTED)),
        rx.text(IMAGE_HINT, font_size="0.85rem", color=theme.MUTED),
        spacing="2", style=theme.CARD, height="fit-content",
    )


def _image_tab() -> rx.Component:
    unchanged = (S.image == "") | (S.image == S.current_image)
    form = rx.form(
        rx.vstack(
            rx.heading("Imagen Propia", size="4", color=theme.BRAND_DARK),
            rx.text("Elija una nueva imagen de la galería.", color=theme.MUTED,
                    font_size="0.9rem"),
            gallery(S, current=S.current_image),
            token_field("token-imagen", size="3"),
            notice(S.image_error),
            notice(S.image_message, "green", "circle-check"),
            _submit("Cambiar Imagen", "image", disabled=unchanged),
            spacing="3", width="100%",
        ),
        on_submit=S.change_image, reset_on_submit=True, style=theme.CARD,
    )
    return rx.grid(form, _current(), columns=rx.breakpoints(initial="1", md="5fr 3fr"),
                   gap="1rem", width="100%", align_items="start")


def _tab(value: str, icon: str, label: str) -> rx.Component:
    return rx.tabs.trigger(rx.hstack(rx.icon(icon, size=16), rx.text(label), spacing="2",
                                     align="center"), value=value)


@portal_page(catalog.CAMBIO_CLAVE_IMAGEN, on_load=[S.load])
def cambio_clave_imagen() -> rx.Component:
    return rx.tabs.root(
        rx.tabs.list(_tab("clave", "key-round", "Cambio de Clave"),
                     _tab("imagen", "image", "Imagen Propia"), size="2"),
        rx.tabs.content(_password_tab(), value="clave", padding_top="1rem"),
        rx.tabs.content(_image_tab(), value="imagen", padding_top="1rem"),
        default_value="clave", width="100%",
    )
