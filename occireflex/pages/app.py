"""The App Banco de Occidente Empresas at ``/app`` (mobile first): login, home, «Token
Virtual», «Autorizaciones pendientes», Saldos and Transacciones Realizadas."""

from __future__ import annotations

import reflex as rx

from occireflex.components import pending_ops as ops
from occireflex.components import theme
from occireflex.components.app_shell import app_card, app_frame, app_page, token_code
from occireflex.components.badges import payment_status_badge
from occireflex.components.badges import token_state_badge as state_badge
from occireflex.components.fields import field
from occireflex.components.notice import notice
from occireflex.components.routing import page
from occireflex.state.app import (
    AppApprovalsState,
    AppBalancesState,
    AppState,
    AppTokenState,
    AppTransactionsState,
)

A, T, P = AppState, AppTokenState, AppApprovalsState


def _field(label: str, field_id: str, **props) -> rx.Component:
    return field(label, rx.input(id=field_id, size="3", width="100%", **props), field_id)


# login and home --------------------------------------------------------------------------


def _login() -> rx.Component:
    return rx.vstack(
        rx.vstack(
            rx.image(src="/logo.svg", width="56px", height="56px", alt=""),
            rx.heading("Banco de Occidente Empresas", size="5", color=theme.BRAND_DARK,
                       text_align="center"),
            rx.text("Ingrese con su usuario de OcciRed", color=theme.MUTED),
            align="center", spacing="2", width="100%", padding_top="1rem",
        ),
        notice(A.notice, "blue", "info"),
        app_card(rx.form(
            rx.vstack(
                _field("Usuario", "app-usuario", name="usuario", placeholder="Usuario",
                       auto_complete="username", max_length=40, required=True),
                _field("Clave", "app-clave", name="clave", type="password",
                       placeholder="Clave", auto_complete="current-password", max_length=128,
                       required=True),
                _field("Código del token o de activación", "app-factor", name="factor",
                       placeholder="6 u 8 dígitos", input_mode="numeric",
                       auto_complete="one-time-code", max_length=9, required=True),
                rx.text("Si su token fue liberado y aún no tiene uno activo, use el código de "
                        "activación que le entregó el administrador de su empresa.",
                        color=theme.MUTED, font_size="0.8rem"),
                notice(A.login_error),
                rx.button("Ingresar", type="submit", size="3", width="100%",
                          background=theme.BRAND),
                spacing="3", width="100%",
            ),
            on_submit=A.login, reset_on_submit=True,
        )),
        spacing="4", width="100%",
    )


def _tile(tile) -> rx.Component:
    return rx.link(
        rx.vstack(
            rx.hstack(
                rx.center(rx.icon(tile["icon"], size=22, color=theme.BRAND), width="44px",
                          height="44px", border_radius="12px", background=theme.BRAND_LIGHT),
                rx.spacer(),
                rx.cond(tile["badge"] != "", rx.badge(tile["badge"], color_scheme="red",
                                                      variant="solid", radius="full",
                                                      aria_label="pendientes")),
                width="100%", align="start",
            ),
            rx.text(tile["label"], font_weight="600", font_size="0.9rem", color=theme.TEXT),
            spacing="2", align="start", padding="0.9rem", background="white",
            border=f"1px solid {theme.BORDER}", border_radius="14px", height="100%",
        ),
        href=tile["route"], underline="none",
    )


def _home() -> rx.Component:
    return rx.vstack(
        rx.box(
            rx.text("Hola,", color="#C9D5F2", font_size="0.85rem"),
            rx.heading(A.user_name, size="5", color="white"),
            rx.text(A.company_name, color="#DCE5FA", font_size="0.85rem"),
            background=f"linear-gradient(120deg, {theme.BRAND}, #1F5FD1)",
            border_radius="16px", padding="1rem 1.1rem", width="100%",
        ),
        rx.cond(A.token_missing, rx.callout(
            "Primero active su token virtual; luego elija su nueva clave y su imagen propia.",
            icon="key-round", color_scheme="amber", width="100%", id="primero-token")),
        rx.grid(rx.foreach(A.tiles, _tile), columns="2", spacing="3", width="100%"),
        rx.cond(A.coming_count > 0, rx.text(
            A.coming_count, " servicio(s) más de su perfil tienen «Acceso App» y por ahora "
            "se usan en el portal.", color=theme.MUTED, font_size="0.8rem")),
        spacing="4", width="100%",
    )


@page("/app", "App Banco de Occidente Empresas", on_load=[AppState.open_home])
def app_home() -> rx.Component:
    return app_frame(
        "Inicio",
        rx.cond(A.checked, rx.cond(A.ready, _home(), _login()),
                rx.center(rx.spinner(size="3"), padding="4rem")),
        active="inicio", back=False,
    )


