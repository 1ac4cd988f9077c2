"""Administración > Seguridad > Administración de Token > Token Virtual (seed 002), and
Administración > Seguridad > Consulta de Token."""

from __future__ import annotations

import reflex as rx

from occireflex import catalog
from occireflex.components import theme
from occireflex.components.badges import token_state_badge as state_badge
from occireflex.components.cells import date_cell
from occireflex.components.grid import paged_grid
from occireflex.components.layout import portal_page
from occireflex.components.notice import notice
from occireflex.components.token_prompt import confirm_actions, token_field
from occireflex.domain.tokens import history as token_history
from occireflex.domain.tokens import states as ts
from occireflex.state.token_admin import TokenAdminState, TokenHistoryState
from occireflex.state.token_releases import PendingReleasesState

S, H, R = TokenAdminState, TokenHistoryState, PendingReleasesState


def _tabs() -> rx.Component:
    return rx.hstack(
        rx.text("Token Virtual", padding="0.5rem 0.9rem", color=theme.BRAND, font_weight="700",
                border_bottom=f"3px solid {theme.ACCENT}"),
        border_bottom=f"1px solid {theme.BORDER}", width="100%", class_name="no-print",
    )


def _change_button(row) -> rx.Component:
    return rx.button(
        rx.icon("refresh-ccw", size=15), "Cambiar Estado del Token Virtual",
        on_click=S.open_change(row["id"]), size="1", variant="soft",
        aria_label="Cambiar Estado del Token Virtual de " + row["username"],
    )


def _verification(row) -> rx.Component:
    return rx.cond(row["verification"] != "", rx.text(
        "Verificación ", rx.text.span(row["verification"], font_weight="700"),
        color=theme.MUTED, font_size="0.75rem"))


def _row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.text(row["username"], font_weight="600"),
                                rx.text(row["role"], color=theme.MUTED, font_size="0.75rem"),
                                spacing="0")),
        rx.table.cell(row["name"]),
        rx.table.cell(rx.vstack(state_badge(row["physical"]),
                                rx.text(row["serial"], color=theme.MUTED, font_size="0.75rem"),
                                spacing="1")),
        rx.table.cell(rx.vstack(state_badge(row["virtual_label"], row["virtual"]),
                                _verification(row), spacing="1")),
        rx.table.cell(row["device"]),
        date_cell(row["changed"]),
        rx.table.cell(_change_button(row)),
        data_user=row["username"],
    )


def _card(row) -> rx.Component:
    """Phone layout: one card per user with both tokens and the action."""
    def line(label: str, badge: rx.Component, extra=None) -> rx.Component:
        return rx.hstack(rx.text(label, color=theme.MUTED, font_size="0.8rem", min_width="6.5rem"),
                         badge, extra if extra is not None else rx.fragment(),
                         spacing="2", align="center", wrap="wrap")

    return rx.vstack(
        rx.vstack(rx.text(row["username"], font_weight="600"),
                  rx.text(row["name"], " · ", row["role"], color=theme.MUTED,
                          font_size="0.85rem"),
                  spacing="0"),
        line("Token virtual:", state_badge(row["virtual_label"], row["virtual"]),
             rx.fragment(rx.cond(row["device"] != "—", rx.text(row["device"], color=theme.MUTED,
                                                               font_size="0.8rem")),
                         _verification(row))),
        line("Token físico:", state_badge(row["physical"]),
             rx.text(row["serial"], color=theme.MUTED, font_size="0.8rem")),
        _change_button(row),
        spacing="2", width="100%", padding="0.75rem 0",
        border_bottom=f"1px solid {theme.BORDER}",
    )


