"""Administración > Seguridad > Configuración de Autorizaciones: the rules of dual control
per kind of operation, and the limits per user and service."""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme
from occireflex.components.fields import field
from occireflex.components.layout import portal_page
from occireflex.components.notice import notice
from occireflex.components.token_prompt import confirm_actions, token_field
from occireflex.domain.dual import config, limits_admin
from occireflex.domain.dual.limits import FIELDS, LABELS
from occireflex.domain.dual.rules import KINDS
from occireflex.state.auth_config import COMPANY, AuthConfigState

S = AuthConfigState
_GRID = {"columns": rx.breakpoints(initial="1", sm="2", md="3"), "gap": "0.75rem 1rem",
         "width": "100%"}
_REQUIRED = (("0", "Sin autorización"), ("1", "1 autorización"), ("2", "2 autorizaciones"))


def _section(title: str, icon: str, *children) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.icon(icon, size=18, color=theme.BRAND), rx.heading(title, size="3"),
                  align="center", spacing="2"),
        *children, spacing="3", width="100%", style=theme.CARD)


def _select(html_id: str, value, on_change, items) -> rx.Component:
    return rx.select.root(rx.select.trigger(id=html_id, width="100%"),
                          rx.select.content(*items), value=value, on_change=on_change)


def _changes(rows) -> rx.Component:
    return rx.box(rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                       ("Cambio", "Antes", "Después")])),
        rx.table.body(rx.foreach(rows, lambda c: rx.table.row(
            rx.table.cell(c[0], font_weight="600"), rx.table.cell(c[1]),
            rx.table.cell(c[2], font_weight="600")))),
        size="1", variant="surface", width="100%"), overflow_x="auto", width="100%")


def _token_step(rows, token_id: str, confirm_id: str, on_submit, on_close,
                error) -> rx.Component:
    return rx.form(rx.vstack(
        rx.heading("Confirme los cambios", size="3"),
        _changes(rows),
        token_field(token_id, auto_focus=True),
        notice(error, "red", "triangle-alert"),
        confirm_actions(on_close, on_cancel=on_close, id=confirm_id),
        spacing="3", width="100%"), on_submit=on_submit, reset_on_submit=True,
        width="100%", style=theme.CARD)


# «Autorizaciones» -------------------------------------------------------------------------

def _range_row(row, index) -> rx.Component:
    return rx.grid(
        field("Desde", rx.text(row["from"], padding_y="0.4rem")),
        field("Hasta (pesos; en blanco: sin tope)",
              rx.input(id=f"auth-range-to-{index}", value=row["to"],
                       on_change=lambda v: S.set_range_to(index, v), input_mode="decimal",
                       placeholder="Sin tope", max_length=30, width="100%"),
              f"auth-range-to-{index}"),
        field("Autorizaciones requeridas",
              _select(f"auth-range-req-{index}", row["required"],
                      lambda v: S.set_range_required(index, v),
                      [rx.select.item(label, value=v) for v, label in _REQUIRED]),
              f"auth-range-req-{index}"),
        rx.flex(rx.button(rx.icon("trash-2", size=16), "Quitar", type="button",
                          variant="soft", color_scheme="red", id=f"auth-remove-range-{index}",
                          on_click=S.remove_range(index), disabled=S.ranges.length() <= 1),
                align="end", height="100%"),
        columns=rx.breakpoints(initial="1", sm="2", md="1fr 2fr 2fr auto"),
        gap="0.5rem 1rem", width="100%", align_items="end",
        border_bottom=f"1px solid {theme.BORDER}", padding_bottom="0.75rem")


def _authorizer(candidate) -> rx.Component:
    name = candidate["username"]
    return rx.el.label(
        rx.checkbox(id=f"auth-authorizer-{name}", checked=S.chosen.contains(name), aria_label=name,
                    on_change=lambda v: S.toggle_authorizer(name, v)),
        rx.text(name, font_weight="600"), rx.text(candidate["name"], color=theme.MUTED),
        style={"display": "flex", "gap": "0.5rem", "align_items": "center"})


def _summary() -> rx.Component:
    return _section(
        "Configuración vigente", "list-checks",
        rx.cond(S.configured, rx.fragment(),
                rx.text("Su empresa tiene la configuración del Banco: 1 autorización para "
                        "toda operación.", color=theme.MUTED, font_size="0.9rem")),
        rx.foreach(S.summary, lambda k: rx.vstack(
            rx.text(k["label"], font_weight="600"),
            rx.text(k["ranges"], font_size="0.9rem"),
            rx.text("Autorizan: ", k["authorizers"], font_size="0.9rem", color=theme.MUTED),
            spacing="1", width="100%")))


