"""The pieces of «Transacciones Pendientes por Autorizar» shared by the portal's page and
the App's «Autorizaciones pendientes»: an operation's card, the decision dialog (reason and
token), the detail and the outcomes. ``S`` is a state with ``PendingOpsMixin``."""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme
from occireflex.components.notice import notice
from occireflex.components.token_prompt import confirm_actions, token_field


def approvals_badge(row) -> rx.Component:
    return rx.badge(row["approvals"], " autorizaciones", color_scheme="amber", variant="soft")


def row_actions(S, row) -> rx.Component:
    """Detail always; authorize/reject only where the domain says this user may; cancel
    only for the preparer."""
    name = "operación " + row["id"]
    return rx.flex(
        rx.icon_button(rx.icon("eye", size=16), variant="ghost", size="2",
                       on_click=S.ops_open_detail(row["id"]), aria_label="Ver " + name,
                       title="Ver detalle"),
        rx.cond(row["can_authorize"] != "", rx.fragment(
            rx.button(rx.icon("check", size=14), "Autorizar", size="1",
                      on_click=S.ops_ask("autorizar", row["id"]),
                      aria_label="Autorizar " + name),
            rx.button("Rechazar", size="1", variant="soft", color_scheme="red",
                      on_click=S.ops_ask("rechazar", row["id"]),
                      aria_label="Rechazar " + name))),
        rx.cond(row["own"] != "", rx.fragment(
            rx.badge("Usted la preparó", color_scheme="gray", variant="soft"),
            rx.button("Cancelar", size="1", variant="soft", color_scheme="gray",
                      on_click=S.ops_cancel(row["id"]), aria_label="Cancelar " + name))),
        rx.cond(row["already_mine"] != "",
                rx.badge("Ya la autorizó", color_scheme="green", variant="soft")),
        gap="0.4rem", align="center", wrap="wrap",
    )


def select_box(S, row) -> rx.Component:
    return rx.cond(row["can_authorize"] != "", rx.checkbox(
        checked=S.ops_selected.contains(row["id"]),
        on_change=lambda checked: S.ops_toggle(row["id"], checked),
        aria_label="Seleccionar operación " + row["id"]), rx.box(width="16px"))


def op_card(S, row) -> rx.Component:
    return rx.vstack(
        rx.hstack(select_box(S, row),
                  rx.text(row["kind"], color=theme.MUTED, font_size="0.75rem"),
                  rx.spacer(), approvals_badge(row), width="100%", align="center"),
        rx.text(row["summary"], font_weight="600", font_size="0.9rem"),
        rx.hstack(rx.text(row["amount"], font_weight="700", class_name="occi-money"),
                  rx.spacer(),
                  rx.text("N.° ", row["id"], color=theme.MUTED, font_size="0.8rem"),
                  width="100%"),
        rx.text("Preparó ", row["preparer"], " el ", row["prepared_at"], " · vence ",
                row["expires_at"], color=theme.MUTED, font_size="0.8rem"),
        row_actions(S, row),
        spacing="1", width="100%", padding="0.75rem 0",
        border_bottom=f"1px solid {theme.BORDER}", class_name="occi-op-card",
        data_operation=row["id"],
    )


def outcomes(S) -> rx.Component:
    return rx.cond(S.ops_message != "", rx.callout.root(
        rx.callout.icon(rx.icon("circle-check")),
        rx.vstack(
            rx.text(S.ops_message, font_weight="600"),
            rx.foreach(S.ops_outcomes, lambda o: rx.hstack(
                rx.cond(o["ok"] != "", rx.icon("circle-check", size=14, color="#067647"),
                        rx.icon("circle-x", size=14, color="#B42318")),
                rx.text("N.° ", o["id"], ": ", o["message"], font_size="0.85rem"),
                spacing="2", align="start", class_name="occi-op-outcome")),
            rx.button("Listo", size="1", variant="soft", on_click=S.ops_dismiss),
            spacing="1", align="start"),
        color_scheme="green", width="100%", id="ops-outcome"))


def decision_dialog(S, token_id: str) -> rx.Component:
    body = rx.form(rx.vstack(
        rx.text(S.ops_dialog_ids.length(), " operación(es) seleccionada(s).",
                font_size="0.9rem"),
        rx.cond(S.ops_verb == "rechazar", rx.vstack(
            rx.el.label("Motivo del rechazo", html_for="op-reject-reason",
                        class_name="occi-label"),
            rx.text_area(id="op-reject-reason", name="reason", max_length=200, rows="2",
                         placeholder="Quien preparó la operación leerá este motivo",
                         width="100%", required=True),
            spacing="1", width="100%")),
        token_field(token_id, auto_focus=True),
        notice(S.ops_dialog_error, "red", "triangle-alert"),
        confirm_actions(S.ops_close_dialog, on_cancel=S.ops_close_dialog),
        spacing="3", width="100%"), on_submit=S.ops_confirm, reset_on_submit=True,
        width="100%")
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title(rx.cond(S.ops_verb == "autorizar", "Autorizar operaciones",
                                "Rechazar operaciones")),
        rx.dialog.description(rx.cond(
            S.ops_verb == "autorizar",
            "Al autorizar, si es la última autorización requerida, el dinero se mueve en "
            "ese momento, con el saldo y la factura verificados otra vez.",
            "La operación se cierra sin mover dinero."), size="2"),
        body, max_width="520px"), open=S.ops_verb != "", on_open_change=S.ops_dialog_changed)


def _line(line) -> rx.Component:
    return rx.hstack(
        rx.vstack(rx.text(line["label"], font_weight="600", font_size="0.88rem"),
                  rx.text(line["detail"], color=theme.MUTED, font_size="0.8rem"),
                  spacing="0"),
        rx.spacer(), rx.text(line["amount"], font_weight="600", class_name="occi-money"),
        width="100%", padding="0.4rem 0", border_bottom=f"1px solid {theme.BORDER}")


def _fact(label: str, value) -> rx.Component:
    return rx.hstack(rx.text(label, color=theme.MUTED, font_size="0.85rem", min_width="9rem"),
                     rx.text(value, font_size="0.85rem", font_weight="500"), width="100%")


def detail_dialog(S) -> rx.Component:
    d = S.ops_detail
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("Operación N.° ", d["id"]),
        rx.vstack(
            _fact("Tipo", d["kind"]), _fact("Estado", d["state"]),
            _fact("Valor", d["amount"]), _fact("Cuenta débito", d["account"]),
            _fact("Preparada por", d["preparer"]), _fact("Fecha", d["prepared_at"]),
            _fact("Vence", d["expires_at"]),
            _fact("Autorizaciones requeridas", d["required"]),
            rx.cond(d["reason"] != "", _fact("Motivo", d["reason"])),
            rx.cond(d["result"] != "", _fact("Resultado", d["result"])),
            rx.heading("Detalle", size="2", margin_top="0.5rem"),
            rx.foreach(S.ops_detail_lines, _line),
            rx.heading("Autorizaciones", size="2", margin_top="0.5rem"),
            rx.foreach(S.ops_detail_approvals, lambda a: rx.text(
                a["name"], " · ", a["at"], " · ", a["channel"], font_size="0.85rem")),
            rx.cond(S.ops_detail_approvals.length() == 0,
                    rx.text("Aún no tiene autorizaciones.", color=theme.MUTED,
                            font_size="0.85rem")),
            rx.button("Cerrar", variant="soft", on_click=S.ops_close_detail,
                      margin_top="0.5rem"),
            spacing="1", width="100%"),
        max_width="560px"), open=S.ops_detail_open, on_open_change=S.ops_detail_changed)