def _release_card() -> rx.Component:
    """Seed 002 step 9: after confirming, the administrator authorizes in the App."""
    return rx.cond(S.release_user != "", rx.callout(
        rx.vstack(
            rx.text("Solicitud de liberación registrada para ",
                    rx.text.span(S.release_user, font_weight="700"), ".", font_weight="500"),
            rx.text("Autorícela antes de las ", S.release_expires, " (10 minutos) en la App "
                    "Banco de Occidente Empresas, en «Autorizaciones pendientes», o aquí "
                    "mismo en «Liberaciones pendientes por autorizar», con su token."),
            rx.hstack(rx.text("Número de verificación que verá en la App:"),
                      rx.badge(S.release_verification, size="3", variant="solid",
                               color_scheme="blue"), align="center", wrap="wrap"),
            rx.button("Entendido", size="1", variant="soft", on_click=S.dismiss_release),
            spacing="2",
        ),
        icon="smartphone", color_scheme="blue", width="100%", role="status",
    ))


def _pending_panel() -> rx.Component:
    """Issue 16.5: a release waits for authorization; say where, or cancel it."""
    return rx.cond(S.pending_verification != "", rx.callout(
        rx.vstack(
            rx.text("Liberación pendiente de autorización", font_weight="700"),
            rx.hstack(rx.text("Número de verificación:"),
                      rx.badge(S.pending_verification, size="3", variant="solid",
                               color_scheme="blue", class_name="occi-pending-verification"),
                      rx.text("· vence a las ", S.pending_expires, color=theme.MUTED),
                      spacing="2", align="center", wrap="wrap"),
            rx.text("Causal: ", S.pending_reason, font_size="0.85rem"),
            rx.cond(
                S.pending_app,
                rx.text("Autorícela o recházela en la App Banco de Occidente Empresas, en "
                        "«Autorizaciones pendientes» (verá este mismo número), o en "
                        "«Liberaciones pendientes por autorizar» de esta página."),
                rx.text("Su empresa no permite autorizar desde la App: autorícela o "
                        "recházela en «Liberaciones pendientes por autorizar» de esta página."),
            ),
            rx.text("Si ya no la necesita, cancélela: el token queda como estaba.",
                    font_size="0.85rem", color=theme.MUTED),
            rx.button(rx.icon("ban", size=16), "Cancelar solicitud", on_click=S.ask_cancel,
                      color_scheme="red", variant="soft", size="2",
                      aria_label="Cancelar la solicitud de liberación de " + S.target_username),
            spacing="2", align="start",
        ),
        icon="clock", color_scheme="blue", width="100%", role="status",
    ))


def _choose_stage() -> rx.Component:
    nothing_else = (S.pending_verification != "") & (S.target_actions.length() == 0)
    return rx.vstack(
        _pending_panel(),
        rx.cond(nothing_else, rx.flex(
            rx.button("Cerrar", variant="soft", color_scheme="gray", on_click=S.close),
            justify="end", width="100%"), _choose_form()),
        spacing="3", width="100%",
    )


def _choose_form() -> rx.Component:
    def option(value: str, label: str, hint: str) -> rx.Component:
        return rx.el.label(
            rx.hstack(
                rx.radio_group.item(value=value, disabled=~S.target_actions.contains(value),
                                    aria_label=label),
                rx.vstack(rx.text(label, font_weight="600"),
                          rx.text(hint, color=theme.MUTED, font_size="0.8rem"), spacing="0"),
                spacing="2", align="start",
            ),
            padding="0.6rem 0.75rem", border=f"1px solid {theme.BORDER}", border_radius="10px",
            width="100%", cursor="pointer",
            opacity=rx.cond(S.target_actions.contains(value), "1", "0.5"),
        )

    return rx.vstack(
        rx.el.label("Acción a realizar", class_name="occi-label"),
        rx.radio_group.root(
            rx.flex(
                option(ts.LIBERAR, "Liberar", "Retira la semilla para enrolar un nuevo "
                       "dispositivo; usted la autoriza en la App."),
                option(ts.BLOQUEAR_ACCION, "Bloquear", "El token deja de funcionar de "
                       "inmediato y se cierran sus sesiones."),
                direction=rx.breakpoints(initial="column", sm="row"), gap="0.5rem", width="100%",
            ),
            value=S.action, on_change=S.set_action, width="100%",
            aria_label="Acción a realizar",
        ),
        rx.cond(S.target_actions.length() == 0, rx.text(
            "El estado actual del token no permite cambios desde aquí.", color="#B42318",
            font_size="0.85rem")),
        rx.el.label("Causal", html_for="causal-token", class_name="occi-label"),
        rx.select.root(
            rx.select.trigger(placeholder="Seleccione la causal", id="causal-token",
                              width="100%", aria_label="Causal"),
            rx.select.content(rx.foreach(S.reason_options, lambda o: rx.select.item(
                o["label"], value=o["value"]))),
            value=S.reason, on_change=S.set_reason, disabled=S.action == "",
        ),
        notice(S.dialog_error, "red", "triangle-alert"),
        rx.flex(
            rx.button(rx.icon("circle-x", size=16), "Cancelar", variant="soft",
                      color_scheme="gray", on_click=S.close),
            rx.button("Continuar", rx.icon("arrow-right", size=16), on_click=S.continue_to_confirm),
            gap="0.75rem", justify="end", width="100%", wrap="wrap",
        ),
        spacing="3", width="100%",
    )


