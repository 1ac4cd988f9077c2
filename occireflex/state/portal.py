"""The portal shell: header identity, menus, favorites, breadcrumb and the page guard."""

from __future__ import annotations

import reflex as rx

from occireflex import catalog
from occireflex.domain import alerts, favorites
from occireflex.domain.access import RESPONSIVE, Actor, deny
from occireflex.domain.errors import AccessDenied
from occireflex.state.first_access import FIRST_ACCESS_ROUTE
from occireflex.state.handler import TOAST, handler
from occireflex.state.session import SessionState, assign_changed


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
    bell_count: int = 0  # unread notices in the bell (Inscripción de Alertas)
    # the page being shown
    service_code: str = ""
    denied: bool = False
    ready: bool = False
    # the page (path and query) last opened, and whether this on_load opens it again: the
    # browser's socket reconnected (another backend, a network blip) and Reflex re-runs
    # the on_load, which must not throw away a half-filled form (``_resumed``)
    _shown_path: str = ""
    _resumed: bool = False

    def _load_shell(self, actor: Actor, db) -> None:
        services = actor.visible_services()
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

    def _resolve_actor(self, db, touch: bool = True) -> Actor | None:
        """The acting user; also re-applies their current grants to the shell and page.

        Grants are read on every event, so a profile change shows at the user's next
        event (menus, favorites, and the page itself turning into «sin permiso»).
        """
        actor = super()._resolve_actor(db, touch)
        if actor is not None and self.ready:
            self._load_shell(actor, db)
            if self.service_code and not actor.can(self.service_code):
                self.denied = True
        return actor

    def _no_session(self):
        self.ready = False
        return super()._no_session()

    def _shell_once(self, actor: Actor, db) -> None:
        """The shell for a page being opened (``_resolve_actor`` already loaded it when a
        page was showing)."""
        if not self.ready:
            self._load_shell(actor, db)
        self.bell_count = alerts.unread_count(db, actor)

    def _note_page(self) -> None:
        url = self.router.url
        path = f"{url.path}?{url.query}" if url.query else url.path
        self._resumed = self.ready and not self.denied and path == self._shown_path
        self._shown_path = path

    @handler
    def guard_home(self, actor: Actor, db):
        if actor.must_change_password:
            return rx.redirect(FIRST_ACCESS_ROUTE, replace=True)
        self._note_page()
        self._shell_once(actor, db)
        self.service_code = ""
        self.denied = False
        self.ready = True

    @handler
    def guard(self, actor: Actor, db, service_code: str):
        """on_load of every service page: session, then the «Acceso Funcionalidad» grant."""
        if actor.must_change_password:
            return rx.redirect(FIRST_ACCESS_ROUTE, replace=True)
        self._note_page()
        self._shell_once(actor, db)
        service = catalog.get_service(service_code)
        self.service_code = service.code if service else ""
        self.denied = service is None or not service.built or not actor.can(service.code)
        if self.denied:
            try:
                deny(db, actor, f"pagina:{str(service_code)[:60]}")
            except AccessDenied:
                pass  # the refusal is recorded; the page shows «sin permiso»
        self.ready = True

    @handler(touch=False)
    def check_session(self, actor: Actor, db, _tick: str = ""):
        """Periodic check from the page: ends the screen when the session expired.

        It does not count as activity, so an idle screen still times out after 15 minutes.
        Resolving the actor is the check: it re-applies the grants to the shell and page;
        the bell's count is refreshed too.
        """
        self.bell_count = alerts.unread_count(db, actor)

    @rx.var
    def is_favorite(self) -> bool:
        return any(link["code"] == self.service_code for link in self.favorite_links)

    @handler(error=TOAST)
    def toggle_favorite(self, actor: Actor, db):
        favorites.set_favorite(db, actor, self.service_code, not self.is_favorite)
        db.flush()
        self._load_shell(actor, db)
