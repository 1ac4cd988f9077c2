"""A message box shown only while its text is set: red is an alert, any other a status."""

from __future__ import annotations

import reflex as rx


def notice(text, scheme: str = "red", icon: str = "triangle-alert", **props) -> rx.Component:
    return rx.cond(text != "", rx.callout(text, icon=icon, color_scheme=scheme, width="100%",
                                          role="alert" if scheme == "red" else "status",
                                          **props))
