"""The portal shell: header identity, menus, favorites, breadcrumb and the page guard."""

from __future__ import annotations

import reflex as rx

from occireflex import catalog
from occireflex.db import session_scope
from occireflex.domain import favorites
from occireflex.domain.access import RESPONSIVE, Actor, deny, load_actor
from occireflex.domain.errors import AccessDenied, SessionExpired
from occireflex.state.session import LOGIN_ROUTE, SessionState, assign_changed


class PortalState(SessionState):
    user_name: str = ""
    company_name: str = ""
    company_nit: str = ""
    is_mobile_channel: bool = False
    # menu visibility: service codes, "module|group" keys and module codes the user may see
    visible_services: list[str] = []
    visible_groups: list[str] = []
    visible_modules: list[str] = []
    favorite_links: list[dict[str, str]] = []
    # the page being shown
    service_code: str = ""
    denied: bool = False
    ready: bool = False

    def _load_shell(self, actor: Actor) -> None:
        services = actor.visible_services()
        with session_scope() as db:
            starred = favorites.list_favorites(db, actor)
        assign_changed(
            self,
            user_name=actor.full_name,
            company_name=actor.company_name,
            company_nit=actor.company_nit,
            is_mobile_channel=actor.channel == RESPONSIVE,
            visible_services=[s.code for s in services],
            visible_groups=sorted({f"{s.module}|{s.group}" for s in services}),
            visible_modules=sorted({s.module for s in services}),
            favorite_links=[{"code": s.code, "label": s.name, "route": s.route}
                            for s in starred],
        )

    def _actor(self) -> Actor | None:
        """The acting user; also re-applies their current grants to the shell and page.

        Grants are read on every event, so a profile change shows at the user's next
        event (menus, favorites, and the page itself turning into «sin permiso»).
        """
        actor = super()._actor()
        if actor is not None and self.ready:
            self._load_shell(actor)
            if self.service_code and not actor.can(self.service_code):
                self.denied = True
        return actor

    def _require_actor(self) -> Actor | None:
        actor = self._actor()
        if actor is None:
            self.ready = False
        return actor

    @rx.event
    def guard_home(self):
        actor = self._require_actor()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        self._load_shell(actor)
        self.service_code = ""
        self.denied = False
        self.ready = True

    @rx.event
    def guard(self, service_code: str):
        """on_load of every service page: session, then the «Acceso Funcionalidad» grant."""
        actor = self._require_actor()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        self._load_shell(actor)
        service = catalog.get_service(service_code)
        self.service_code = service.code if service else ""
        self.denied = service is None or not service.built or not actor.can(service.code)
        if self.denied:
            try:
                with session_scope() as db:
                    deny(db, actor, f"pagina:{str(service_code)[:60]}")
            except AccessDenied:
                pass
        self.ready = True

    @rx.event
    def check_session(self, _tick: str = ""):
        """Periodic check from the page: ends the screen when the session expired.

        It does not count as activity, so an idle screen still times out after 15 minutes.
        """
        if not self.ready:
            return
        try:
            with session_scope() as db:
                actor = load_actor(db, self._sid(), touch=False,
                                   user_agent=self.router.headers.user_agent or "")
        except SessionExpired as exc:
            self.notice = exc.message
            self.ready = False
            return rx.redirect(LOGIN_ROUTE, replace=True)
        self._load_shell(actor)
        if self.service_code and not actor.can(self.service_code):
            self.denied = True

    @rx.var
    def is_favorite(self) -> bool:
        return any(link["code"] == self.service_code for link in self.favorite_links)

    @rx.event
    def toggle_favorite(self):
        actor = self._require_actor()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        try:
            with session_scope() as db:
                favorites.set_favorite(db, actor, self.service_code, not self.is_favorite)
        except AccessDenied as exc:
            return rx.toast.error(exc.message)
        self._load_shell(actor)
