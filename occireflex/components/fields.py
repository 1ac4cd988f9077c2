"""Form fields: a label over its control, date inputs and option selects."""

from __future__ import annotations

import reflex as rx

from occireflex.components import theme
from occireflex.state.transactions import ALL


def field(label, control: rx.Component, html_for: str = "", **props) -> rx.Component:
    """``label`` (a text or a var) over ``control``; ``html_for`` names the control's id."""
    return rx.vstack(rx.el.label(label, html_for=html_for, class_name="occi-label"), control,
                     spacing="1", width="100%", **props)


def date_input(html_id: str, value, on_change) -> rx.Component:
    return rx.input(id=html_id, type="date", value=value, on_change=on_change,
                    min="2000-01-01", max="2099-12-31", width="100%")


def option_select(html_id: str, value, on_change, options, all_label: str | None = None,
                  fixed: tuple[tuple[str, str], ...] = ()) -> rx.Component:
    """A Radix select over ``options`` (dicts id/label) or ``fixed`` (value, label) pairs;
    ``all_label`` adds the «Todos» choice first."""
    items = []
    if all_label:
        items.append(rx.select.item(all_label, value=ALL))
    items += [rx.select.item(label, value=v) for v, label in fixed]
    dynamic = rx.foreach(options, lambda o: rx.select.item(o["label"], value=o["id"])) \
        if options is not None else rx.fragment()
    return rx.select.root(
        rx.select.trigger(id=html_id, width="100%"),
        rx.select.content(*items, dynamic),
        value=value, on_change=on_change,
    )


def filter_field(label: str, control: rx.Component, html_id: str) -> rx.Component:
    """A field of a consultation's filter grid (it may shrink below its content)."""
    return field(label, control, html_id, min_width="0")


def phone_filters(S, panel: rx.Component, html_id: str) -> rx.Component:
    """A consultation's filters: always shown from the breakpoint; on a phone behind a
    «Filtros» button, so the results come first (``S.filters_open``, ``S.toggle_filters``)."""
    return rx.fragment(
        rx.button(
            rx.icon("sliders-horizontal", size=16), "Filtros",
            rx.icon(rx.cond(S.filters_open, "chevron-up", "chevron-down"), size=16),
            on_click=S.toggle_filters, variant="soft", width="100%", size="3",
            aria_expanded=rx.cond(S.filters_open, "true", "false"), aria_controls=html_id,
            display=theme.COMPACT_ONLY["display"], class_name="no-print occi-filters-toggle"),
        rx.box(panel, id=html_id, width="100%",
               class_name=rx.cond(S.filters_open, "occi-filters open", "occi-filters")),
    )
