"""Transacciones / Pagos / Servicios Públicos y Privados (seed 000)."""

from __future__ import annotations

import reflex as rx

from occireflex import catalog
from occireflex.components import theme
from occireflex.components.barcode_dialog import barcode_buttons, barcode_dialog
from occireflex.components.bulk_upload import bulk_upload_tab
from occireflex.components.cells import date_cell, money_cell
from occireflex.components.dialogs import delete_dialog
from occireflex.components.fields import field as _field
from occireflex.components.grid import paged_grid
from occireflex.components.layout import portal_page
from occireflex.components.notice import notice
from occireflex.components.pay_panel import account_select, bill_state_badge, pay_panel, result_panel
from occireflex.components.token_prompt import token_field
from occireflex.domain.payments.inscriptions import STATES
from occireflex.state.payments import TAB_ADMIN, TAB_BULK, TAB_GRID, PaymentsState
from occireflex.state.payments.barcode import INSCRIBIR, PAGAR

P = PaymentsState

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
                   account_select(P.account_id, P.set_account_id,
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
        rx.table.cell(bill_state_badge(row["state"])),
        rx.table.cell(rx.cond(row["programmed"] != "",
                              rx.tooltip(rx.badge("Programada", color_scheme="blue"),
                                         content=row["programmed"]),
                              rx.text("—", color=theme.MUTED))),
        rx.table.cell(_row_actions(row)),
    )


def _card(row) -> rx.Component:
    return rx.vstack(
        rx.hstack(_select_box(row), rx.text(row["biller"], font_weight="600"), rx.spacer(),
                  bill_state_badge(row["state"]), width="100%", align="center"),
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


# Dialogs --------------------------------------------------------------------------------

def _edit_dialog() -> rx.Component:
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("Modificar inscripción"),
        rx.form(rx.vstack(
            _field("Alias", rx.input(id="alias-editar", name="alias", default_value=P.edit_alias,
                                     max_length=60, width="100%"), "alias-editar"),
            _field("Cuenta débito predeterminada",
                   account_select(P.edit_account, P.set_edit_account, "Cuenta débito")),
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
                _field("Cuenta débito", account_select(
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
            ("pay", pay_panel()),
            ("result", result_panel()),
            rx.vstack(
                _tabs(),
                rx.match(P.tab, (TAB_ADMIN, _admin_tab()), (TAB_BULK, bulk_upload_tab()),
                         _grid_tab()),
                spacing="4", width="100%"),
        ),
        _edit_dialog(), _delete_dialog(), _program_dialog(), barcode_dialog(),
        spacing="4", width="100%",
    )
