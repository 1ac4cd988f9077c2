"""Header with the mega-menus of seed 001, built from the catalog.

The whole catalog is rendered once (page structure is public anyway); what each user sees
is decided by the server-computed visibility lists in PortalState.
"""

from __future__ import annotations

import reflex as rx

from occireflex import catalog
from occireflex.components import theme
from occireflex.components.alert_bell import alert_bell
from occireflex.components.brand import logo
from occireflex.state.portal import PortalState


def _service_entry(service: catalog.Service) -> rx.Component:
    if service.built:
        entry = rx.link(
            service.name, href=service.route, class_name="occi-menu-link",
            color=theme.TEXT, underline="none",
        )
    else:
        entry = rx.hstack(
            rx.text(service.name, color="#8E97A8"),
            rx.badge("próximamente", variant="soft", color_scheme="gray", size="1",
                     radius="full"),
            class_name="occi-menu-disabled", aria_disabled="true", spacing="2",
            title="Servicio disponible próximamente", align="center", wrap="wrap",
        )
    return rx.cond(PortalState.visible_services.contains(service.code), entry)


def _heading(module: catalog.Module, group: str) -> str:
    if group:
        return group
    return "Otras consultas" if module.code == "consultas" else module.name


def _group_column(module: catalog.Module, group: str, services) -> rx.Component:
    return rx.cond(
        PortalState.visible_groups.contains(f"{module.code}|{group}"),
        rx.vstack(
            rx.text(_heading(module, group),
                    font_weight="700", color=theme.BRAND, font_size="0.85rem",
                    text_transform="uppercase", letter_spacing="0.04em",
                    border_bottom=f"2px solid {theme.ACCENT}", padding_bottom="4px"),
            *[_service_entry(s) for s in services],
            spacing="2",
            align="start",
            min_width="200px",
            max_width="260px",
        ),
    )


def _columns(module: catalog.Module) -> list[rx.Component]:
    return [_group_column(module, g, svcs) for g, svcs in catalog.module_groups(module.code)]


def _mega_menu(module: catalog.Module) -> rx.Component:
    return rx.cond(
        PortalState.visible_modules.contains(module.code),
        rx.popover.root(
            rx.popover.trigger(
                rx.button(
                    module.name, rx.icon("chevron-down", size=16),
                    variant="ghost", color="white", class_name="occi-nav-button",
                    aria_label=f"Menú {module.name}",
                ),
            ),
            rx.popover.content(
                rx.flex(*_columns(module), gap="2rem", wrap="wrap"),
                side="bottom", align="start", max_width="min(1100px, 96vw)",
                padding="1.25rem 1.5rem", aria_label=f"Menú {module.name}",
            ),
        ),
    )


def _favorites_menu() -> rx.Component:
    return rx.popover.root(
        rx.popover.trigger(
            rx.button(rx.icon("star", size=16), "Favoritos", variant="ghost", color="white",
                      class_name="occi-nav-button"),
        ),
        rx.popover.content(
            rx.vstack(
                rx.text("Favoritos", font_weight="700", color=theme.BRAND),
                rx.cond(
                    PortalState.favorite_links.length() > 0,
                    rx.foreach(
                        PortalState.favorite_links,
                        lambda f: rx.link(f["label"], href=f["route"], color=theme.TEXT,
                                          class_name="occi-menu-link"),
                    ),
                    rx.text("Aún no tiene favoritos. Use ☆ junto al nombre de una página.",
                            color=theme.MUTED, font_size="0.85rem"),
                ),
                spacing="2", align="start",
            ),
            side="bottom", align="end", min_width="240px", aria_label="Favoritos",
        ),
    )


def _user_box() -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(PortalState.user_name, font_weight="600", color="white",
                    font_size="0.9rem", class_name="occi-user-name"),
            rx.text(PortalState.company_name, color="#C9D5F2", font_size="0.75rem"),
            spacing="0", align="end",
        ),
        rx.button(rx.icon("log-out", size=16), "Cerrar sesión", on_click=PortalState.logout,
                  variant="outline", color="white", border_color="rgba(255,255,255,.5)",
                  size="2"),
        spacing="3", align="center",
    )


def _mobile_menu() -> rx.Component:
    items = []
    for module in catalog.MODULES:
        groups = []
        for group, services in catalog.module_groups(module.code):
            groups.append(rx.cond(
                PortalState.visible_groups.contains(f"{module.code}|{group}"),
                rx.vstack(
                    rx.text(_heading(module, group), font_weight="700", color=theme.BRAND,
                            font_size="0.8rem"),
                    *[_service_entry(s) for s in services],
                    spacing="2", align="start", padding_bottom="0.5rem",
                ),
            ))
        items.append(rx.cond(
            PortalState.visible_modules.contains(module.code),
            rx.accordion.item(header=module.name, content=rx.vstack(*groups, align="start"),
                              value=module.code),
        ))
    return rx.popover.root(
        rx.popover.trigger(
            rx.button(rx.icon("menu", size=20), variant="ghost", color="white",
                      aria_label="Abrir menú"),
        ),
        rx.popover.content(
            rx.vstack(
                rx.text(PortalState.user_name, font_weight="600"),
                rx.text(PortalState.company_name, color=theme.MUTED, font_size="0.8rem"),
                rx.accordion.root(*items, type="multiple", collapsible=True, width="100%",
                                  variant="ghost"),
                rx.divider(),
                rx.text("Favoritos", font_weight="700", color=theme.BRAND),
                rx.foreach(PortalState.favorite_links,
                           lambda f: rx.link(f["label"], href=f["route"])),
                rx.button(rx.icon("log-out", size=16), "Cerrar sesión",
                          on_click=PortalState.logout, width="100%", color_scheme="gray",
                          variant="soft"),
                spacing="2", align="start", width="100%",
            ),
            width="94vw", max_height="80vh", overflow_y="auto", aria_label="Menú",
        ),
    )


def navbar() -> rx.Component:
    desktop = rx.hstack(
        logo(),
        rx.hstack(*[_mega_menu(m) for m in catalog.MODULES], _favorites_menu(),
                  spacing="1", align="center", flex="1", padding_left="1.5rem"),
        _user_box(),
        width="100%", align="center", style=theme.DESKTOP_ONLY,
    )
    compact = rx.hstack(
        _mobile_menu(),
        logo(),
        rx.spacer(),
        rx.icon_button(rx.icon("log-out", size=18), on_click=PortalState.logout,
                       variant="ghost", color="white", aria_label="Cerrar sesión"),
        width="100%", align="center", style=theme.COMPACT_ONLY,
    )
    return rx.box(
        # one bell for both layouts (its ids are unique on the page)
        rx.hstack(rx.box(desktop, compact, flex="1", min_width="0"), alert_bell(),
                  align="center", spacing="3", max_width="1280px", margin="0 auto",
                  padding="0.6rem 1rem"),
        background=f"linear-gradient(90deg, {theme.BRAND_DARK}, {theme.BRAND})",
        box_shadow="0 2px 8px rgba(0,34,113,.25)",
        position="sticky", top="0", z_index="50", width="100%",
        class_name="occi-header no-print",
    )
