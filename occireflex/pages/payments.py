"""Transacciones / Pagos / Servicios Públicos y Privados (seed 000)."""

from __future__ import annotations

import reflex as rx

from occireflex import catalog
from occireflex.components import theme
from occireflex.components.badges import match_badge
from occireflex.components.barcode_dialog import barcode_buttons, barcode_dialog
from occireflex.components.bulk_upload import bulk_upload_tab
from occireflex.components.cells import date_cell, money_cell
from occireflex.components.dialogs import delete_dialog
from occireflex.components.fields import field as _field
from occireflex.components.grid import card_list, paged_grid, wide_table
from occireflex.components.layout import portal_page
from occireflex.components.notice import notice
from occireflex.components.token_prompt import confirm_actions, token_field, token_form
from occireflex.domain.payments.inscriptions import STATES
from occireflex.state.payments import TAB_ADMIN, TAB_BULK, TAB_GRID, PaymentsState
from occireflex.state.payments.barcode import INSCRIBIR, PAGAR

P = PaymentsState

_STATE_COLORS = (("Pendiente", "amber"), ("Vencida", "red"), ("Pagada", "green"), "gray")


def _tabs() -> rx.Component:
    def tab(label: str, key: str) -> rx.Component:
        active = P.tab == key
        return rx.button(
            label, on_click=P.set_tab(key), variant="ghost", size="3", radius="none",
            color=rx.cond(active, theme.BRAND, theme.MUTED),
            font_weight=rx.cond(active, "700", "500"),
            border_bottom=rx.cond(active, f"3px solid {theme.ACCENT}", "3px solid transparent"),
            aria_pressed=rx.cond(active, "true", "false"), white_space="nowrap",
            flex_shrink="0",
        )

    return rx.hstack(  # one line that scrolls sideways on a phone, never two rows
        tab("Administración de Pagos de Servicios", TAB_ADMIN), tab("Inscripciones", TAB_GRID),
        tab("Carga Programación Automática", TAB_BULK),
        spacing="2", border_bottom=f"1px solid {theme.BORDER}", width="100%", wrap="nowrap",
        overflow_x="auto", class_name="occi-tabs",
    )


def _messages() -> rx.Component:
    return rx.fragment(
        notice(P.message, "green", "check"),
        rx.cond((P.error != "") & ~P.form_open,
                rx.callout(P.error, icon="triangle-alert", color_scheme="red", width="100%",
                           role="alert")),
    )


def _account_select(value, on_change, label: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(placeholder="Seleccione la cuenta", aria_label=label, width="100%"),
        rx.select.content(rx.foreach(P.accounts, lambda a: rx.select.item(a["label"],
                                                                           value=a["id"]))),
        value=value, on_change=on_change,
    )


# «Administración de Pagos de Servicios» ---------------------------------------------------

def _inscribe_form() -> rx.Component:
    return rx.form(rx.vstack(
        rx.heading("Inscribir nuevo servicio", size="4", color=theme.BRAND_DARK),
        rx.text("Seleccione el convenio y diligencie la información de la factura a inscribir.",
                color=theme.MUTED),
        rx.grid(
            _field("Buscar convenio", rx.input(
                id="buscar-convenio", value=P.biller_search, on_change=P.set_biller_search,
                placeholder="Nombre o código del convenio", debounce_timeout=200,
                width="100%"), "buscar-convenio"),
            _field("Convenio", rx.select.root(
                rx.select.trigger(placeholder="Seleccione el convenio", aria_label="Convenio",
                                  width="100%"),
                rx.select.content(rx.foreach(P.visible_billers, lambda b: rx.select.item(
                    b["label"] + " (" + b["category"] + ")", value=b["id"]))),
                value=P.biller_id, on_change=P.set_biller_id)),
            _field(P.reference_label, rx.vstack(
                rx.input(id="referencia", name="referencia", placeholder="Referencia de pago",
                         width="100%", max_length=30, aria_label="Referencia de pago"),
                rx.text(P.reference_hint, color=theme.MUTED, font_size="0.75rem"),
                spacing="1", width="100%"), "referencia"),
            _field("Alias", rx.input(id="alias", name="alias", max_length=60, width="100%",
                                     placeholder="Ej.: Energía sede principal"), "alias"),
            _field("Cuenta débito predeterminada",
                   _account_select(P.account_id, P.set_account_id,
                                   "Cuenta débito predeterminada")),
            columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%",
        ),
        notice(P.error),
        rx.hstack(
            rx.button("Cancelar", type="button", on_click=P.close_form, variant="soft",
                      color_scheme="gray"),
            rx.button("Inscribir", type="submit"),
            spacing="3", justify="end", width="100%",
        ),
        spacing="3", width="100%"), on_submit=P.inscribe, reset_on_submit=False,
        style=theme.CARD)


