"""The Reflex app: registers every page module (pages register on import)."""

import reflex as rx

from occireflex import api
from occireflex.components import theme
from occireflex.pages import (
    app as app_pages,
)
from occireflex.pages import (
    ayudas,
    home,
    login,
    movements,
    payments,
    profiles,
    saldos,
    token_admin,
    transactions,
    uploaded_files,
)

PAGE_MODULES = (app_pages, ayudas, home, login, movements, payments, profiles, saldos,
                token_admin, transactions, uploaded_files)

app = rx.App(
    style={"font_family": theme.FONT_STACK, "color": theme.TEXT},
    stylesheets=["/occireflex.css"],
    api_transformer=api.build(),
)
