"""Administración > Usuarios: Configuración de Usuarios (Consultar, Crear Usuario,
Modificar), Cambio de Clave para Usuarios and Activación/Inactivación (seed 001)."""

from __future__ import annotations

import reflex as rx

from occireflex import catalog
from occireflex.components import theme
from occireflex.components.badges import match_badge
from occireflex.components.exports import export_buttons
from occireflex.components.fields import field
from occireflex.components.grid import paged_grid
from occireflex.components.layout import portal_page
from occireflex.components.notice import notice
from occireflex.components.tabs import link_tabs
from occireflex.components.token_prompt import confirm_actions, token_field, token_form
from occireflex.state.users import (
    CONFIG_ROUTE,
    ActivationState,
    ResetState,
    UserFormState,
    UsersListState,
)

F = UserFormState
HEADERS = ("Usuario", "Nombre", "Documento", "Correo", "Celular", "Perfil", "Estado", "Token",
           "Último ingreso")
STATE_COLORS = (("Activo", "green"), ("Inactivo", "gray"), ("Bloqueado", "red"), "gray")


def _state_badge(state) -> rx.Component:
    return match_badge(state, STATE_COLORS)


def _tabs(active: str) -> rx.Component:
    return link_tabs((("Consultar Usuarios", CONFIG_ROUTE, "list", None),
                      ("Crear Usuario", f"{CONFIG_ROUTE}/crear", "create", "user-plus")), active)


# The grid shared by the three services -------------------------------------------------

def _row(action):
    def row(item) -> rx.Component:
        return rx.table.row(
            rx.table.cell(rx.text(item["username"], font_weight="600")),
            rx.table.cell(item["name"]), rx.table.cell(item["document"]),
            rx.table.cell(item["email"]), rx.table.cell(item["phone"]),
            rx.table.cell(item["profile"]), rx.table.cell(_state_badge(item["state"])),
            rx.table.cell(item["token"]), rx.table.cell(item["last_login"]),
            rx.table.cell(action(item), class_name="no-print"),
        )
    return row


def _card(action):
    def card(item) -> rx.Component:
        return rx.vstack(
            rx.hstack(rx.text(item["username"], font_weight="700"), _state_badge(item["state"]),
                      rx.spacer(), action(item), width="100%", align="center"),
            rx.text(item["name"], font_weight="500"),
            rx.text(item["profile"], " · ", item["token"], color=theme.MUTED,
                    font_size="0.85rem"),
            rx.text(item["email"], " · ", item["phone"], color=theme.MUTED, font_size="0.85rem",
                    word_break="break-all"),
            rx.text("Último ingreso: ", item["last_login"], color=theme.MUTED,
                    font_size="0.8rem"),
            spacing="1", width="100%", padding="0.7rem 0",
            border_bottom=f"1px solid {theme.BORDER}",
        )
    return card


def _blocked(item, text: str) -> rx.Component:
    """Why there is no action on this row (the actor themself, an administrator…)."""
    return rx.text(rx.cond(item["self"] == "si", "Usted", text), color=theme.MUTED,
                   font_size="0.8rem", title=item["problem"])


def users_grid(S, action) -> rx.Component:
    return rx.box(
        rx.flex(
            rx.input(placeholder="Buscar por usuario, nombre, documento o correo",
                     value=S.search, on_change=S.set_search, debounce_timeout=300,
                     max_length=40, width=["100%", "340px"], aria_label="Buscar usuario"),
            rx.select.root(
                rx.select.trigger(aria_label="Estado", width=["100%", "160px"]),
                rx.select.content(rx.select.item("Todos los estados", value="todos"),
                                  rx.select.item("Activos", value="activo"),
                                  rx.select.item("Inactivos", value="inactivo")),
                value=S.state_filter, on_change=S.set_state_filter,
            ),
            rx.spacer(),
            export_buttons(S),
            gap="0.75rem", wrap="wrap", width="100%", align="center", class_name="no-print",
        ),
        *paged_grid(S, (*HEADERS, rx.table.column_header_cell("", class_name="no-print")),
                    _row(action), _card(action), "usuarios"),
        style=theme.CARD,
    )


def _messages(S) -> rx.Component:
    return rx.fragment(notice(S.message, "green", "check"),
                       notice(S.error, "red", "triangle-alert"))