def _admin_tab() -> rx.Component:
    return rx.cond(
        P.form_open,
        _inscribe_form(),
        rx.vstack(
            rx.text("Inscriba las facturas de servicios públicos y privados que su empresa paga. "
                    "Después podrá verificarlas y pagarlas desde «Inscripciones» cada vez que "
                    "se cumpla el ciclo de facturación, o programar su pago automático.",
                    color=theme.MUTED),
            rx.flex(
                rx.button(rx.icon("plus", size=16), "Inscribir nuevo servicio",
                          on_click=P.open_form, size="3"),
                barcode_buttons(INSCRIBIR), gap="0.75rem", wrap="wrap"),
            spacing="3", align="start", style=theme.CARD,
        ),
    )


# «Inscripciones» ------------------------------------------------------------------------

def _state_badge(state) -> rx.Component:
    return match_badge(state, _STATE_COLORS)


def _row_actions(row) -> rx.Component:
    return rx.hstack(
        rx.icon_button(rx.icon("pencil", size=16), variant="ghost", title="Modificar",
                       aria_label="Modificar " + row["reference"], on_click=P.open_edit(row["id"])),
        rx.icon_button(rx.icon("trash-2", size=16), variant="ghost", color_scheme="red",
                       title="Eliminar", aria_label="Eliminar " + row["reference"],
                       on_click=P.ask_delete(row["id"])),
        rx.icon_button(rx.icon("circle-dollar-sign", size=16), variant="ghost",
                       color_scheme="green", title="Pagar", aria_label="Pagar " + row["reference"],
                       on_click=P.pay_one(row["id"]), disabled=row["payable"] == ""),
        rx.icon_button(rx.icon("calendar-clock", size=16), variant="ghost",
                       title="Programación automática",
                       aria_label="Programación automática " + row["reference"],
                       on_click=P.open_program(row["id"])),
        spacing="1",
    )


def _select_box(row) -> rx.Component:
    return rx.el.input(
        type="checkbox", checked=P.selected.contains(row["id"]),
        on_change=lambda _v: P.toggle_selected(row["id"]), disabled=row["payable"] == "",
        aria_label="Seleccionar " + row["reference"], class_name="occi-action-box",
    )


def _grid_row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(_select_box(row)),
        rx.table.cell(rx.text(row["biller"], font_weight="500", font_size="0.88rem")),
        rx.table.cell(rx.text(row["reference"], font_family="monospace")),
        rx.table.cell(row["alias"]),
        money_cell(row["amount"]),
        date_cell(row["due"]),
        rx.table.cell(_state_badge(row["state"])),
        rx.table.cell(rx.cond(row["programmed"] != "",
                              rx.tooltip(rx.badge("Programada", color_scheme="blue"),
                                         content=row["programmed"]),
                              rx.text("—", color=theme.MUTED))),
        rx.table.cell(_row_actions(row)),
    )


