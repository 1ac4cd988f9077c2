"""Page shells: ``portal_page`` wraps a service page in the header, breadcrumb and guard."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from occireflex import catalog
from occireflex.components import theme
from occireflex.components.breadcrumb import breadcrumb
from occireflex.components.command import command_slot
from occireflex.components.navbar import navbar
from occireflex.components.routing import page as register_page
from occireflex.state.portal import PortalState


def _footer() -> rx.Component:
    return rx.box(
        rx.text("OcciReflex · Portal Empresarial · Líneas de atención 018000 514652",
                color=theme.MUTED, font_size="0.75rem", text_align="center"),
        padding="1.5rem 1rem", class_name="no-print",
    )


def _loading() -> rx.Component:
    return rx.center(rx.spinner(size="3"), padding="4rem")


def shell(content: rx.Component) -> rx.Component:
    return rx.box(
        rx.cond(PortalState.ready, navbar()),
        rx.box(
            rx.cond(PortalState.ready, content, _loading()),
            max_width="1280px", margin="0 auto", padding=["1rem 0.75rem", "1.5rem 1.25rem"],
            width="100%",
        ),
        _footer(),
        # every minute: has the session ended (idle, absolute limit, blocked token)?
        rx.cond(PortalState.ready,
                rx.moment(interval=60_000, on_change=PortalState.check_session, display="none")),
        command_slot(PortalState.command),
        min_height="100vh", background=theme.PAGE_BG,
    )


def denied_panel() -> rx.Component:
    return rx.callout(
        "No tiene permiso para acceder a este servicio. Si lo necesita, solicítelo al "
        "administrador de su empresa.",
        icon="shield-alert", color_scheme="red", role="alert", width="100%",
    )


def portal_page(service_code: str, on_load: list | None = None, *, path: str = "",
                trail: tuple[str, ...] = ()):
    """Mark a service page (``routing.register_pages`` adds it): route, title and guard come from the catalog.

    ``path`` adds a sub-route under the service (e.g. "crear") and ``trail`` the extra
    breadcrumb parts shown after the service name (e.g. «Crear Perfil»).

    The page body is rendered only when the guard grants access; the page's own data
    handlers still check the grant themselves in the domain layer.
    """
    service = catalog.SERVICES_BY_CODE[service_code]

    def decorator(body: Callable[[], rx.Component]):
        def page() -> rx.Component:
            return shell(rx.vstack(
                breadcrumb(service, trail),
                rx.heading(service.name, size="6", color=theme.BRAND_DARK),
                rx.cond(PortalState.denied, denied_panel(), body()),
                spacing="4", width="100%",
            ))

        page.__name__ = body.__name__
        handlers = [PortalState.guard(service.code), *(on_load or [])]
        route = f"{service.route}/{path}" if path else service.route
        title = " · ".join((service.name, *trail, "OcciReflex"))
        return register_page(route, title, handlers)(page)

    return decorator
