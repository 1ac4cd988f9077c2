"""«Pagar facturas» of Servicios Públicos y Privados: the bills with the funds each one
needs, the debit account and its balances, the notices (authorizations, overdue bills,
funds), the token, and the result (paid, or sent to authorization)."""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme
from occireflex.components.badges import match_badge
from occireflex.components.cells import money_cell
from occireflex.components.fields import field as _field
from occireflex.components.grid import card_list, wide_table
from occireflex.components.notice import notice
from occireflex.components.token_prompt import confirm_actions, token_form
from occireflex.domain.payments import billers
from occireflex.state.payments import PaymentsState as P

_STATE_COLORS = ((billers.SHOWN_DUE, "amber"), (billers.SHOWN_OVERDUE, "red"),
                 (billers.SHOWN_PAID, "green"), "gray")


def bill_state_badge(state) -> rx.Component:
    return match_badge(state, _STATE_COLORS)


def account_select(value, on_change, label: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(placeholder="Seleccione la cuenta", aria_label=label, width="100%"),
        rx.select.content(rx.foreach(P.accounts, lambda a: rx.select.item(a["label"],
                                                                           value=a["id"]))),
        value=value, on_change=on_change,
    )


def pay_panel() -> rx.Component:
    return rx.vstack(
        rx.heading("Pagar facturas", size="4", color=theme.BRAND_DARK),
        wide_table(P.pay_lines, lambda line, i: rx.table.row(
            rx.table.cell(line["biller"]), rx.table.cell(line["reference"]),
            rx.table.cell(line["alias"]), rx.table.cell(line["due"]),
            rx.table.cell(bill_state_badge(line["state"])),
            money_cell(line["amount"]), rx.table.cell(_funds_flag(line, i)),
            class_name=rx.cond(line["covered"] == "", "occi-pay-short", "")),
            ("Convenio", "Referencia", "Alias", "Vence", "Estado", "Valor", ""), size="1",
            width="100%"),
        card_list(P.pay_lines, _pay_line_card),
        rx.grid(
            _field("Cuenta débito", account_select(P.pay_account, P.set_pay_account,
                                                    "Cuenta débito")),
            rx.vstack(
                rx.hstack(rx.text("Total a pagar"), rx.spacer(),
                          rx.text(P.pay_total, font_weight="700", class_name="occi-money"),
                          width="100%"),
                rx.hstack(rx.text("Saldo disponible", color=theme.MUTED), rx.spacer(),
                          rx.text(P.pay_available, class_name="occi-money"), width="100%"),
                rx.hstack(rx.text("Saldo después del pago", color=theme.MUTED), rx.spacer(),
                          rx.text(P.pay_after, class_name="occi-money", font_weight="600"),
                          width="100%"),
                spacing="1", width="100%", padding="0.75rem", border_radius="8px",
                background=theme.PAGE_BG),
            columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%"),
        _pay_callout(P.pay_required > 0, "shield-check", "blue", "pay-needs-authorization",
                     "Este pago requiere ", P.pay_required, " autorización(es) de otro "
                     "usuario: al confirmarlo quedará «Pendiente por autorizar» y el dinero se "
                     "debitará cuando llegue la última autorización."),
        _pay_callout(P.pay_overdue > 0, "calendar-x", "amber", "pay-overdue",
                     P.pay_overdue, " de las facturas ya venció (estado «Vencida»): el "
                     "convenio puede cobrar intereses de mora o haber suspendido el servicio. "
                     "Verifique el valor con el convenio antes de pagar."),
        _pay_callout(P.pay_short > 0, "wallet", "red", "pay-insufficient",
                     "La cuenta débito no cubre ", P.pay_short, " de las facturas (señaladas): "
                     "quítelas del pago o elija otra cuenta. Saldo disponible ",
                     P.pay_available, "; total seleccionado ", P.pay_total, ".", role="alert"),
        notice(P.pay_error),
        rx.cond(
            P.pay_short > 0,
            rx.hstack(
                rx.button("Volver", on_click=P.back_to_grid, variant="soft", color_scheme="gray",
                          size="3"),
                rx.button("Aceptar y Confirmar", disabled=True, size="3",
                          id="pay-confirm-disabled"),
                justify="end", width="100%", spacing="2"),
            rx.cond(
            P.pay_needs_token,
            token_form("token-pago", P.confirm_payment, P.back_to_grid,
                       on_cancel=P.back_to_grid, width="100%"),
            rx.form(rx.vstack(
                rx.text("Su empresa permite este monto sin volver a pedir el token.",
                        color=theme.MUTED, font_size="0.9rem"),
                confirm_actions(P.back_to_grid, on_cancel=P.back_to_grid, size="3"),
                spacing="2", width="100%"), on_submit=P.confirm_payment, width="100%"))),
        spacing="4", width="100%", style=theme.CARD,
    )


def _pay_callout(when, icon: str, color: str, html_id: str, *text, **props) -> rx.Component:
    """A notice of the payment panel, shown while ``when`` holds."""
    return rx.cond(when, rx.callout.root(
        rx.callout.icon(rx.icon(icon)), rx.callout.text(*text),
        color_scheme=color, id=html_id, width="100%", **props))


def _pay_line_card(line, index) -> rx.Component:
    """A bill of the payment on a phone."""
    return rx.vstack(
        rx.hstack(rx.text(line["biller"], font_weight="600"), rx.spacer(),
                  bill_state_badge(line["state"]), width="100%", align="center"),
        rx.text("Ref. ", rx.text.span(line["reference"], font_family="monospace"), " · ",
                line["alias"], " · vence ", line["due"], color=theme.MUTED,
                font_size="0.85rem"),
        rx.hstack(rx.text(line["amount"], font_weight="700", class_name="occi-money"),
                  rx.spacer(), _funds_flag(line, index), width="100%", align="center"),
        spacing="1", width="100%", padding="0.6rem 0", border_bottom=f"1px solid {theme.BORDER}",
        class_name=rx.cond(line["covered"] == "", "occi-pay-short-card", ""))


def _funds_flag(line, index) -> rx.Component:
    """A bill the chosen account cannot cover: flagged, with «Quitar»."""
    return rx.cond(line["covered"] == "", rx.hstack(
        rx.badge("Fondos insuficientes", color_scheme="red"),
        rx.button(rx.icon("x", size=14), "Quitar", size="1", variant="soft", color_scheme="red",
                  on_click=P.remove_pay_line(index),
                  aria_label="Quitar del pago ref. " + line["reference"]),
        spacing="2", align="center", wrap="wrap"))


def _pending_result() -> rx.Component:
    return rx.vstack(
        rx.heading("Pago enviado a autorización", size="4", color=theme.BRAND_DARK),
        rx.callout(P.pending_text, icon="hourglass", color_scheme="amber", width="100%",
                   id="pay-pending"),
        rx.foreach(P.results, lambda r: rx.hstack(
            rx.icon("clock", color="#B54708"),
            rx.text(r["biller"], " · ref. ", r["reference"], " · ", r["amount"],
                    font_weight="600"),
            rx.spacer(), rx.badge("Pendiente por autorizar", color_scheme="amber"),
            width="100%", padding="0.5rem 0", border_bottom=f"1px solid {theme.BORDER}",
            class_name="occi-pay-pending", wrap="wrap")),
        rx.button("Volver a Inscripciones", on_click=P.back_to_grid),
        spacing="3", width="100%", style=theme.CARD,
    )


def result_panel() -> rx.Component:
    return rx.cond(P.pending_text != "", _pending_result(), rx.vstack(
        rx.heading("Resultado del pago", size="4", color=theme.BRAND_DARK),
        rx.hstack(rx.badge(P.results_ok, " exitosa(s)", color_scheme="green", size="2"),
                  rx.badge(P.results_failed, " fallida(s)", color_scheme="red", size="2"),
                  spacing="2"),
        rx.foreach(P.results, lambda r: rx.hstack(
            rx.cond(r["ok"] != "", rx.icon("circle-check", color="#12B76A"),
                    rx.icon("circle-x", color="#F04438")),
            rx.vstack(
                rx.text(r["biller"], " · ref. ", r["reference"], " · ", r["amount"],
                        font_weight="600"),
                rx.cond(r["ok"] != "",
                        rx.text("Comprobante ", rx.text.span(r["receipt"], font_family="monospace",
                                                             font_weight="700"),
                                color="#067647"),
                        rx.text(r["reason"], color="#B42318")),
                spacing="0"),
            width="100%", padding="0.5rem 0", border_bottom=f"1px solid {theme.BORDER}",
            class_name=rx.cond(r["ok"] != "", "occi-pay-ok", "occi-pay-failed"))),
        rx.button("Volver a Inscripciones", on_click=P.back_to_grid),
        spacing="3", width="100%", style=theme.CARD,
    ))