def _line(label: str, value, width: str = "4.5rem") -> rx.Component:
    return rx.hstack(rx.text(label, color=theme.MUTED, min_width=width),
                     rx.text(value, font_weight="600"), spacing="2", wrap="wrap")


def _cancel_stage() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.box(
                _line("Usuario:", S.target_username, "6.5rem"),
                _line("Solicitud:", "Liberar", "6.5rem"),
                _line("Causal:", S.pending_reason, "6.5rem"),
                _line("Verificación:", S.pending_verification, "6.5rem"),
                padding="0.75rem", background=theme.PAGE_BG, border_radius="10px", width="100%",
            ),
            rx.text("Al confirmar se cancela la solicitud: ya no se podrá autorizar en la App "
                    "ni en el portal, y el token virtual de ", S.target_username,
                    " queda como estaba.", font_size="0.85rem", color=theme.MUTED),
            token_field("token-cancelar", auto_focus=True),
            notice(S.dialog_error, "red", "triangle-alert"),
            confirm_actions(S.back, on_cancel=S.close, color_scheme="red"),
            spacing="3", width="100%",
        ),
        on_submit=S.confirm_cancel, reset_on_submit=True, width="100%",
    )


def _confirm_stage() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.box(
                _line("Usuario:", S.target_username),
                _line("Acción:", S.action_label),
                _line("Causal:", S.reason_label),
                padding="0.75rem", background=theme.PAGE_BG, border_radius="10px", width="100%",
            ),
            rx.cond(
                S.action == ts.LIBERAR,
                rx.text("Al confirmar se registra la solicitud: autorícela en la App Banco de "
                        "Occidente Empresas dentro de los 10 minutos siguientes.",
                        font_size="0.85rem", color=theme.MUTED),
                rx.text("El token virtual dejará de funcionar de inmediato y se cerrarán las "
                        "sesiones abiertas que dependen de él.", font_size="0.85rem",
                        color="#B42318"),
            ),
            token_field("token-cambio", auto_focus=True),
            notice(S.dialog_error, "red", "triangle-alert"),
            confirm_actions(S.back, on_cancel=S.close,
                            color_scheme=rx.cond(S.action == ts.LIBERAR, "blue", "red")),
            spacing="3", width="100%",
        ),
        on_submit=S.confirm, reset_on_submit=True, width="100%",
    )


