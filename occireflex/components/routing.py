"""Page registration: a page module marks its pages, the app adds each one exactly once.

``rx.page`` queues a page at import and Reflex adds the queue at every compile; in a
production run the app is compiled before the backend worker is forked and once more in
the worker, so every page was added twice («Page … is being redefined with the same
component»). Marked pages are added to the app once, by ``register_pages``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

import reflex as rx

_MARK = "__occi_page__"


def page(route: str, title: str, on_load: Any = None):
    """Mark a function returning the page's component as the page at ``route``."""

    def decorator(render: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        setattr(render, _MARK, {"route": route, "title": title, "on_load": on_load})
        return render

    return decorator


def marked_pages(modules: Iterable[ModuleType]) -> list[tuple[Callable, dict[str, Any]]]:
    """The marked pages of ``modules``, in module order and then in definition order."""
    found: dict[int, tuple[Callable, dict[str, Any]]] = {}
    for module in modules:
        for value in vars(module).values():
            spec = getattr(value, _MARK, None)
            if callable(value) and isinstance(spec, dict):
                found.setdefault(id(value), (value, spec))
    return list(found.values())


def register_pages(app: rx.App, modules: Iterable[ModuleType]) -> None:
    for render, spec in marked_pages(modules):
        app.add_page(render, **{k: v for k, v in spec.items() if v is not None})