def _card(row) -> rx.Component:
    return rx.vstack(
        rx.hstack(_select_box(row), rx.text(row["biller"], font_weight="600"), rx.spacer(),
                  _state_badge(row["state"]), width="100%", align="center"),
        rx.text("Ref. ", rx.text.span(row["reference"], font_family="monospace"), " · ",
                row["alias"], color=theme.MUTED, font_size="0.85rem"),
        rx.cond(row["programmed"] != "", rx.hstack(
            rx.badge(rx.icon("calendar-clock", size=12), "Programada", color_scheme="blue"),
            rx.text(row["programmed"], color=theme.MUTED, font_size="0.8rem"),
            spacing="2", align="center", wrap="wrap", class_name="occi-card-programmed")),
        rx.hstack(rx.text(row["amount"], font_weight="700"),
                  rx.text("vence ", row["due"], color=theme.MUTED, font_size="0.85rem"),
                  rx.spacer(), _row_actions(row), width="100%", align="center"),
        spacing="1", width="100%", padding="0.6rem 0", border_bottom=f"1px solid {theme.BORDER}",
    )


def _filters() -> rx.Component:
    return rx.flex(
        rx.select.root(
            rx.select.trigger(placeholder="Convenio: todos", aria_label="Filtrar por convenio"),
            rx.select.content(
                rx.select.item("Todos los convenios", value="todos"),
                rx.foreach(P.biller_options, lambda b: rx.select.item(b["label"],
                                                                      value=b["id"]))),
            value=P.filter_biller, on_change=P.set_filter_biller),
        rx.input(placeholder="Referencia", value=P.filter_reference,
                 on_change=P.set_filter_reference, debounce_timeout=300, max_length=30,
                 aria_label="Filtrar por referencia", width=["100%", "180px"]),
        rx.select(["Todos", *STATES], value=rx.cond(P.filter_state == "", "Todos",
                                                    P.filter_state),
                  on_change=P.set_filter_state, custom_attrs={"aria-label": "Filtrar por estado"}),
        rx.spacer(),
        barcode_buttons(PAGAR),
        rx.button(rx.icon("circle-dollar-sign", size=16), "Pagar seleccionadas (",
                  P.selected.length(), ")", on_click=P.pay_selected,
                  disabled=P.selected.length() == 0),
        gap="0.5rem", wrap="wrap", width="100%", align="center",
    )


def _grid_tab() -> rx.Component:
    return rx.vstack(
        _filters(),
        *paged_grid(P, ("", "Convenio", "Referencia", "Alias", "Valor factura", "Vence",
                        "Estado", "Programación", "Acciones"),
                    _grid_row, _card, "inscripciones", dense=True),
        spacing="3", width="100%", style=theme.CARD,
    )


# Pagar ----------------------------------------------------------------------------------