# «Token Virtual» --------------------------------------------------------------------------


def _status_card() -> rx.Component:
    return app_card(
        rx.hstack(rx.text("Token virtual", font_weight="700"), rx.spacer(),
                  state_badge(T.virtual_label, T.virtual), width="100%", align="center"),
        rx.cond(T.device != "", rx.text("Dispositivo: ", T.device, color=theme.MUTED,
                                        font_size="0.85rem")),
        rx.hstack(rx.text("Token físico", color=theme.MUTED, font_size="0.85rem"), rx.spacer(),
                  state_badge(T.physical), width="100%", align="center", margin_top="0.5rem"),
    )


def _active() -> rx.Component:
    return app_card(
        rx.text("Código actual", color=theme.MUTED, font_size="0.85rem"),
        token_code(T.username, pending=False),
        rx.text("Use este código en el portal OcciRed y en cada confirmación con token.",
                color=theme.MUTED, font_size="0.8rem"),
    )


def _enroll_form() -> rx.Component:
    return app_card(
        rx.heading("Enrolar este dispositivo", size="4", color=theme.BRAND_DARK),
        rx.text("Su token fue liberado. Enrole este dispositivo para recibir su nuevo token "
                "virtual: se creará una semilla nueva que verá una sola vez.",
                color=theme.MUTED, font_size="0.85rem", margin_y="0.5rem"),
        rx.form(
            rx.vstack(
                _field("Nombre del dispositivo", "app-dispositivo", name="dispositivo",
                       placeholder="Ej.: Celular de Pedro", max_length=40, required=True),
                rx.button(rx.icon("smartphone", size=18), "Enrolar token virtual",
                          type="submit", size="3", width="100%"),
                spacing="3", width="100%",
            ),
            on_submit=T.start, reset_on_submit=False,
        ),
    )


def _enrolling() -> rx.Component:
    return app_card(
        rx.heading("Escanee el código QR", size="4", color=theme.BRAND_DARK),
        rx.text("Se muestra una sola vez. Escanéelo con su aplicación autenticadora o "
                "continúe con el código que la App calcula en este dispositivo. Vence a las ",
                T.enroll_expires, ".", color=theme.MUTED, font_size="0.85rem"),
        rx.center(rx.box(id="occi-qr", width="220px", height="220px", margin="0.75rem auto",
                         class_name="occi-qr")),
        rx.text("", id="occi-enroll-error", color="#B42318", font_size="0.85rem",
                role="alert"),
        rx.text("Clave para configuración manual:", color=theme.MUTED, font_size="0.8rem"),
        rx.text("", id="occi-secret", font_family="monospace", font_size="0.85rem",
                word_break="break-all", class_name="occi-secret"),
        rx.divider(margin_y="0.75rem"),
        rx.text("Código en este dispositivo", color=theme.MUTED, font_size="0.85rem"),
        token_code(T.username, pending=True),
        rx.form(
            rx.vstack(
                _field("Código actual del token", "app-codigo", name="codigo",
                       placeholder="6 dígitos", input_mode="numeric",
                       auto_complete="one-time-code", max_length=6, required=True,
                       letter_spacing="0.3em"),
                rx.button(rx.icon("check", size=18), "Activar token virtual", type="submit",
                          size="3", width="100%"),
                spacing="3", width="100%",
            ),
            on_submit=T.activate, reset_on_submit=True,
        ),
        rx.text("Al activarlo, su token físico quedará inhabilitado y solo podrá usar el token "
                "virtual.", color=theme.MUTED, font_size="0.8rem"),
    )


@app_page("/app/token", "Token Virtual", [AppTokenState.load], active="token")
def app_token() -> rx.Component:
    return rx.vstack(
        notice(T.message, "green", "check"),
        notice(T.error),
        _status_card(),
        rx.cond(
            T.phase == "enrolando",
            _enrolling(),
            rx.cond(
                T.active,
                _active(),
                rx.cond(T.can_enroll, _enroll_form(),
                        notice(T.reason, "blue", "info")),
            ),
        ),
        spacing="3", width="100%",
    )


# «Autorizaciones pendientes» ----------------------------------------------------------


