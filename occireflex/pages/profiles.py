"""Administración > Usuarios > Perfiles (seed 001)."""

from __future__ import annotations

import reflex as rx

from occireflex.catalog import PERFILES
from occireflex.components import theme
from occireflex.components.badges import active_badge as _state_badge
from occireflex.components.cells import date_cell
from occireflex.components.dialogs import delete_dialog
from occireflex.components.exports import export_buttons
from occireflex.components.fields import field
from occireflex.components.grid import paged_grid
from occireflex.components.layout import portal_page
from occireflex.components.notice import notice
from occireflex.components.tabs import link_tabs
from occireflex.components.token_prompt import token_form
from occireflex.components.tree import service_tree
from occireflex.state.profiles import (
    LIST_ROUTE,
    ModuleSummary,
    ProfileFormState,
    ProfilesListState,
    ProfileViewState,
)

L, F, V = ProfilesListState, ProfileFormState, ProfileViewState


def _tabs(active: str) -> rx.Component:
    return link_tabs((("Consultar Perfil", LIST_ROUTE, "list", None),
                      ("Crear Perfil", f"{LIST_ROUTE}/crear", "create", "plus")), active)


# «Consultar Perfil» ---------------------------------------------------------------------

def _row_actions(row) -> rx.Component:
    return rx.hstack(
            rx.link(rx.icon_button(rx.icon("search", size=16), variant="ghost",
                                   aria_label="Ver perfil " + row["name"], title="Ver"),
                    href=f"{LIST_ROUTE}/ver?id=" + row["id"]),
            rx.cond(L.can_edit & (row["manageable"] == "si"), rx.link(
                rx.icon_button(rx.icon("pencil", size=16), variant="ghost",
                               aria_label="Modificar perfil " + row["name"], title="Modificar"),
                href=f"{LIST_ROUTE}/modificar?id=" + row["id"])),
            rx.cond(L.can_edit & (row["manageable"] == "si"), rx.icon_button(
                rx.icon("trash-2", size=16), variant="ghost", color_scheme="red",
                aria_label="Eliminar perfil " + row["name"], title="Eliminar",
                on_click=L.ask_delete(row["id"]))),
            spacing="1", class_name="no-print",
        )


def _row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row["name"], font_weight="500")),
        date_cell(row["updated"]),
        rx.table.cell(_state_badge(row["state"])),
        rx.table.cell(_row_actions(row)),
    )


def _card(row) -> rx.Component:
    """Phone layout: one card per profile, with its icons always in view."""
    return rx.hstack(
        rx.vstack(
            rx.text(row["name"], font_weight="600"),
            rx.hstack(rx.text(row["updated"], color=theme.MUTED, font_size="0.8rem"),
                      _state_badge(row["state"]), spacing="2", align="center"),
            spacing="1",
        ),
        rx.spacer(),
        _row_actions(row),
        width="100%", align="center", padding="0.6rem 0",
        border_bottom=f"1px solid {theme.BORDER}",
    )


@portal_page(PERFILES, on_load=[ProfilesListState.load], trail=("Consultar Perfil",))
def perfiles() -> rx.Component:
    return rx.vstack(
        _tabs("list"),
        notice(L.message, "blue", "info"),
        rx.box(
            rx.flex(
                rx.input(placeholder="Buscar por Nombre Perfil", value=L.search,
                         on_change=L.set_search, debounce_timeout=300, max_length=50,
                         width=["100%", "320px"], aria_label="Buscar perfil"),
                rx.spacer(),
                export_buttons(L),
                gap="0.75rem", wrap="wrap", width="100%", align="center",
                class_name="no-print",
            ),
            *paged_grid(L, ("Nombre Perfil", "Fecha Actualización", "Estado",
                            rx.table.column_header_cell("", class_name="no-print")),
                        _row, _card, "perfiles"),
            style=theme.CARD,
        ),
        delete_dialog("Eliminar perfil", ("¿Está seguro de eliminar el perfil «", L.delete_name,
                                          "»? Esta acción no se puede deshacer."),
                      open=L.delete_id != 0, on_cancel=L.cancel_delete,
                      on_confirm=L.confirm_delete),
        spacing="4", width="100%",
    )


# «Crear Perfil» / «Modificar» ----------------------------------------------------------