def _pay_panel() -> rx.Component:
    return rx.vstack(
        rx.heading("Pagar facturas", size="4", color=theme.BRAND_DARK),
        wide_table(P.pay_lines, lambda line, i: rx.table.row(
            rx.table.cell(line["biller"]), rx.table.cell(line["reference"]),
            rx.table.cell(line["alias"]), rx.table.cell(line["due"]),
            rx.table.cell(_state_badge(line["state"])),
            money_cell(line["amount"]), rx.table.cell(_funds_flag(line, i)),
            class_name=rx.cond(line["covered"] == "", "occi-pay-short", "")),
            ("Convenio", "Referencia", "Alias", "Vence", "Estado", "Valor", ""), size="1",
            width="100%"),
        card_list(P.pay_lines, _pay_line_card),
        rx.grid(
            _field("Cuenta débito", _account_select(P.pay_account, P.set_pay_account,
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
                  _state_badge(line["state"]), width="100%", align="center"),
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


def _result_panel() -> rx.Component:
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


# Dialogs --------------------------------------------------------------------------------

def _edit_dialog() -> rx.Component:
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("Modificar inscripción"),
        rx.form(rx.vstack(
            _field("Alias", rx.input(id="alias-editar", name="alias", default_value=P.edit_alias,
                                     max_length=60, width="100%"), "alias-editar"),
            _field("Cuenta débito predeterminada",
                   _account_select(P.edit_account, P.set_edit_account, "Cuenta débito")),
            rx.cond(P.error != "", rx.text(P.error, color="#B42318")),
            rx.hstack(rx.button("Cancelar", type="button", on_click=P.close_dialogs,
                                variant="soft", color_scheme="gray"),
                      rx.button("Guardar", type="submit"), justify="end", width="100%"),
            spacing="3"), on_submit=P.save_edit),
    ), open=P.edit_id != 0)


def _delete_dialog() -> rx.Component:
    return delete_dialog(
        "Eliminar inscripción",
        ("¿Está seguro de eliminar la inscripción ", P.delete_label,
         "? Su programación automática también se cancelará."),
        open=P.delete_id != 0, on_cancel=P.close_dialogs, on_confirm=P.confirm_delete)


def _program_dialog() -> rx.Component:
    def field_input(label: str, field: str, value, **props) -> rx.Component:
        return _field(label, rx.input(id=field, name=field, default_value=value, width="100%",
                                      **props), field)

    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("Programación automática"),
        rx.dialog.description(P.program_label, color=theme.MUTED),
        rx.form(
            rx.vstack(
                _field("Cuenta débito", _account_select(
                    P.program_account, lambda v: P.set_program_field("program_account", v),
                    "Cuenta débito de la programación")),
                _field("Fecha de pago", rx.radio(
                    ["vencimiento", "antes"], value=P.program_mode,
                    on_change=lambda v: P.set_program_field("program_mode", v),
                    direction="column")),
                rx.text("«vencimiento»: el día del vencimiento · «antes»: N días antes. Si el día "
                        "no es hábil en Colombia se paga el día hábil anterior.",
                        font_size="0.75rem", color=theme.MUTED),
                rx.cond(P.program_mode == "antes",
                        field_input("Días antes del vencimiento (1 a 10)", "program_days",
                                    P.program_days, input_mode="numeric", max_length=2)),
                field_input("Monto máximo (pesos)", "program_max", P.program_max,
                            placeholder="Ej.: 1.500.000", input_mode="decimal"),
                rx.grid(
                    field_input("Fecha de inicio", "program_start", P.program_start,
                                type="date"),
                    field_input("Fecha final (opcional)", "program_end", P.program_end,
                                type="date"),
                    columns="2", spacing="3", width="100%"),
                token_field("token-programacion", width="200px", letter_spacing=None),
                rx.cond(P.program_error != "", rx.callout(P.program_error, icon="triangle-alert",
                                                          color_scheme="red", role="alert")),
                rx.flex(
                    rx.cond(P.program_exists, rx.button(
                        "Cancelar programación", type="button", color_scheme="red",
                        variant="soft", on_click=P.cancel_program)),
                    rx.spacer(),
                    rx.button("Cerrar", type="button", variant="soft", color_scheme="gray",
                              on_click=P.close_dialogs),
                    rx.button(rx.icon("check", size=16), "Aceptar y Confirmar", type="submit"),
                    gap="0.5rem", wrap="wrap", width="100%"),
                spacing="2", width="100%"),
            on_submit=P.save_program, reset_on_submit=True),
        max_width="520px",
    ), open=P.program_id != 0)


@portal_page(catalog.SERVICIOS_PUBLICOS, on_load=[PaymentsState.load])
def servicios_publicos() -> rx.Component:
    return rx.vstack(
        _messages(),
        rx.match(
            P.stage,
            ("pay", _pay_panel()),
            ("result", _result_panel()),
            rx.vstack(
                _tabs(),
                rx.match(P.tab, (TAB_ADMIN, _admin_tab()), (TAB_BULK, bulk_upload_tab()),
                         _grid_tab()),
                spacing="4", width="100%"),
        ),
        _edit_dialog(), _delete_dialog(), _program_dialog(), barcode_dialog(),
        spacing="4", width="100%",
    )