def _request_card(request) -> rx.Component:
    return app_card(
        rx.hstack(
            rx.vstack(rx.text("Liberación de token", color=theme.MUTED, font_size="0.75rem"),
                      rx.text(request["name"], font_weight="700"),
                      rx.text(request["username"], color=theme.MUTED, font_size="0.8rem"),
                      spacing="0"),
            rx.spacer(),
            rx.vstack(rx.text("Verificación", color=theme.MUTED, font_size="0.7rem"),
                      rx.badge(request["verification"], size="3", variant="solid"),
                      spacing="0", align="center"),
            width="100%", align="start",
        ),
        rx.text("Causal: ", request["reason"], font_size="0.85rem", margin_top="0.5rem"),
        rx.text("Solicitó ", request["by"], " el ", request["at"], " · vence a las ",
                request["expires"], color=theme.MUTED, font_size="0.8rem"),
        rx.cond(P.app_may_approve, rx.hstack(
            rx.button("Rechazar", variant="soft", color_scheme="red", flex="1",
                      on_click=P.ask(request["id"], "rechazar"),
                      aria_label="Rechazar la liberación de " + request["username"]),
            rx.button(rx.icon("check", size=16), "Autorizar", flex="1",
                      on_click=P.ask(request["id"], "autorizar"),
                      aria_label="Autorizar la liberación de " + request["username"]),
            spacing="2", width="100%", margin_top="0.75rem",
        ), rx.text("Su empresa autoriza estas solicitudes en el portal (Administración de "
                   "Token), con su token.", font_size="0.85rem", color=theme.MUTED,
                   margin_top="0.5rem")),
        data_request=request["id"],
    )


def _confirm_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(rx.cond(P.confirm_verb == "autorizar",
                                          "Autorizar liberación", "Rechazar liberación")),
            rx.alert_dialog.description(rx.cond(
                P.confirm_verb == "autorizar",
                rx.text("Se destruirá la semilla del token virtual de ", P.confirm_name,
                        " y podrá enrolar un nuevo dispositivo. ¿Autoriza la liberación?"),
                rx.text("El token de ", P.confirm_name, " seguirá como está. ¿Rechaza la "
                        "solicitud?"))),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancelar", variant="soft", color_scheme="gray",
                                                 on_click=P.cancel)),
                rx.alert_dialog.action(rx.button(
                    rx.cond(P.confirm_verb == "autorizar", "Sí, autorizar", "Sí, rechazar"),
                    color_scheme=rx.cond(P.confirm_verb == "autorizar", "blue", "red"),
                    on_click=P.decide(P.confirm_id, P.confirm_verb))),
                gap="0.75rem", justify="end", margin_top="1rem",
            ),
            max_width="420px",
        ),
        open=P.confirm_id != 0,
    )


def _outcome() -> rx.Component:
    return rx.cond(P.done_message != "", app_card(
        rx.hstack(rx.icon("circle-check", color="#067647"),
                  rx.text(P.done_message, font_weight="600"), spacing="2", align="start"),
        rx.cond(P.done_code != "", rx.vstack(
            rx.text("Código de activación", color=theme.MUTED, font_size="0.8rem"),
            rx.text(P.done_code[:4] + " " + P.done_code[4:], font_family="monospace",
                    font_size="1.8rem", font_weight="700", letter_spacing="0.1em",
                    color=theme.BRAND_DARK, class_name="occi-activation-code"),
            rx.text("Entréguelo personalmente a ", P.done_name, ": le permite ingresar a la App "
                    "una sola vez para enrolar su dispositivo. Vence a las ", P.done_expires,
                    " y no se volverá a mostrar.", font_size="0.8rem", color=theme.MUTED),
            spacing="1", margin_top="0.75rem", padding="0.75rem", background=theme.PAGE_BG,
            border_radius="10px", width="100%",
        )),
        rx.button("Listo", on_click=P.dismiss, variant="soft", width="100%",
                  margin_top="0.75rem"),
    ))


@app_page("/app/autorizaciones", "Autorizaciones pendientes", [AppApprovalsState.load],
          active="autorizaciones")
def app_autorizaciones() -> rx.Component:
    return rx.vstack(
        _outcome(),
        notice(P.error),
        rx.foreach(P.requests, _request_card),
        rx.cond(P.may_operations, _operations()),
        rx.cond((P.requests.length() == 0) & (P.ops_total == 0) & (P.error == ""),
                app_card(rx.text("No tiene autorizaciones pendientes.", color=theme.MUTED))),
        _confirm_dialog(),
        spacing="3", width="100%",
    )


