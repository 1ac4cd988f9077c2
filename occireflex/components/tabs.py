"""The tabs above a service's screens («Consultar Perfil | Crear Perfil»…): links, the
active one underlined in the bank's accent."""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme


def link_tabs(tabs: tuple[tuple[str, str, str, str | None], ...], active: str) -> rx.Component:
    """``tabs``: (label, href, key, icon or None); ``active``: the key shown selected."""

    def tab(label: str, href: str, key: str, icon: str | None) -> rx.Component:
        selected = key == active
        return rx.link(
            rx.hstack(rx.icon(icon, size=16) if icon else rx.fragment(), rx.text(label),
                      spacing="1", align="center"),
            href=href, underline="none", padding="0.5rem 0.9rem",
            color=theme.BRAND if selected else theme.MUTED,
            font_weight="700" if selected else "500",
            border_bottom=f"3px solid {theme.ACCENT if selected else 'transparent'}",
            white_space="nowrap", flex_shrink="0",
        )

    return rx.hstack(*[tab(*t) for t in tabs], spacing="2",  # scrolls sideways on a phone
                     border_bottom=f"1px solid {theme.BORDER}", width="100%",
                     wrap="nowrap", overflow_x="auto", class_name="no-print occi-tabs")
