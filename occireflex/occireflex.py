"""The Reflex app: registers every page module."""

import reflex as rx

from occireflex.components import theme
from occireflex.pages import (  # noqa: F401  (pages register on import)
    ayudas,
    home,
    login,
    movements,
    payments,
    profiles,
    saldos,
    transactions,
    uploaded_files,
)

app = rx.App(
    style={"font_family": theme.FONT_STACK, "color": theme.TEXT},
    stylesheets=["/occireflex.css"],
)
