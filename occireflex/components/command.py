"""Where the page's script (``assets/occireflex.js``) picks up the server's one-shot
commands (``state.session.BrowserMixin``): a hidden element carrying the state's var."""

from __future__ import annotations

import reflex as rx


def command_slot(command) -> rx.Component:
    return rx.el.div(custom_attrs={"data-occi-command": command}, hidden=True,
                     aria_hidden="true")