def _dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(S.stage == "cancelar", "Cancelar solicitud de liberación",
                                    "Cambiar Estado del Token Virtual")),
            rx.dialog.description(
                rx.text(S.target_username, " · ", S.target_name, font_weight="600"),
                size="2",
            ),
            rx.hstack(rx.text("Estado actual del token virtual:", color=theme.MUTED,
                              font_size="0.9rem"),
                      state_badge(S.target_state, S.target_code), spacing="2", align="center", wrap="wrap",
                      margin_y="0.75rem"),
            rx.match(S.stage, ("confirmar", _confirm_stage()), ("cancelar", _cancel_stage()),
                     _choose_stage()),
            max_width="560px",
        ),
        open=S.stage != "",
        on_open_change=S.dialog_changed,
    )


def _release_request(request) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.text(request["name"], " · ", request["username"], font_weight="600"),
            rx.text("Causal: ", request["reason"], " · solicitó ", request["by"], " el ",
                    request["at"], " · vence a las ", request["expires"],
                    color=theme.MUTED, font_size="0.85rem"),
            spacing="0", flex="1", min_width="0"),
        rx.hstack(rx.text("Verificación", color=theme.MUTED, font_size="0.8rem"),
                  rx.badge(request["verification"], size="2", variant="solid"),
                  align="center"),
        rx.hstack(
            rx.button("Rechazar", size="2", variant="soft", color_scheme="red",
                      on_click=R.ask(request["id"], "rechazar"),
                      aria_label="Rechazar la liberación de " + request["username"]),
            rx.button(rx.icon("check", size=14), "Autorizar", size="2",
                      on_click=R.ask(request["id"], "autorizar"),
                      aria_label="Autorizar la liberación de " + request["username"]),
            spacing="2"),
        gap="0.75rem", align=rx.breakpoints(initial="start", sm="center"),
        direction=rx.breakpoints(initial="column", sm="row"), width="100%",
        padding="0.6rem 0", border_bottom=f"1px solid {theme.BORDER}")


def _release_outcome() -> rx.Component:
    return rx.cond(R.done_message != "", rx.callout(rx.vstack(
        rx.text(R.done_message, font_weight="600"),
        rx.cond(R.done_code != "", rx.text(
            "Código de activación para ", R.done_name, ": ",
            rx.code(R.done_code[:4] + " " + R.done_code[4:], size="4",
                    class_name="occi-activation-code"),
            ". Entréguelo personalmente; vence a las ", R.done_expires,
            " y no se volverá a mostrar.")),
        rx.button("Entendido", size="1", variant="soft", on_click=R.dismiss), spacing="2"),
        icon="circle-check", color_scheme="green", width="100%", role="status"))


def _pending_releases() -> rx.Component:
    dialog = rx.dialog.root(rx.dialog.content(
        rx.dialog.title(R.confirm_title),
        rx.dialog.description(rx.cond(
            R.confirm_verb == "autorizar",
            rx.text("Se destruirá la semilla del token virtual de ", R.confirm_name,
                    " y podrá enrolar un nuevo dispositivo."),
            rx.text("El token de ", R.confirm_name, " seguirá como está.")), size="2"),
        rx.form(rx.vstack(
            token_field("token-liberacion", auto_focus=True),
            notice(R.dialog_error, "red", "triangle-alert"),
            confirm_actions(R.close, on_cancel=R.close), spacing="3", width="100%"),
            on_submit=R.confirm, reset_on_submit=True, width="100%"),
        max_width="520px"), open=R.confirm_verb != "", on_open_change=R.dialog_changed)
    return rx.fragment(_release_outcome(), rx.cond(R.requests.length() > 0, rx.vstack(
        rx.heading("Liberaciones pendientes por autorizar", size="3"),
        rx.cond(~R.app_may_approve, rx.text(
            "Su empresa no permite autorizarlas desde la App: autorícelas aquí.",
            font_size="0.9rem", color=theme.MUTED)),
        rx.foreach(R.requests, _release_request),
        dialog, spacing="2", width="100%", style=theme.CARD, id="liberaciones-pendientes")))


@portal_page(catalog.TOKEN_VIRTUAL, on_load=[TokenAdminState.load, PendingReleasesState.load],
             trail=("Token Virtual",))