def _rules_tab() -> rx.Component:
    return rx.vstack(
        rx.callout("Por defecto toda operación requiere 1 autorización. Quien prepara una "
                   "operación nunca puede autorizarla, y dos autorizaciones siempre vienen de "
                   "dos usuarios distintos.", icon="info", color_scheme="blue", width="100%"),
        _summary(),
        _section(
            "Rangos de montos", "sliders-horizontal",
            field("Tipo de operación",
                  _select("auth-kind", S.kind, S.set_kind,
                          [rx.select.item(label, value=k) for k, label in KINDS.items()]),
                  "auth-kind", max_width="420px"),
            rx.foreach(S.ranges, _range_row),
            rx.flex(rx.button(rx.icon("plus", size=16), "Agregar rango", type="button",
                              variant="soft", id="auth-add-range", on_click=S.add_range,
                              disabled=S.ranges.length() >= config.MAX_RANGES),
                    width="100%")),
        _section(
            "Usuarios que pueden autorizar", "users",
            rx.text("Si no marca ninguno, autoriza cualquier usuario con el servicio "
                    "«Transacciones Pendientes por Autorizar». Si un rango pide 2 "
                    "autorizaciones, marque al menos 2.", color=theme.MUTED,
                    font_size="0.9rem"),
            rx.flex(rx.foreach(S.candidates, _authorizer), direction="column",
                    gap="0.5rem", role="group", aria_label="Autorizadores")),
        notice(S.error, "red", "triangle-alert"),
        rx.cond(S.confirm_open,
                _token_step(S.changes, "auth-token", "auth-confirm", S.confirm, S.close,
                            S.dialog_error),
                rx.flex(rx.button(rx.icon("save", size=16), "Guardar", on_click=S.ask_save,
                                  size="3", width=["100%", "auto"], id="auth-save"),
                        justify="end", width="100%")),
        spacing="4", width="100%")


# «Límites por usuario y servicio» -------------------------------------------------------

def _limit_input(name: str) -> rx.Component:
    html_id = "limit-" + name.replace("_", "-")
    amount = name in limits_admin.AMOUNTS
    return field(LABELS[name] + (" (pesos)" if amount else ""),
                 rx.input(id=html_id, value=S.limit_values[name],
                          on_change=lambda v: S.set_limit_value(name, v),
                          input_mode="decimal" if amount else "numeric",
                          placeholder="Sin límite", max_length=30, width="100%"), html_id)


def _limit_rows() -> rx.Component:
    heads = ("Usuario", "Operación", *[LABELS[f] for f in FIELDS])
    return rx.cond(S.limit_rows.length() > 0, rx.box(rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in heads])),
        rx.table.body(rx.foreach(S.limit_rows, lambda r: rx.table.row(
            rx.table.cell(r["who"], font_weight="600"), rx.table.cell(r["kind"]),
            *[rx.table.cell(r[f]) for f in FIELDS]))),
        size="1", variant="surface", width="100%"), overflow_x="auto", width="100%"),
        rx.text("Aún no hay límites: las operaciones no tienen tope por usuario.",
                color=theme.MUTED, font_size="0.9rem"))


def _limits_tab() -> rx.Component:
    return rx.vstack(
        rx.text("Los límites de la empresa rigen para todos sus usuarios; los de un usuario "
                "reemplazan a los de la empresa. En blanco o 0: sin límite.",
                font_size="0.9rem"),
        _section(
            "Límites", "gauge",
            rx.grid(
                field("Usuario", _select(
                    "limit-user", S.limit_user, S.set_limit_user,
                    [rx.select.item(limits_admin.COMPANY, value=COMPANY),
                     rx.foreach(S.user_options, lambda u: rx.select.item(u, value=u))]),
                    "limit-user"),
                field("Tipo de operación", _select(
                    "limit-kind", S.limit_kind, S.set_limit_kind,
                    [rx.select.item(label, value=k) for k, label in KINDS.items()]),
                    "limit-kind"),
                **_GRID),
            rx.cond(S.limit_own | (S.limit_user == COMPANY), rx.fragment(),
                    rx.text("Este usuario no tiene límites propios: aplican los de la "
                            "empresa.", color=theme.MUTED, font_size="0.9rem")),
            rx.grid(*[_limit_input(f) for f in FIELDS], **_GRID)),
        notice(S.limit_error, "red", "triangle-alert"),
        rx.cond(S.limit_mode != "",
                _token_step(S.limit_changes, "limit-token", "limit-confirm", S.limit_confirm,
                            S.close_limit, S.limit_error),
                rx.flex(
                    rx.button(rx.icon("trash-2", size=16), "Eliminar límites propios",
                              variant="soft", color_scheme="red", id="limit-clear",
                              on_click=S.ask_limit_clear, disabled=~S.limit_own,
                              width=["100%", "auto"]),
                    rx.button(rx.icon("save", size=16), "Guardar límites", id="limit-save",
                              on_click=S.ask_limit_save, size="3", width=["100%", "auto"]),
                    gap="0.75rem", wrap="wrap", justify="end", width="100%")),
        _section("Límites guardados", "table", _limit_rows()),
        spacing="4", width="100%")


def _tab(value: str, icon: str, label: str) -> rx.Component:
    return rx.tabs.trigger(rx.hstack(rx.icon(icon, size=16), rx.text(label), spacing="2",
                                     align="center"), value=value, id=f"auth-tab-{value}")


@portal_page(config.SERVICE, on_load=[S.load])
def configuracion_de_autorizaciones() -> rx.Component:
    return rx.vstack(
        notice(S.message, "green", "check"),
        rx.tabs.root(
            rx.tabs.list(_tab("autorizaciones", "shield-check", "Autorizaciones"),
                         _tab("limites", "gauge", "Límites por usuario y servicio"),
                         size="2"),
            rx.tabs.content(_rules_tab(), value="autorizaciones", padding_top="1rem"),
            rx.tabs.content(_limits_tab(), value="limites", padding_top="1rem"),
            value=S.tab, on_change=S.set_tab, width="100%"),
        spacing="4", width="100%")
