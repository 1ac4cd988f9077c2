"""The pieces of the own-account forms, one implementation for the portal's first access,
«Cambio de Clave e Imagen Propia» and the App's «Cambio de Clave»: password fields, the
strength meter, the «imagen propia» gallery and the first access's whole form.

``S`` is the screen's state class: it has the vars and events of
``state/password_form.py`` (``strength``, ``strength_label``, ``measure``; ``image``,
``choose_image``; ``error`` for the first access).
"""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme
from occireflex.components.fields import field
from occireflex.components.notice import notice
from occireflex.components.token_prompt import token_field
from occireflex.domain import auth, passwords

METER_COLORS = ["#C62828", "#EF6C00", "#F9A825", "#2E7D32", "#1B5E20"]
IMAGE_HINT = ("Su imagen propia aparece al ingresar, antes de escribir su clave: si no es la "
              "suya, no escriba su clave.")


def image_src(name) -> rx.Var | str:
    """The picture of an «imagen propia» (a name or a var holding one)."""
    return "/propia/" + name + ".svg"


def password_input(label: str, html_id: str, name: str, *, new: bool = True,
                   **props) -> rx.Component:
    """A labelled password field; ``new``: a new password (the browser may suggest one)."""
    return field(label, rx.input(
        id=html_id, name=name, type="password", size="3", width="100%", required=True,
        auto_complete="new-password" if new else "current-password",
        max_length=passwords.MAX_LENGTH if new else 128, **props), html_id)


def meter(S, html_id: str = "medidor") -> rx.Component:
    """Five bars and a label: the strength of the new password as the user types it."""
    return rx.vstack(
        rx.hstack(*[rx.box(height="6px", flex="1", border_radius="3px",
                           background=rx.cond((S.strength_label != "") & (S.strength >= i),
                                              rx.match(
                               S.strength, *[(n, c) for n, c in enumerate(METER_COLORS)],
                               METER_COLORS[0]), "#E3E7EF"))
                    for i in range(5)], width="100%", spacing="1", aria_hidden="true"),
        rx.text(rx.cond(S.strength_label != "", "Seguridad: " + S.strength_label,
                        "Una frase de varias palabras es fácil de recordar y difícil de "
                        "adivinar."), font_size="0.8rem", color=theme.MUTED, id=html_id,
                aria_live="polite"),
        width="100%", spacing="1",
    )


def new_password_fields(S) -> rx.Component:
    """«Nueva clave» measured as it is typed, the meter, «Repita la nueva clave»."""
    return rx.fragment(
        password_input("Nueva clave", "nueva", "nueva", on_change=S.measure.debounce(250)),
        meter(S),
        password_input("Repita la nueva clave", "repetir", "repetir"),
    )


def gallery(S, current=None) -> rx.Component:
    """The «imagen propia» to choose; ``current`` (a var) marks the one the user has."""

    def tile(name: str) -> rx.Component:
        is_current = (current == name) if current is not None else False
        return rx.el.button(
            rx.image(src=image_src(name), width="100%", alt="", border_radius="10px"),
            rx.cond(is_current, rx.badge("Actual", variant="solid", color_scheme="gray",
                                         radius="full", size="1", position="absolute",
                                         bottom="6px", left="50%",
                                         transform="translateX(-50%)")),
            type="button", on_click=S.choose_image(name),
            aria_label=rx.cond(is_current, name + " (su imagen actual)", name),
            aria_pressed=rx.cond(S.image == name, "true", "false"),
            id="imagen-" + name,
            style={"padding": "3px", "borderRadius": "12px", "cursor": "pointer",
                   "background": "white", "position": "relative",
                   "border": rx.cond(S.image == name, f"3px solid {theme.BRAND}",
                                     "3px solid transparent")})

    return rx.grid(*[tile(name) for name in auth.OWN_IMAGES],
                   columns=rx.breakpoints(initial="4", sm="6"), spacing="2", width="100%",
                   role="group", aria_label="Galería de imágenes propias")


def first_access_form(S, token_hint: rx.Component | None = None) -> rx.Component:
    """New password twice, image and token (``token_hint`` above it: where the code is);
    ``S.save`` completes the first access."""
    return rx.form(
        rx.vstack(
            new_password_fields(S),
            rx.text("Elija su imagen propia: la verá cada vez que ingrese, antes de escribir "
                    "su clave.", font_weight="600", font_size="0.9rem"),
            gallery(S),
            token_hint if token_hint is not None else rx.fragment(),
            token_field("token", size="3", width="100%", font_family="monospace"),
            notice(S.error),
            rx.button("Guardar y continuar", type="submit", size="3", width="100%",
                      disabled=S.image == "", background=rx.cond(S.image == "", "#AAB4C8",
                                                                  theme.BRAND)),
            spacing="3", width="100%",
        ),
        on_submit=S.save, reset_on_submit=True, width="100%",
    )
