"""The browser's login session and the acting user.

The browser holds only a random session id, in an HttpOnly cookie that no script can read:
it is set by ``/api/sesion`` (``occireflex/api.py``) and read here from the websocket's
handshake headers. Identity, company and grants are resolved from the database on every
event that needs them (``_resolve_actor``, through ``state/handler.py``), never kept in a
var the browser could set.
"""

from __future__ import annotations

import json
import secrets

import reflex as rx

from occireflex.db import session_scope
from occireflex.domain import network, sessions
from occireflex.domain.access import Actor, load_actor
from occireflex.domain.errors import SessionExpired
from occireflex.settings import settings
from occireflex.state.handler import HandlerMixin, blocking
from occireflex.web.cookies import cookie_value

LOGIN_ROUTE = "/login"
HOME_ROUTE = "/"


def assign_changed(state: rx.State, **values) -> None:
    """Assign only what changed, so an event's delta carries no unchanged menus or tiles."""
    for name, value in values.items():
        if getattr(state, name) != value:
            setattr(state, name, value)


class BrowserMixin(rx.State, mixin=True):
    """What the portal and the App share with the browser: the handshake's cookies and
    user agent, and the one-shot commands for the page's script (``assets/occireflex.js``),
    which runs only the commands it knows and each id once. The commands replace
    ``rx.call_script``, whose ``eval`` the Content-Security-Policy forbids."""

    command: str = ""
    # message for the login page (session ended, timed out…)
    notice: str = ""

    def _session_actor(self, db, cookie: str, touch: bool, app: bool = False) -> Actor | None:
        """The user of the session in ``cookie``, or None (and ``notice`` set)."""
        sid = self._cookie(cookie)
        if not sid:
            return None
        user_agent, ip = self._client_meta()
        try:
            return load_actor(db, sid, user_agent=user_agent, ip=ip, touch=touch, app=app)
        except SessionExpired as exc:
            self.notice = exc.message
            return None

    def _run_in_page(self, name: str, *args: str) -> None:
        self.command = json.dumps({"id": secrets.token_hex(8), "name": name, "args": list(args)})

    def _cookie(self, name: str) -> str:
        """A cookie of the websocket's handshake (Reflex never sends it to the browser)."""
        return cookie_value(self.router.headers.cookie, name)

    def _client_meta(self) -> tuple[str, str]:
        """The user agent and the client's address: the handshake's peer (Reflex keeps it
        as ``asgi-scope-client``) and X-Forwarded-For only as far as the trusted hops."""
        raw = self.router.headers.raw_headers
        peer = raw.get("asgi-scope-client") or self.router.session.client_ip or ""
        return (self.router.headers.user_agent or "",
                network.client_address(peer, raw.get("x-forwarded-for", "")))


class SessionState(HandlerMixin, BrowserMixin, rx.State):
    def _sid(self) -> str:
        return self._cookie(settings.session_cookie)

    def _resolve_actor(self, db, touch: bool = True) -> Actor | None:
        return self._session_actor(db, settings.session_cookie, touch)

    def _no_session(self):
        return rx.redirect(LOGIN_ROUTE, replace=True)

    @blocking
    def logout(self):
        """«Cerrar sesión»: ends the session now; the page's script then clears the cookie
        over HTTP and opens the login page."""
        with session_scope() as db:
            sessions.logout(db, self._sid())
        self.notice = "Su sesión se cerró correctamente."
        self._run_in_page("logout", "portal")