# Configuración de Usuarios -------------------------------------------------------------

def _modify_link(item) -> rx.Component:
    return rx.cond(
        UsersListState.can_act & (item["problem"] == ""),
        rx.link(rx.icon_button(rx.icon("pencil", size=16), variant="ghost",
                               aria_label="Modificar usuario " + item["username"],
                               title="Modificar"),
                href=f"{CONFIG_ROUTE}/modificar?id=" + item["id"]),
        _blocked(item, "—"))


@portal_page(catalog.CONFIGURACION_USUARIOS, on_load=[UsersListState.load],
             trail=("Consultar Usuarios",))
def configuracion_usuarios() -> rx.Component:
    return rx.vstack(
        _tabs("list"),
        rx.callout("Un usuario no se elimina: se inactiva en «Activación/Inactivación» y su "
                   "historia se conserva.", icon="info", color_scheme="gray", size="1",
                   width="100%"),
        _messages(UsersListState),
        users_grid(UsersListState, _modify_link),
        spacing="4", width="100%",
    )


def _text(label: str, name: str, value, **props) -> rx.Component:
    return field(label, rx.input(id=name, name=name, default_value=value, width="100%",
                                 **props), name)


def _choice(label: str, html_id: str, value, on_change, options, **props) -> rx.Component:
    return field(label, rx.select.root(
        rx.select.trigger(id=html_id, width="100%", placeholder="Seleccione"),
        rx.select.content(rx.foreach(options, lambda o: rx.select.item(o["label"],
                                                                       value=o["value"]))),
        value=value, on_change=on_change, **props), html_id)


def _identity() -> rx.Component:
    return rx.grid(
        rx.cond(F.user_id == 0,
                _text("Usuario", "username", F.username, max_length=20,
                      placeholder="6 a 20 caracteres", auto_complete="off"),
                field("Usuario", rx.text(F.username, font_weight="700", padding_y="0.4rem"))),
        _text("Nombre completo", "full_name", F.full_name, max_length=120),
        _choice("Tipo de documento", "document_type", F.document_type, F.set_document_type,
                F.documents),
        _text("Número de documento", "document_number", F.document_number, max_length=15,
              input_mode="text"),
        _text("Correo", "email", F.email, max_length=120, type="email"),
        _text("Celular", "phone", F.phone, max_length=13, input_mode="tel",
              placeholder="3001234567"),
        columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%",
    )


def _access() -> rx.Component:
    return rx.vstack(
        rx.heading("Acceso", size="4", color=theme.BRAND_DARK),
        rx.cond(F.is_self, notice("Su propio perfil, condición de administrador y canales los "
                                  "cambia otro administrador.", "blue", "info")),
        rx.cond(F.actor_is_admin, field("Rol", rx.radio_group.root(
            rx.flex(rx.radio_group.item("Usuario con perfil", value="perfil"),
                    rx.radio_group.item("Administrador", value="admin"),
                    gap="1.25rem", wrap="wrap"),
            value=F.role, on_change=F.set_role, disabled=F.is_self, aria_label="Rol"), "")),
        rx.cond(F.role == "admin",
                rx.text("Administrador: todos los servicios de la empresa.", color=theme.MUTED,
                        font_size="0.85rem"),
                _choice("Perfil", "perfil", F.profile_id, F.set_profile, F.profiles,
                        disabled=F.is_self)),
        field("Canales", rx.hstack(
            rx.checkbox("Portal", checked=F.channel_portal, on_change=F.set_channel_portal,
                        disabled=F.is_self),
            rx.checkbox("App Banco de Occidente Empresas", checked=F.channel_app,
                        on_change=F.set_channel_app, disabled=F.is_self),
            spacing="4", wrap="wrap"), ""),
        spacing="3", width="100%",
    )


def _token_choice() -> rx.Component:
    return rx.vstack(
        rx.heading("Token", size="4", color=theme.BRAND_DARK),
        rx.cond(F.user_id == 0, rx.vstack(
            rx.radio_group.root(rx.flex(
                rx.radio_group.item("Token físico (asignar serial)", value="fisico"),
                rx.radio_group.item("Token virtual (se activa en la App con un código)",
                                    value="virtual"),
                direction="column", gap="0.5rem"),
                value=F.token_kind, on_change=F.set_token_kind, aria_label="Token"),
            rx.cond(F.token_kind == "fisico",
                    _text("Serial del token físico", "serial", F.serial, max_length=30,
                          placeholder="OCC-200001")),
            spacing="2", width="100%"),
            rx.text(F.token_label, " · sus cambios se hacen en Administración de Token.",
                    color=theme.MUTED)),
        spacing="3", width="100%",
    )