def _profile_data() -> rx.Component:
    return rx.vstack(
        rx.heading("Datos del perfil", size="4", color=theme.BRAND_DARK),
        rx.grid(
            field("Nombre Perfil", rx.input(id="nombre", value=F.name, on_change=F.set_name,
                                            max_length=50, placeholder="Nombre del perfil",
                                            width="100%"), "nombre"),
            field("Descripción", rx.input(id="descripcion", value=F.description,
                                          on_change=F.set_description, max_length=200,
                                          placeholder="Descripción", width="100%"),
                  "descripcion"),
            rx.vstack(
                rx.text("Estado", class_name="occi-label"),
                rx.radio(["Activo", "Inactivo"], value=rx.cond(F.active, "Activo", "Inactivo"),
                         on_change=F.set_active, direction="row", aria_label="Estado"),
                spacing="1",
            ),
            columns=rx.breakpoints(initial="1", md="3"), spacing="4", width="100%",
        ),
        spacing="3", width="100%", style=theme.CARD,
    )


def _error() -> rx.Component:
    return rx.cond(F.error != "", rx.callout(
        rx.vstack(
            rx.text(F.error),
            rx.cond(F.conflict, rx.button("Recargar perfil", on_click=F.reload, size="1",
                                          color_scheme="red", variant="soft")),
            spacing="2", align="start"),
        icon="triangle-alert", color_scheme="red", role="alert", width="100%"))


def _form_stage() -> rx.Component:
    return rx.vstack(
        _profile_data(),
        rx.box(service_tree(), style=theme.CARD),
        _error(),
        rx.hstack(
            rx.link(rx.button("Cancelar", variant="soft", color_scheme="gray"), href=LIST_ROUTE),
            rx.button("Continuar", on_click=F.continue_to_confirm, size="3"),
            spacing="3", justify="end", width="100%",
        ),
        spacing="4", width="100%",
    )


_CHIP_COLORS = {"added": "green", "removed": "red", "kept": "gray"}


def _chip(chip) -> rx.Component:
    return rx.badge(
        rx.match(chip.status, ("added", "+ "), ("removed", "− "), ""), chip.label,
        color_scheme=rx.match(chip.status, ("added", "green"), ("removed", "red"), "gray"),
        variant=rx.cond(chip.status == "kept", "outline", "soft"),
        text_decoration=rx.cond(chip.status == "removed", "line-through", "none"),
        class_name="occi-chip-" + chip.status,
    )


def summary_modules(modules) -> rx.Component:
    return rx.vstack(
        rx.foreach(modules, lambda m: rx.box(
            rx.text(m.name, font_weight="700", color=theme.BRAND, margin_bottom="0.25rem"),
            rx.grid(
                rx.foreach(m.services, lambda s: rx.box(
                    rx.text(s.label, font_weight="600", font_size="0.9rem"),
                    rx.flex(rx.foreach(s.actions, _chip), wrap="wrap", gap="0.3rem",
                            padding_top="0.25rem"),
                    padding="0.4rem 0 0.4rem 0.75rem",
                    border_left=rx.match(s.status, ("added", "3px solid #12B76A"),
                                         ("removed", "3px solid #F04438"),
                                         ("changed", f"3px solid {theme.ACCENT}"),
                                         f"3px solid {theme.BORDER}"),
                )),
                columns=rx.breakpoints(initial="1", md="2"), gap="0.25rem 1.5rem",
            ),
            width="100%",
        )),
        rx.cond(modules.length() == 0,
                rx.text("El perfil no tendrá ninguna funcionalidad.", color=theme.MUTED)),
        spacing="3", width="100%",
    )


def _confirm_stage() -> rx.Component:
    return rx.vstack(
        rx.box(
            rx.heading("Confirmación", size="4", color=theme.BRAND_DARK),
            rx.text("Estas son todas las funcionalidades que tendrá el perfil «", F.name, "».",
                    color=theme.MUTED),
            rx.hstack(
                rx.badge("+ ", F.added_count, " agregadas", color_scheme="green", size="2"),
                rx.badge("− ", F.removed_count, " retiradas", color_scheme="red", size="2"),
                rx.badge(F.users_count, " usuario(s) con este perfil", color_scheme="blue",
                         size="2"),
                spacing="2", wrap="wrap", margin_y="0.75rem",
            ),
            rx.foreach(F.confirm_changes, lambda c: rx.text(
                c["field"], ": ", rx.text.span(c["old"], text_decoration="line-through",
                                               color="#B42318"),
                " → ", rx.text.span(c["new"], color="#067647", font_weight="600"),
                font_size="0.9rem")),
            summary_modules(F.confirm_modules),
            style=theme.CARD,
        ),
        _error(),
        token_form("token-perfil", F.confirm, F.back_to_form, cancel_href=LIST_ROUTE,
                   style=theme.CARD),
        spacing="4", width="100%",
    )