def administracion_token() -> rx.Component:
    return rx.vstack(
        _tabs(),
        rx.callout(
            "Este proceso solo se puede realizar desde el usuario administrador de OcciRed. "
            "Identifique al usuario y, en la columna «Acciones», seleccione «Cambiar Estado del "
            "Token Virtual».", icon="info", width="100%", color_scheme="gray", size="1"),
        _release_card(),
        _pending_releases(),
        notice(S.message, "green", "check"),
        notice(S.error, "red", "triangle-alert"),
        rx.box(
            rx.input(placeholder="Buscar por usuario o nombre", value=S.search,
                     on_change=S.set_search, debounce_timeout=300, max_length=40,
                     width=["100%", "320px"], aria_label="Buscar usuario"),
            *paged_grid(S, ("Usuario", "Nombre", "Token físico", "Token virtual",
                            "Dispositivo", "Última modificación", "Acciones"),
                        _row, _card, "usuarios"),
            style=theme.CARD,
        ),
        _dialog(),
        spacing="4", width="100%",
    )


# Consulta de Token ------------------------------------------------------------------------


def _event_row(row) -> rx.Component:
    return rx.table.row(
        date_cell(row["when"]),
        rx.table.cell(rx.text(row["event"], font_weight="600")),
        rx.table.cell(row["kind"]),
        rx.table.cell(row["reason"]),
        rx.table.cell(row["by"]),
        rx.table.cell(row["channel"]),
        rx.table.cell(row["detail"]),
    )


def _event_card(row) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.text(row["event"], font_weight="600"), rx.spacer(),
                  rx.badge(row["kind"], variant="soft"), width="100%", align="center"),
        rx.text(row["when"], " · ", row["channel"], " · ", row["by"], color=theme.MUTED,
                font_size="0.8rem"),
        rx.cond(row["reason"] != "—", rx.text("Causal: ", row["reason"], font_size="0.85rem")),
        rx.cond(row["detail"] != "—", rx.text(row["detail"], font_size="0.8rem",
                                              color=theme.MUTED)),
        spacing="1", width="100%", padding="0.6rem 0",
        border_bottom=f"1px solid {theme.BORDER}",
    )


@portal_page(catalog.CONSULTA_TOKEN, on_load=[TokenHistoryState.load])
def consulta_token() -> rx.Component:
    return rx.vstack(
        notice(H.message, "red", "triangle-alert"),
        rx.box(
            rx.flex(
                rx.vstack(
                    rx.el.label("Usuario", html_for="usuario-historial", class_name="occi-label"),
                    rx.select.root(
                        rx.select.trigger(placeholder="Seleccione un usuario",
                                          id="usuario-historial", aria_label="Usuario",
                                          width=["100%", "340px"]),
                        rx.select.content(rx.foreach(H.users, lambda u: rx.select.item(
                            u["label"], value=u["id"]))),
                        value=H.user_pick, on_change=H.pick_user,
                    ),
                    spacing="1",
                ),
                rx.spacer(),
                rx.hstack(
                    rx.cond(H.can_excel, rx.button(rx.icon("file-spreadsheet", size=16),
                                                   "Exportar a Excel", on_click=H.export_excel,
                                                   variant="soft", size="2",
                                                   disabled=H.username == "")),
                    rx.cond(H.can_pdf, rx.button(rx.icon("file-text", size=16), "Exportar PDF",
                                                 on_click=H.export_pdf, variant="soft",
                                                 size="2", disabled=H.username == "")),
                    spacing="2", wrap="wrap",
                ),
                gap="0.75rem", wrap="wrap", width="100%", align="end",
            ),
            style=theme.CARD,
        ),
        rx.cond(H.username != "", rx.box(
            rx.heading("Historial del token de ", H.username, " · ", H.full_name, size="4",
                       color=theme.BRAND_DARK),
            *paged_grid(H, token_history.HEADERS, _event_row, _event_card, "eventos"),
            style=theme.CARD,
        )),
        spacing="4", width="100%",
    )
