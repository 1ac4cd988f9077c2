"""«Ingrese Token»: the token code that confirms a payment, a profile, a programming or a
token state change, and the «Volver / Cancelar / Aceptar y Confirmar» row under it."""

from __future__ import annotations

import reflex as rx

_INPUT = {
    "name": "token", "placeholder": "6 dígitos", "input_mode": "numeric",
    "auto_complete": "one-time-code", "max_length": 6, "width": ["100%", "220px"],
    "letter_spacing": "0.3em", "required": True,
}


def token_field(html_id: str, **props) -> rx.Component:
    """The label and the 6-digit input (``props`` override the input's; None drops one)."""
    spec = {k: v for k, v in {**_INPUT, **props}.items() if v is not None}
    return rx.fragment(
        rx.el.label("Ingrese Token", html_for=html_id, class_name="occi-label"),
        rx.input(id=html_id, **spec),
    )


def confirm_actions(on_back, *, on_cancel=None, cancel_href: str = "",
                    **submit_props) -> rx.Component:
    """«Volver», «Cancelar» (an event or a link) and the submit «Aceptar y Confirmar»."""
    cancel_events = {"on_click": on_cancel} if on_cancel is not None else {}
    cancel = rx.button(rx.icon("circle-x", size=16), "Cancelar", type="button",
                       variant="soft", color_scheme="gray", **cancel_events)
    return rx.flex(
        rx.button(rx.icon("arrow-left", size=16), "Volver", type="button", on_click=on_back,
                  variant="soft"),
        rx.link(cancel, href=cancel_href) if cancel_href else cancel,
        rx.button(rx.icon("check", size=16), "Aceptar y Confirmar", type="submit",
                  **submit_props),
        gap="0.75rem", wrap="wrap", justify="end", width="100%",
    )


def token_form(html_id: str, on_submit, on_back, *, on_cancel=None, cancel_href: str = "",
               **form_props) -> rx.Component:
    """The whole confirmation: token field and actions; the code is cleared on submit."""
    return rx.form(
        rx.vstack(
            token_field(html_id),
            confirm_actions(on_back, on_cancel=on_cancel, cancel_href=cancel_href, size="3"),
            spacing="2", width="100%",
        ),
        on_submit=on_submit, reset_on_submit=True, **form_props,
    )