def _form_stage() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.box(rx.vstack(rx.heading("Datos del usuario", size="4",
                                        color=theme.BRAND_DARK), _identity(),
                             spacing="3", width="100%"), style=theme.CARD),
            rx.grid(rx.box(_access(), style=theme.CARD), rx.box(_token_choice(),
                                                                  style=theme.CARD),
                    columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%"),
            notice(F.error, "red", "triangle-alert"),
            rx.hstack(
                rx.link(rx.button("Cancelar", type="button", variant="soft",
                                  color_scheme="gray"), href=CONFIG_ROUTE),
                rx.button("Continuar", rx.icon("arrow-right", size=16), type="submit", size="3"),
                spacing="3", justify="end", width="100%"),
            spacing="4", width="100%"),
        on_submit=F.continue_to_confirm, width="100%")


def _summary_line(line) -> rx.Component:
    return rx.hstack(
        rx.text(line["label"], color=theme.MUTED, min_width="7rem"),
        rx.cond(line["old"] != "", rx.text(line["old"], text_decoration="line-through",
                                           color=theme.MUTED)),
        rx.cond(line["old"] != "", rx.icon("arrow-right", size=14)),
        rx.text(line["new"], font_weight="600", word_break="break-word"),
        spacing="2", wrap="wrap", align="center", width="100%",
        padding="0.35rem 0", border_bottom=f"1px solid {theme.BORDER}")


def _confirm_stage() -> rx.Component:
    return rx.box(rx.vstack(
        rx.heading(rx.cond(F.user_id == 0, "Confirme el nuevo usuario",
                           "Confirme los cambios"), size="4", color=theme.BRAND_DARK),
        rx.box(rx.foreach(F.summary, _summary_line), width="100%"),
        rx.cond(F.user_id == 0, rx.text(
            "Al confirmar, el usuario recibirá en su correo una clave temporal que vale 24 "
            "horas; en su primer ingreso elegirá su clave y su imagen propia.",
            color=theme.MUTED, font_size="0.9rem")),
        notice(F.error, "red", "triangle-alert"),
        token_form("token-usuario", F.confirm, F.back_to_form, cancel_href=CONFIG_ROUTE,
                   width="100%"),
        spacing="3", width="100%"), style=theme.CARD)


def _done_stage() -> rx.Component:
    return rx.box(rx.vstack(
        rx.hstack(rx.icon("circle-check", color="#12B76A", size=28),
                  rx.heading("Usuario ", F.username, " creado", size="5",
                             color=theme.BRAND_DARK), align="center", spacing="2"),
        rx.text("La clave temporal se envió a ", rx.text.strong(F.created_email),
                ". Vale 24 horas y sirve para un solo ingreso."),
        rx.cond(F.activation_code != "", rx.callout(rx.vstack(
            rx.text("Código de activación del token virtual (se muestra una sola vez):"),
            rx.text(F.activation_code, font_size="1.8rem", font_weight="800",
                    letter_spacing="0.2em", id="codigo-activacion"),
            rx.text("Entrégueselo personalmente al usuario. Con su usuario, la clave temporal "
                    "y este código ingresa a la App Banco de Occidente Empresas y activa su "
                    "token; vale hasta el ", F.activation_expires, "."),
            spacing="1"), icon="key-round", color_scheme="amber", width="100%"),
            rx.text("Token: ", F.token_label)),
        rx.hstack(rx.link(rx.button("Ver usuarios", variant="soft"), href=CONFIG_ROUTE),
                  rx.button("Crear otro usuario", on_click=F.load_new), spacing="3"),
        spacing="3", width="100%"), style=theme.CARD)


def _user_form(tab: str) -> rx.Component:
    return rx.vstack(
        _tabs(tab),
        rx.cond(F.problem != "", notice(F.problem, "red", "triangle-alert"),
                rx.match(F.stage, ("confirm", _confirm_stage()), ("done", _done_stage()),
                         rx.cond((F.user_id == 0) | (F.username != ""), _form_stage(),
                                 notice(F.error, "red", "triangle-alert")))),
        spacing="4", width="100%")


