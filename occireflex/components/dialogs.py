"""«¿Está seguro de eliminar …?»: the alert dialog before a deletion."""

from __future__ import annotations

import reflex as rx


def delete_dialog(title: str, description: tuple, *, open, on_cancel,
                  on_confirm) -> rx.Component:
    """``description``: the texts and vars of the question; «Cancelar» / «Eliminar»."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(*description),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancelar", variant="soft", color_scheme="gray",
                                                 on_click=on_cancel)),
                rx.alert_dialog.action(rx.button("Eliminar", color_scheme="red",
                                                 on_click=on_confirm)),
                spacing="3", justify="end", margin_top="1rem",
            ),
        ),
        open=open,
    )
