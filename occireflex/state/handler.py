"""The one handler wrapper of the state layer (contract in docs/ARCHITECTURE.md).

``@handler`` turns ``def save(self, actor, db, form_data)`` into the event
``save(form_data)``: the session cookie → the acting user → one unit of work
(``db.identified_work``: one session, commit on success, roll back on error) → the body.
A ``DomainError`` becomes its Spanish message in the var named by ``error`` (or a toast,
or a method of the state); no live session becomes the login redirect. The body may set
vars and return events; it never commits and never catches what the unit of work must
roll back.

The event loop is shared by every connected user, so the whole unit of work runs off it,
in a bounded pool of threads (``off_loop``), while the event holds its state's lock as any
Reflex event does; other users' events go on meanwhile. ``@blocking`` does the same for
an event that touches the database or the CPU without an acting user (the login steps).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import reflex as rx

from occireflex.db import NOBODY, identified_work
from occireflex.domain.access import Actor
from occireflex.domain.errors import DomainError
from occireflex.settings import settings

TOAST = "toast"  # ``error=TOAST``: the message as a toast, nothing stored

Work = Callable[[Actor, Any], Any]

_POOL = ThreadPoolExecutor(max_workers=settings.event_threads, thread_name_prefix="occi-event")


async def off_loop(fn: Callable, *args, **kwargs):
    """``fn(*args, **kwargs)`` in the event threads; the loop serves others meanwhile."""
    call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_POOL, call)


def blocking(body: Callable):
    """An event whose synchronous body touches the database or the CPU: run off the loop."""

    @functools.wraps(body)
    async def event(self, *args, **kwargs):
        return await off_loop(body, self, *args, **kwargs)

    return rx.event(event)


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
        (the login page, the App's home; a ``@blocking`` event). Everything else uses
        ``@handler``."""
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
        async def event(self, *args, **kwargs):
            return await off_loop(self._perform,
                                  lambda actor, db: body(self, actor, db, *args, **kwargs),
                                  error=error, touch=touch, redirect=redirect)

        # Reflex reads the event's arguments from its signature and annotations
        event.__signature__ = inspect.Signature([first, *event_params])
        event.__annotations__ = {name: hint for name, hint in body.__annotations__.items()
                                 if name not in (actor_param.name, db_param.name)}
        return rx.event(event)

    return decorate(body) if body is not None else decorate
