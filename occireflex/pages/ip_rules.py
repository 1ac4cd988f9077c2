"""Administración > Seguridad > Administración de IP's."""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme
from occireflex.components.fields import field, option_select
from occireflex.components.grid import paged_grid
from occireflex.components.layout import portal_page
from occireflex.components.notice import notice
from occireflex.components.token_prompt import confirm_actions, token_field
from occireflex.domain import ip_admin, ip_rules
from occireflex.state.ip_rules import IpRulesState

S = IpRulesState
_CHANNELS = tuple(ip_rules.CHANNELS.items())


def _intro() -> rx.Component:
    return rx.vstack(
        rx.text("Si registra direcciones, sus usuarios solo podrán ingresar desde ellas (por "
                "canal). Un usuario con reglas propias queda sujeto a esas; los demás, a las "
                "reglas de «Todos». Sin reglas para un canal, se admite cualquier dirección.",
                font_size="0.9rem"),
        rx.text("Su dirección actual: ", rx.text.strong(S.own_ip, id="ip-propia"),
                font_size="0.9rem", color=theme.MUTED),
        spacing="1", width="100%")


def _form() -> rx.Component:
    return rx.vstack(
        rx.heading("Agregar dirección o rango", size="3"),
        rx.grid(
            field("Dirección IP o rango CIDR",
                  rx.input(id="ip-red", value=S.f_network, on_change=S.set_network,
                           placeholder="190.24.0.0/16 o 2001:db8::/32", max_length=50,
                           width="100%"), "ip-red"),
            field("Aplica a", option_select("ip-usuario", S.f_user, S.set_user, S.user_options,
                                            ip_admin.ALL_USERS), "ip-usuario"),
            field("Canal", option_select("ip-canal", S.f_channel, S.set_channel, None,
                                         fixed=_CHANNELS), "ip-canal"),
            field("Descripción", rx.input(id="ip-descripcion", value=S.f_description,
                                          on_change=S.set_description, max_length=80,
                                          width="100%"), "ip-descripcion"),
            columns=rx.breakpoints(initial="1", sm="2", md="4"), gap="0.75rem 1rem",
            width="100%"),
        rx.flex(rx.button(rx.icon("plus", size=16), "Agregar", on_click=S.ask_add,
                          width=["100%", "auto"], id="ip-agregar"),
                justify="end", width="100%"),
        spacing="3", width="100%")


def _remove(item) -> rx.Component:
    return rx.button(rx.icon("trash-2", size=14), "Eliminar", size="1", variant="soft",
                     color_scheme="red", on_click=S.ask_remove(item["id"]),
                     aria_label="Eliminar la regla " + item["network"])


def _row(item) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.code(item["network"])), rx.table.cell(item["user"]),
        rx.table.cell(item["channel"]), rx.table.cell(item["description"]),
        rx.table.cell(_remove(item)))


def _card(item) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.code(item["network"], word_break="break-all"), rx.spacer(), _remove(item),
                  width="100%", align="center"),
        rx.text(item["user"], " · ", item["channel"], font_size="0.9rem"),
        rx.text(item["description"], color=theme.MUTED, font_size="0.85rem"),
        spacing="1", width="100%", padding="0.7rem 0", border_bottom=f"1px solid {theme.BORDER}")


def _dialog() -> rx.Component:
    warning = rx.cond(S.warn_self, rx.vstack(
        rx.callout(ip_admin.OWN_WARNING, icon="shield-alert",
                   color_scheme="amber", width="100%", role="alert"),
        rx.text("Su dirección actual: ", rx.text.strong(S.own_ip), font_size="0.9rem"),
        rx.el.label(rx.checkbox(checked=S.understood, on_change=S.set_understood),
                    " Entiendo",
                    style={"display": "flex", "gap": "0.5rem", "align_items": "center",
                           "font_weight": "600"}),
        spacing="2", width="100%"))
    body = rx.form(rx.vstack(
        warning,
        rx.cond(~S.warn_self | S.understood, token_field("token-ip", auto_focus=True)),
        notice(S.dialog_error, "red", "triangle-alert"),
        confirm_actions(S.close, on_cancel=S.close, disabled=S.warn_self & ~S.understood),
        spacing="3", width="100%"), on_submit=S.confirm, reset_on_submit=True, width="100%")
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title(S.confirm_title),
        rx.dialog.description(rx.text(S.confirm_text, font_weight="600",
                                      word_break="break-all"), size="2"),
        body, max_width="560px"), open=S.confirm_open, on_open_change=S.dialog_changed)


@portal_page(ip_admin.SERVICE, on_load=[S.load])
def administracion_de_ips() -> rx.Component:
    return rx.vstack(
        notice(S.message, "green", "check"),
        notice(S.error, "red", "triangle-alert"),
        rx.vstack(_intro(), _form(), style=theme.CARD),
        rx.vstack(
            rx.heading("Direcciones y rangos autorizados", size="3"),
            *paged_grid(S, ("Dirección o rango", "Aplica a", "Canal", "Descripción", ""),
                        _row, _card, "reglas"),
            style=theme.CARD),
        _dialog(),
        spacing="4", width="100%")
