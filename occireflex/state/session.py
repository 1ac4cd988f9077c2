"""The browser's login session and the acting user.

The browser holds only a random session id (cookie); identity, company and grants are
resolved from the database on every event that needs them (``_actor``), never kept in a
var the browser could set.
"""

from __future__ import annotations

import reflex as rx

from occireflex.db import session_scope
from occireflex.domain import auth
from occireflex.domain.access import Actor, load_actor
from occireflex.domain.errors import SessionExpired
from occireflex.settings import settings

LOGIN_ROUTE = "/login"
HOME_ROUTE = "/"


def assign_changed(state: rx.State, **values) -> None:
    """Assign only what changed, so an event's delta carries no unchanged menus or tiles."""
    for name, value in values.items():
        if getattr(state, name) != value:
            setattr(state, name, value)


class SessionState(rx.State):
    sid: str = rx.Cookie("", name=settings.session_cookie, same_site="strict", path="/")
    # message for the login page (session ended, timed out…)
    notice: str = ""

    def _client_meta(self) -> tuple[str, str]:
        return self.router.headers.user_agent or "", self.router.session.client_ip or ""

    def _actor(self) -> Actor | None:
        """The acting user, or None (and ``notice`` set) when there is no live session."""
        if not self.sid:
            return None
        user_agent, ip = self._client_meta()
        try:
            with session_scope() as db:
                return load_actor(db, self.sid, user_agent=user_agent, ip=ip)
        except SessionExpired as exc:
            self.sid = ""
            self.notice = exc.message
            return None

    @rx.event
    def logout(self):
        with session_scope() as db:
            auth.logout(db, self.sid)
        self.sid = ""
        self.notice = "Su sesión se cerró correctamente."
        return self._reset_and_redirect()

    def _reset_and_redirect(self):
        return rx.redirect(LOGIN_ROUTE, replace=True)
