"""The one handler wrapper of the state layer (contract in docs/ARCHITECTURE.md).

``@handler`` turns ``def save(self, actor, db, form_data)`` into the event
``save(form_data)``: the session cookie → the acting user → one unit of work
(``db.identified_work``: one session, commit on success, roll back on error) → the body.
A ``DomainError`` becomes its Spanish message in the var named by ``error`` (or a toast,
or a method of the state); no live session becomes the login redirect. The body may set
vars and return events; it never commits and never catches what the unit of work must
roll back. Moving the work off the event loop changes only this module.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import reflex as rx

from occireflex.db import NOBODY, identified_work
from occireflex.domain.access import Actor
from occireflex.domain.errors import DomainError

TOAST = "toast"  # ``error=TOAST``: the message as a toast, nothing stored

Work = Callable[[Actor, Any], Any]


class HandlerMixin(rx.State, mixin=True):
    """What a state needs to run ``@handler`` events: who the actor is and where to go
    without one. SessionState (portal) and AppState (App) supply both."""

    def _resolve_actor(self, db, touch: bool = True) -> Actor | None:
        raise NotImplementedError

    def _no_session(self):
        raise NotImplementedError

    def _perform(self, work: Work, *, error: str | Callable = "error", touch: bool = True,
                 redirect: bool = True):
        try:
            outcome = identified_work(lambda db: self._resolve_actor(db, touch), work)
        except DomainError as exc:
            return self._report(exc, error)
        if outcome is NOBODY:
            leave = self._no_session()
            return leave if redirect else None
        return outcome

    def _actor(self) -> Actor | None:
        """Who acts now, or None: for an on_load that must run with or without a session
        (the login page, the App's home). Everything else uses ``@handler``."""
        return self._perform(lambda actor, _db: actor, error=lambda _state, _exc: None,
                             redirect=False)

    def _report(self, exc: DomainError, error: str | Callable):
        if callable(error):
            return error(self, exc)
        if error == TOAST:
            return rx.toast.error(exc.message)
        setattr(self, error, exc.message)
        return None


def handler(body: Callable | None = None, *, error: str | Callable = "error",
            touch: bool = True, redirect: bool = True):
    """Make ``body(self, actor, db, *args)`` the event ``name(*args)`` run by ``_perform``.

    ``error``: the var that shows a domain error, ``TOAST``, or ``f(state, exc)``;
    ``touch=False``: the event does not count as the user's activity; ``redirect=False``:
    without a session the event just ends (a second on_load beside the page guard).
    """

    def decorate(body: Callable):
        first, actor_param, db_param, *event_params = inspect.signature(body).parameters.values()

        @functools.wraps(body)
        def event(self, *args, **kwargs):
            return self._perform(lambda actor, db: body(self, actor, db, *args, **kwargs),
                                 error=error, touch=touch, redirect=redirect)

        # Reflex reads the event's arguments from its signature and annotations
        event.__signature__ = inspect.Signature([first, *event_params])
        event.__annotations__ = {name: hint for name, hint in body.__annotations__.items()
                                 if name not in (actor_param.name, db_param.name)}
        return rx.event(event)

    return decorate(body) if body is not None else decorate
