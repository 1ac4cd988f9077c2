"""«Asignación de acciones por servicios»: the collapsible service tree of seed 001.

Rendered once from the catalog; each checkbox reads ``selected`` (a list of grant ids), so
a toggle only changes that list and two small derived lists.
"""

from __future__ import annotations

import reflex as rx

from occireflex import catalog
from occireflex.components import theme
from occireflex.state.profiles import ProfileFormState
from occireflex.state.profiles.summary import MODULE_SERVICES

S = ProfileFormState


def _mark_checkbox(mark, on_change, label: str) -> rx.Component:
    """A select-all with partial state (0 none, 1 some, 2 all)."""
    return rx.checkbox(
        checked=rx.match(mark, (2, True), (1, "indeterminate"), False),
        on_change=on_change, aria_label=label, size="2",
    )


def _action_box(service: catalog.Service, action: str) -> rx.Component:
    gid = catalog.GRANT_ID[(service.code, action)]
    return rx.el.label(
        rx.el.input(
            type="checkbox", checked=S.selected.contains(gid),
            on_change=lambda _value: S.toggle(gid), class_name="occi-action-box",
            data_gid=str(gid),
        ),
        catalog.ACTION_LABELS[action],
        class_name="occi-action",
    )


def _service_block(index: int, service: catalog.Service) -> rx.Component:
    return rx.cond(
        ~S.hidden_services.contains(index),
        rx.box(
            rx.hstack(
                _mark_checkbox(S.service_marks[index], lambda _v: S.toggle_service(index),
                               f"Seleccionar todas las acciones de {service.label}"),
                rx.text(service.label, font_weight="600", font_size="0.92rem"),
                rx.badge("próximamente", color_scheme="gray", variant="soft", size="1")
                if not service.built else rx.fragment(),
                rx.badge("solo administrador", color_scheme="amber", variant="soft", size="1",
                         title="Solo el usuario administrador lo usa, aunque el perfil lo "
                               "otorgue") if service.admin_only else rx.fragment(),
                align="center", spacing="2",
            ),
            rx.flex(*[_action_box(service, a) for a in service.actions],
                    wrap="wrap", gap="0.35rem 1.1rem", padding_left="1.75rem",
                    padding_top="0.4rem"),
            padding="0.6rem 0.25rem", border_bottom=f"1px solid {theme.BORDER}",
            class_name="occi-service", data_service=service.code,
        ),
    )


def _module_section(module: catalog.Module) -> rx.Component:
    indexes = MODULE_SERVICES[module.code]
    is_open = S.expanded.contains(module.code)
    header = rx.hstack(
        _mark_checkbox(S.module_marks[module.code], lambda _v: S.toggle_module(module.code),
                       f"Seleccionar todo {module.name}"),
        rx.button(
            module.name,
            rx.cond(is_open, rx.icon("chevron-up", size=18), rx.icon("chevron-down", size=18)),
            on_click=S.toggle_expanded(module.code), variant="ghost", size="3",
            aria_expanded=rx.cond(is_open, "true", "false"),
            color=theme.BRAND_DARK, font_weight="700", class_name="occi-module-toggle",
        ),
        align="center", spacing="3", padding="0.5rem 0.75rem", width="100%",
        background=theme.BRAND_LIGHT, border_radius="8px",
    )
    body = rx.cond(
        is_open,
        rx.box(*[_service_block(i, catalog.SERVICES[i]) for i in indexes],
               padding="0.25rem 0.75rem 0.5rem"),
    )
    return rx.box(header, body, width="100%", class_name="occi-module",
                  data_module=module.code)


def service_tree() -> rx.Component:
    return rx.vstack(
        rx.heading("Asignación de acciones por servicios", size="4", color=theme.BRAND_DARK),
        rx.text("Seleccione los servicios para asociar acciones", color=theme.MUTED),
        rx.flex(
            rx.input(placeholder="Buscar servicio por nombre", value=S.filter_text,
                     on_change=S.set_filter, debounce_timeout=250, width=["100%", "320px"],
                     aria_label="Buscar servicio", max_length=50),
            rx.spacer(),
            rx.button("Expandir Todos", on_click=S.expand_all, variant="soft"),
            rx.button("Contraer Todos", on_click=S.collapse_all, variant="soft"),
            gap="0.5rem", wrap="wrap", width="100%", align="center",
        ),
        rx.vstack(*[_module_section(m) for m in catalog.MODULES], spacing="2", width="100%"),
        spacing="3", width="100%",
    )