@portal_page(catalog.CONFIGURACION_USUARIOS, on_load=[F.load_new], path="crear",
             trail=("Crear Usuario",))
def crear_usuario() -> rx.Component:
    return _user_form("create")


@portal_page(catalog.CONFIGURACION_USUARIOS, on_load=[F.load_existing], path="modificar",
             trail=("Modificar Usuario",))
def modificar_usuario() -> rx.Component:
    return _user_form("")


# Cambio de Clave para Usuarios ---------------------------------------------------------

def _dialog(S, title: str, body: rx.Component) -> rx.Component:
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title(title),
        rx.dialog.description(rx.text(S.target_username, " · ", S.target_name,
                                      font_weight="600"), size="2"),
        body, max_width="560px"), open=S.open_, on_open_change=S.dialog_changed)


def _reset_button(item) -> rx.Component:
    return rx.cond(
        ResetState.can_act & (item["problem"] == "") & (item["self"] != "si")
        & (item["state"] != "Inactivo"),
        rx.button(rx.icon("key-round", size=14), "Asignar clave", size="1", variant="soft",
                  white_space="nowrap",
                  on_click=ResetState.open_reset(item["id"]),
                  aria_label="Asignar clave temporal a " + item["username"]),
        _blocked(item, "—"))


@portal_page(catalog.CAMBIO_CLAVE_USUARIOS, on_load=[ResetState.load])
def cambio_clave_usuarios() -> rx.Component:
    S = ResetState
    body = rx.form(rx.vstack(
        rx.text("Se asignará una clave temporal que el usuario recibirá en ", rx.text.strong(
            S.target_email), ". Sus sesiones abiertas en el portal y en la App se cerrarán "
            "de inmediato y en su próximo ingreso elegirá una clave nueva.", font_size="0.9rem"),
        token_field("token-clave", auto_focus=True),
        notice(S.dialog_error, "red", "triangle-alert"),
        confirm_actions(S.close, on_cancel=S.close),
        spacing="3", width="100%"), on_submit=S.confirm, reset_on_submit=True, width="100%")
    return rx.vstack(
        _messages(S), users_grid(S, _reset_button),
        _dialog(S, "Asignar clave temporal", body), spacing="4", width="100%")


# Activación/Inactivación ---------------------------------------------------------------

def _state_button(item) -> rx.Component:
    S = ActivationState
    active = item["state"] != "Inactivo"
    return rx.cond(
        S.can_act & (item["problem"] == "") & (item["self"] != "si"),
        rx.button(rx.icon(rx.cond(active, "user-x", "user-check"), size=14),
                  rx.cond(active, "Inactivar", "Activar"), size="1", variant="soft",
                  white_space="nowrap",
                  color_scheme=rx.cond(active, "red", "green"),
                  on_click=S.open_change(item["id"]),
                  aria_label=rx.cond(active, "Inactivar ", "Activar ") + item["username"]),
        _blocked(item, "—"))


@portal_page(catalog.ACTIVACION_USUARIOS, on_load=[ActivationState.load])
def activacion_usuarios() -> rx.Component:
    S = ActivationState
    body = rx.form(rx.vstack(
        rx.cond(S.activating,
                rx.text("El usuario podrá ingresar de nuevo con su clave y su token.",
                        font_size="0.9rem"),
                rx.text("El usuario no podrá ingresar al portal ni a la App, y sus sesiones "
                        "abiertas se cerrarán de inmediato. Su token no cambia.",
                        font_size="0.9rem", color="#B42318")),
        _choice("Causal", "causal-usuario", S.reason, S.set_reason, S.reason_options),
        token_field("token-estado", auto_focus=True),
        notice(S.dialog_error, "red", "triangle-alert"),
        confirm_actions(S.close, on_cancel=S.close,
                        color_scheme=rx.cond(S.activating, "green", "red")),
        spacing="3", width="100%"), on_submit=S.confirm, reset_on_submit=True, width="100%")
    return rx.vstack(
        _messages(S), users_grid(S, _state_button),
        _dialog(S, rx.cond(S.activating, "Activar usuario", "Inactivar usuario"), body),
        spacing="4", width="100%")
