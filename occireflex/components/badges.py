"""Coloured state badges: the colour follows the value shown."""

from __future__ import annotations

import reflex as rx

from occireflex.domain.tokens import states as ts


def match_badge(value, colors: tuple, **props) -> rx.Component:
    """``colors``: (value, colour) pairs and a last default colour, as ``rx.match`` takes."""
    return rx.badge(value, color_scheme=rx.match(value, *colors), variant="soft", **props)


def token_state_badge(label, code=None) -> rx.Component:
    """A token state (by its code, or by its label when no code is given)."""
    key = code if code is not None else label
    color = rx.match(
        key,
        (ts.ACTIVO, "green"), ("Activo", "green"),
        (ts.BLOQUEADO, "red"), ("Bloqueado", "red"),
        (ts.LIBERADO, "amber"), ("Liberado", "amber"),
        (ts.PENDIENTE, "blue"),
        "gray",
    )
    return rx.badge(label, color_scheme=color, variant="soft", size="2",
                    white_space="nowrap")


def payment_status_badge(status) -> rx.Component:
    """«Exitosa» in green, anything else («Rechazada») in red."""
    return rx.badge(status, color_scheme=rx.cond(status == "Exitosa", "green", "red"),
                    variant="soft")


def active_badge(state) -> rx.Component:
    """«Activo» in green, «Inactivo» in gray."""
    return rx.badge(state, color_scheme=rx.cond(state == "Activo", "green", "gray"),
                    variant="soft")