def _editor(tab: str) -> rx.Component:
    return rx.vstack(
        _tabs(tab),
        rx.cond(F.stage == "confirm", _confirm_stage(), _form_stage()),
        spacing="4", width="100%",
    )


@portal_page(PERFILES, on_load=[ProfileFormState.load_new], path="crear",
             trail=("Crear Perfil",))
def perfiles_crear() -> rx.Component:
    return _editor("create")


@portal_page(PERFILES, on_load=[ProfileFormState.load_existing], path="modificar",
             trail=("Modificar",))
def perfiles_modificar() -> rx.Component:
    return rx.cond(
        F.profile_id == 0,
        rx.vstack(_tabs("edit"), _error(), spacing="4", width="100%"),
        rx.cond(F.reach_problem != "", _out_of_reach(), _editor("edit")),
    )


def _out_of_reach() -> rx.Component:
    """A manager opened a profile beyond their own grants: they may only look at it."""
    return rx.vstack(
        _tabs("edit"),
        rx.callout(
            rx.vstack(
                rx.text("No puede modificar el perfil «", F.name, "».", font_weight="600"),
                rx.text(F.reach_problem),
                rx.link(rx.button(rx.icon("search", size=16), "Ver perfil", variant="soft",
                                  size="2"),
                        href=f"{LIST_ROUTE}/ver?id=" + F.profile_id.to_string()),
                spacing="2", align="start"),
            icon="shield-alert", color_scheme="amber", role="alert", width="100%"),
        spacing="4", width="100%",
    )


# 🔍 Ver perfil --------------------------------------------------------------------------

@portal_page(PERFILES, on_load=[ProfileViewState.load], path="ver", trail=("Ver Perfil",))
def perfiles_ver() -> rx.Component:
    return rx.vstack(
        _tabs("view"),
        notice(V.error),
        notice(V.message, "green", "check"),
        rx.cond(V.profile_id != 0, rx.vstack(
            rx.box(
                rx.hstack(
                    rx.heading(V.name, size="5", color=theme.BRAND_DARK),
                    rx.badge(V.state, color_scheme=rx.cond(V.state == "Activo", "green", "gray")),
                    rx.spacer(),
                    rx.cond(V.can_modify, rx.link(
                        rx.button(rx.icon("pencil", size=16), "Modificar", variant="soft"),
                        href=f"{LIST_ROUTE}/modificar?id=" + V.profile_id.to_string())),
                    align="center", width="100%",
                ),
                rx.text(V.description, color=theme.MUTED),
                rx.text("Fecha Actualización: ", V.updated, font_size="0.85rem"),
                rx.cond(~V.can_modify, rx.text(
                    "Solo consulta: este perfil tiene acciones fuera de las de su propio perfil "
                    "(o es el suyo), así que no puede modificarlo ni asignarlo.",
                    font_size="0.85rem", color=theme.MUTED, margin_top="0.25rem")),
                style=theme.CARD,
            ),
            rx.box(
                rx.heading("Usuarios con este perfil", size="4", color=theme.BRAND_DARK,
                           margin_bottom="0.5rem"),
                rx.foreach(V.holders, lambda u: rx.hstack(
                    rx.text(u["username"], font_weight="600"), rx.text(u["name"],
                                                                      color=theme.MUTED),
                    rx.spacer(),
                    rx.cond(V.can_modify, rx.button(
                        "Quitar perfil", size="1", variant="ghost", color_scheme="red",
                        on_click=V.unassign(u["id"]))),
                    width="100%", align="center", padding_y="0.25rem",
                )),
                rx.cond(V.holders.length() == 0,
                        rx.text("Ningún usuario tiene este perfil.", color=theme.MUTED)),
                rx.cond(V.can_modify, rx.flex(
                    rx.select.root(
                        rx.select.trigger(placeholder="Seleccione un usuario secundario",
                                          aria_label="Usuario a asignar"),
                        rx.select.content(rx.foreach(V.candidates, lambda c: rx.select.item(
                            c["label"], value=c["id"]))),
                        value=V.pick, on_change=V.set_pick,
                    ),
                    rx.button("Asignar perfil", on_click=V.assign),
                    gap="0.5rem", wrap="wrap", margin_top="0.75rem", align="center",
                )),
                style=theme.CARD,
            ),
            rx.box(
                rx.heading("Funcionalidades", size="4", color=theme.BRAND_DARK,
                           margin_bottom="0.5rem"),
                summary_modules(V.modules),
                style=theme.CARD,
            ),
            spacing="4", width="100%",
        )),
        spacing="4", width="100%",
    )


__all__ = ["ModuleSummary", "perfiles", "perfiles_crear", "perfiles_modificar", "perfiles_ver"]
