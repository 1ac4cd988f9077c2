"""The App Banco de Occidente Empresas' frame: mobile first (390 px), centred on desktop."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from occireflex.components import theme
from occireflex.components.command import command_slot
from occireflex.components.routing import page as register_page
from occireflex.state.app import APP_HOME, AppState

APP_MAX_WIDTH = "480px"


def _top_bar(title: str, back: bool) -> rx.Component:
    return rx.hstack(
        rx.cond(
            back,
            rx.link(rx.icon_button(rx.icon("chevron-left", size=22), variant="ghost",
                                   color="white", aria_label="Volver al inicio de la App"),
                    href=APP_HOME),
            rx.image(src="/logo.svg", width="30px", height="30px", alt=""),
        ),
        rx.vstack(
            rx.text(title, color="white", font_weight="700", font_size="1.05rem",
                    line_height="1.2"),
            rx.text("Banco de Occidente Empresas", color="#C9D5F2", font_size="0.72rem"),
            spacing="0",
        ),
        rx.spacer(),
        rx.cond(AppState.ready, rx.icon_button(
            rx.icon("log-out", size=18), variant="ghost", color="white",
            on_click=AppState.logout, aria_label="Salir de la App", title="Salir")),
        align="center", spacing="3", width="100%", padding="0.9rem 1rem",
        background=f"linear-gradient(120deg, {theme.BRAND_DARK}, {theme.BRAND})",
        position="sticky", top="0", z_index="10",
    )


def _bottom_nav(active: str) -> rx.Component:
    def item(key: str, label: str, icon: str, href: str) -> rx.Component:
        selected = key == active
        return rx.link(
            rx.vstack(rx.icon(icon, size=20), rx.text(label, font_size="0.7rem"),
                      spacing="0", align="center"),
            href=href, underline="none", flex="1", padding="0.45rem 0",
            color=theme.BRAND if selected else theme.MUTED,
            font_weight="700" if selected else "500",
            aria_current="page" if selected else None,
        )

    return rx.cond(AppState.ready, rx.hstack(
        item("inicio", "Inicio", "house", APP_HOME),
        item("token", "Token", "key-round", "/app/token"),
        rx.cond(AppState.may_authorize, item("autorizaciones", "Autorizar", "shield-check",
                                        "/app/autorizaciones")),
        width="100%", max_width=APP_MAX_WIDTH, position="fixed", bottom="0",
        left="50%", transform="translateX(-50%)", background="white",
        border_top=f"1px solid {theme.BORDER}", spacing="0", z_index="10",
        padding_bottom="env(safe-area-inset-bottom)", aria_label="Menú de la App",
    ))


def app_frame(title: str, content: rx.Component, *, active: str = "", back: bool = True
              ) -> rx.Component:
    return rx.box(
        rx.box(
            _top_bar(title, back),
            rx.box(content, padding="1rem", padding_bottom="5.5rem"),
            _bottom_nav(active),
            rx.script(src="/occi-app.js"),
            command_slot(AppState.command),
            rx.cond(AppState.ready, rx.moment(interval=60_000, on_change=AppState.check_session,
                                              display="none")),
            max_width=APP_MAX_WIDTH, margin="0 auto", min_height="100vh",
            background=theme.PAGE_BG, box_shadow="0 0 0 1px #DDE3EE",
        ),
        background="#E4E9F2", min_height="100vh",
    )


def app_card(*children, **props) -> rx.Component:
    style = {**theme.CARD, "padding": "1rem", "border_radius": "14px"}
    return rx.box(*children, style=style, **props)


def app_page(route: str, title: str, on_load: list, active: str = ""
             ) -> Callable[[Callable[[], rx.Component]], object]:
    """Mark an App screen (``routing.register_pages`` adds it); its ``on_load`` handlers
    check the App session first."""

    def decorator(body: Callable[[], rx.Component]):
        def page() -> rx.Component:
            return app_frame(title, rx.cond(
                AppState.ready, body(), rx.center(rx.spinner(size="3"), padding="4rem")),
                active=active)

        page.__name__ = body.__name__
        return register_page(route, f"{title} · App Banco de Occidente Empresas",
                             on_load)(page)

    return decorator


def token_code(username, pending: bool) -> rx.Component:
    """The virtual token's current code, computed on this device from its copy of the seed
    (``assets/occi-app.js`` paints every such box); ``pending``: the key being enrolled."""
    return rx.box(
        rx.box(
            rx.text("", class_name="occi-vt-digits", aria_live="polite",
                    aria_label="Código del token virtual"),
            rx.text("", class_name="occi-vt-left"),
            rx.box(rx.box(class_name="occi-vt-bar-fill"), class_name="occi-vt-bar"),
            class_name="occi-vt-ok",
        ),
        rx.text("Este dispositivo no tiene la semilla del token: use la aplicación "
                "autenticadora donde escaneó el código QR.", class_name="occi-vt-missing",
                color=theme.MUTED, font_size="0.85rem"),
        custom_attrs={"data-occi-token": username,
                      "data-occi-pending": "si" if pending else "no"},
        class_name="occi-vt", width="100%",
    )
