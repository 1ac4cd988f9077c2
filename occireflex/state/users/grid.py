"""The users' grid shared by the three services: search, «Estado» filter, paging in SQL,
exports by grant."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from occireflex import catalog
from occireflex.domain import exports
from occireflex.domain.access import Actor
from occireflex.domain.errors import AccessDenied, DomainError
from occireflex.domain.users import listing
from occireflex.state import downloads
from occireflex.state.handler import TOAST, handler
from occireflex.state.paging import PagedMixin
from occireflex.state.portal import PortalState

CONFIG_ROUTE = catalog.SERVICES_BY_CODE[catalog.CONFIGURACION_USUARIOS].route
STATE_FILTERS = {"todos": "", "activo": "activo", "inactivo": "inactivo"}


def grid_row(r: listing.UserRow) -> dict[str, str]:
    return {"id": str(r.id), "username": r.username, "name": r.full_name,
            "document": r.document or "—", "email": r.email or "—", "phone": r.phone or "—",
            "profile": r.profile, "state": r.state, "token": r.token,
            "last_login": r.last_login, "self": "si" if r.is_self else "",
            "problem": r.problem}


class UsersGridMixin(PagedMixin, mixin=True):
    """One page of the company's users for ``SERVICE``."""

    SERVICE: ClassVar[str] = catalog.CONFIGURACION_USUARIOS
    TITLE: ClassVar[str] = "Usuarios"
    rows: list[dict[str, str]] = []
    search: str = ""
    state_filter: str = "todos"
    message: str = ""
    error: str = ""
    can_excel: bool = False
    can_pdf: bool = False
    can_print: bool = False
    can_act: bool = False

    def _reload(self, actor: Actor, db, page_turn: bool = False) -> None:
        rows, total = listing.list_users(db, actor, self.SERVICE, self.search,
                                         STATE_FILTERS[self.state_filter], self.page,
                                         self.page_size)
        self.total = total
        self.page = min(self.page, max(1, -(-total // self.page_size)))
        self.rows = [grid_row(r) for r in rows]
        self.can_excel = actor.can(self.SERVICE, catalog.EXCEL)
        self.can_pdf = actor.can(self.SERVICE, catalog.PDF)
        self.can_print = actor.can(self.SERVICE, catalog.IMPRIMIR)
        self.can_act = actor.can(self.SERVICE)

    def _grid_failed(self, exc: DomainError) -> None:
        if isinstance(exc, AccessDenied):
            self.rows, self.total = [], 0
        self.error = exc.message

    @handler(error=_grid_failed)
    def load(self, actor: Actor, db):
        self.page, self.error = 1, ""
        self._reload(actor, db)

    @handler(error=_grid_failed)
    def set_search(self, actor: Actor, db, value: str):
        self.search = value[:40] if isinstance(value, str) else ""
        self.page = 1
        self._reload(actor, db)

    @handler(error=_grid_failed)
    def set_state_filter(self, actor: Actor, db, value: str):
        self.state_filter = value if value in STATE_FILTERS else "todos"
        self.page = 1
        self._reload(actor, db)

    def _export(self, actor: Actor, db, action: str) -> list[tuple]:
        return listing.export_rows(db, actor, self.SERVICE, self.search,
                                   STATE_FILTERS[self.state_filter], action)

    @handler(error=TOAST)
    def export_excel(self, actor: Actor, db):
        rows = self._export(actor, db, catalog.EXCEL)
        return downloads.xlsx(exports.to_xlsx(self.TITLE, listing.HEADERS, rows),
                              "usuarios.xlsx")

    @handler(error=TOAST)
    def export_pdf(self, actor: Actor, db):
        rows = self._export(actor, db, catalog.PDF)
        return downloads.pdf(exports.render_table_pdf(
            self.TITLE, f"{self.company_name} · NIT {self.company_nit}", listing.HEADERS, rows,
            (28, 38, 24, 42, 22, 30, 16, 30, 27)), "usuarios.pdf")

    @handler(error=TOAST)
    def print_list(self, actor: Actor, db):
        self._export(actor, db, catalog.IMPRIMIR)
        self._run_in_page("print")


class UsersListState(UsersGridMixin, PortalState):
    """«Consultar Usuarios» of Configuración de Usuarios."""

    @rx.event
    def dismiss(self):
        self.message = ""
