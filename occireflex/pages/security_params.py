"""Administración > Seguridad > Parámetros Generales y de Seguridad."""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme
from occireflex.components.fields import field
from occireflex.components.layout import portal_page
from occireflex.components.notice import notice
from occireflex.components.token_prompt import confirm_actions, token_field
from occireflex.domain import security_admin
from occireflex.state.security_params import SecurityParamsState

S = SecurityParamsState
_GRID = {"columns": rx.breakpoints(initial="1", sm="2", md="3"), "gap": "0.75rem 1rem",
         "width": "100%"}


def _number(name: str, html_id: str, **props) -> rx.Component:
    return field(
        security_admin.LABELS[name],
        rx.vstack(
            rx.input(id=html_id, value=S.values[name], on_change=S.set_value(name),
                     input_mode=props.pop("input_mode", "numeric"),
                     max_length=props.pop("max_length", 6), width="100%", **props),
            rx.text(S.hints[name], color=theme.MUTED, font_size="0.8rem"),
            spacing="1", width="100%"),
        html_id)


def _section(title: str, icon: str, *children) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.icon(icon, size=18, color=theme.BRAND), rx.heading(title, size="3"),
                  align="center", spacing="2"),
        *children, spacing="3", width="100%", style=theme.CARD)


def _day(value: str, label: str) -> rx.Component:
    return rx.el.label(
        rx.checkbox(checked=S.days.contains(value), on_change=S.toggle_day(value),
                    id=f"param-dia-{value}", aria_label=label),
        label, style={"display": "flex", "gap": "0.4rem", "align_items": "center"})


def _hours() -> rx.Component:
    return _section(
        "Horario de operación (hora de Colombia)", "clock",
        rx.text("Fuera de estos días y horas sus usuarios no pueden ingresar ni hacer "
                "transacciones (pagos, programaciones, cargas de archivos).",
                font_size="0.9rem", color=theme.MUTED),
        rx.flex(*[_day(v, lbl) for v, lbl in security_admin.day_choices()],
                wrap="wrap", gap="0.5rem 1.25rem", role="group",
                aria_label=security_admin.LABELS["allowed_days"]),
        rx.grid(
            field(security_admin.LABELS["open_from"],
                  rx.input(id="param-desde", value=S.values["open_from"],
                           on_change=S.set_value("open_from"), placeholder="HH:MM",
                           max_length=5, width="100%"), "param-desde"),
            field(security_admin.LABELS["open_until"] + " (24:00 = medianoche)",
                  rx.input(id="param-hasta", value=S.values["open_until"],
                           on_change=S.set_value("open_until"), placeholder="HH:MM",
                           max_length=5, width="100%"), "param-hasta"),
            **_GRID))


def _form() -> rx.Component:
    return rx.vstack(
        _section("Sesiones y acceso", "timer",
                 rx.grid(_number("idle_minutes", "param-inactividad"),
                         _number("absolute_minutes", "param-duracion"),
                         _number("max_failed_attempts", "param-intentos"), **_GRID)),
        _section("Claves", "key-round",
                 rx.grid(_number("min_password_length", "param-longitud"),
                         _number("password_expiry_days", "param-vencimiento"), **_GRID)),
        _hours(),
        _section("Autorizaciones y pagos", "shield-check",
                 rx.el.label(rx.switch(checked=S.app_may_approve,
                                       on_change=S.set_app_may_approve, id="param-app"),
                             "Permitir autorizar desde la App (liberaciones de token)",
                             style={"display": "flex", "gap": "0.6rem",
                                    "align_items": "center"}),
                 rx.grid(_number("token_free_up_to", "param-monto", max_length=20,
                                 input_mode="decimal"), **_GRID)),
        rx.flex(rx.button(rx.icon("save", size=16), "Guardar", on_click=S.ask_save,
                          size="3", width=["100%", "auto"], id="param-guardar"),
                justify="end", width="100%"),
        spacing="4", width="100%")


def _changes() -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                       ("Parámetro", "Antes", "Después")])),
        rx.table.body(rx.foreach(S.changes, lambda c: rx.table.row(
            rx.table.cell(c[0], font_weight="600"), rx.table.cell(c[1]),
            rx.table.cell(c[2], font_weight="600")))),
        size="1", variant="surface", width="100%")


def _dialog() -> rx.Component:
    body = rx.form(rx.vstack(
        rx.box(_changes(), overflow_x="auto", width="100%"),
        rx.cond(S.closes_now, rx.callout(
            "Con este horario, ahora mismo su empresa no podría ingresar ni hacer "
            "transacciones: las sesiones abiertas podrán consultar, pero los pagos se "
            "rechazarán.", icon="clock-alert", color_scheme="amber", width="100%",
            role="alert")),
        token_field("token-parametros", auto_focus=True),
        notice(S.dialog_error, "red", "triangle-alert"),
        confirm_actions(S.close, on_cancel=S.close),
        spacing="3", width="100%"), on_submit=S.confirm, reset_on_submit=True, width="100%")
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("Confirmar los parámetros"),
        rx.dialog.description("Revise los cambios y confírmelos con su token.", size="2"),
        body, max_width="620px"), open=S.confirm_open, on_open_change=S.dialog_changed)


@portal_page(security_admin.SERVICE, on_load=[S.load])
def parametros_generales_y_de_seguridad() -> rx.Component:
    return rx.vstack(
        notice(S.message, "green", "check"),
        notice(S.error, "red", "triangle-alert"),
        rx.text("Los valores rigen para todos los usuarios de su empresa, dentro de los "
                "límites del Banco, desde su próxima acción.", font_size="0.9rem"),
        _form(),
        _dialog(),
        spacing="4", width="100%")