def _operations() -> rx.Component:
    """The company's operations waiting for authorization (Transacciones Pendientes por
    Autorizar), each confirmed with the authorizer's token."""
    return rx.vstack(
        ops.outcomes(P),
        notice(P.ops_error),
        rx.cond(P.ops_total > 0, app_card(
            rx.text("Transacciones pendientes por autorizar", font_weight="700",
                    color=theme.BRAND_DARK),
            rx.foreach(P.ops_rows, lambda row: ops.op_card(P, row)),
            rx.cond(P.ops_selected.length() > 1, rx.button(
                "Autorizar seleccionadas (", P.ops_selected.length(), ")", width="100%",
                on_click=P.ops_ask("autorizar", ""), margin_top="0.5rem")),
            id="app-operations")),
        ops.decision_dialog(P, "token-autorizacion-app"),
        ops.detail_dialog(P),
        spacing="3", width="100%")


# Saldos and Transacciones Realizadas --------------------------------------------------------


def _account(row) -> rx.Component:
    return app_card(
        rx.text(row["name"], font_weight="600"),
        rx.text("No. ", row["number"], color=theme.MUTED, font_size="0.8rem"),
        rx.hstack(rx.text("Saldo Disponible", color=theme.MUTED, font_size="0.85rem"),
                  rx.spacer(), rx.text(row["available"], font_weight="700",
                                       class_name="occi-money"),
                  width="100%", margin_top="0.5rem"),
        rx.hstack(rx.text("Saldo Actual", color=theme.MUTED, font_size="0.85rem"), rx.spacer(),
                  rx.text(row["current"], class_name="occi-money"), width="100%"),
    )


@app_page("/app/saldos", "Saldos", [AppBalancesState.load], active="inicio")
def app_saldos() -> rx.Component:
    B = AppBalancesState
    return rx.vstack(
        notice(B.error),
        rx.heading("Cuentas Corrientes", size="3", color=theme.BRAND_DARK),
        rx.foreach(B.checking, _account),
        rx.cond(B.checking.length() == 0, rx.text("No existen registros", color=theme.MUTED)),
        rx.heading("Cuentas Ahorros", size="3", color=theme.BRAND_DARK, margin_top="0.5rem"),
        rx.foreach(B.savings, _account),
        rx.cond(B.savings.length() == 0, rx.text("No existen registros", color=theme.MUTED)),
        spacing="3", width="100%",
    )


def _transaction(row) -> rx.Component:
    X = AppTransactionsState
    return rx.box(
        rx.hstack(
            rx.vstack(rx.text(row["biller"], font_weight="600", font_size="0.9rem"),
                      rx.text(row["when"], " · Ref. ", row["reference"], color=theme.MUTED,
                              font_size="0.75rem"),
                      spacing="0"),
            rx.spacer(),
            rx.vstack(rx.text(row["amount"], font_weight="700", class_name="occi-money"),
                      payment_status_badge(row["status"]),
                      spacing="1", align="end"),
            width="100%", align="center",
        ),
        on_click=X.open_detail(row["id"]), cursor="pointer", padding="0.75rem 0",
        border_bottom=f"1px solid {theme.BORDER}", role="button",
        aria_label="Ver comprobante " + row["biller"],
    )


@app_page("/app/transacciones", "Transacciones Realizadas", [AppTransactionsState.load],
          active="inicio")
def app_transacciones() -> rx.Component:
    X = AppTransactionsState
    return rx.vstack(
        notice(X.error),
        rx.cond(X.detail.length() > 0, app_card(
            rx.hstack(rx.text(X.detail_title, font_weight="700"), rx.spacer(),
                      rx.icon_button(rx.icon("x", size=16), variant="ghost",
                                     on_click=X.close_detail, aria_label="Cerrar comprobante"),
                      width="100%", align="center"),
            rx.foreach(X.detail, lambda line: rx.hstack(
                rx.text(line["label"], color=theme.MUTED, font_size="0.8rem", min_width="8rem"),
                rx.text(line["value"], font_size="0.85rem", text_align="right"),
                justify="between", width="100%", padding_y="0.2rem")),
        )),
        app_card(
            rx.text("Últimos 30 días · ", X.total, " transacción(es)", color=theme.MUTED,
                    font_size="0.8rem"),
            rx.foreach(X.rows, _transaction),
            rx.cond(X.total == 0, rx.text("No existen registros", color=theme.MUTED,
                                          padding_y="0.5rem")),
            rx.hstack(
                rx.button("« Anterior", on_click=X.go(X.page - 1), disabled=X.page <= 1,
                          variant="ghost", size="1"),
                rx.spacer(),
                rx.text("Página ", X.page, " de ", X.pages, font_size="0.8rem"),
                rx.spacer(),
                rx.button("Siguiente »", on_click=X.go(X.page + 1), disabled=X.page >= X.pages,
                          variant="ghost", size="1"),
                width="100%", align="center", margin_top="0.5rem",
            ),
        ),
        spacing="3", width="100%",
    )
