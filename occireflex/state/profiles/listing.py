"""«Consultar Perfil»: one SQL page of profiles in state, never the whole table."""

from __future__ import annotations

import reflex as rx

from occireflex import catalog
from occireflex.domain import exports, profiles
from occireflex.domain.access import Actor
from occireflex.domain.errors import AccessDenied, DomainError
from occireflex.state import downloads
from occireflex.state.handler import TOAST, handler
from occireflex.state.inputs import to_int
from occireflex.state.paging import PagedMixin
from occireflex.state.portal import PortalState


class ProfilesListState(PagedMixin, PortalState):
    rows: list[dict[str, str]] = []
    search: str = ""
    message: str = ""
    delete_id: int = 0
    delete_name: str = ""
    can_excel: bool = False
    can_pdf: bool = False
    can_print: bool = False
    can_edit: bool = False

    def _reload(self, actor: Actor, db, page_turn: bool = False) -> None:
        rows, total = profiles.list_profiles(db, actor, self.search, self.page, self.page_size)
        if rows == [] and total and self.page > 1:  # the page emptied (deletion, search)
            self.page = max(1, -(-total // self.page_size))
            rows, total = profiles.list_profiles(db, actor, self.search, self.page,
                                                 self.page_size)
        self.total = total
        self.rows = [{"id": str(r.id), "name": r.name, "updated": r.updated,
                      "state": "Activo" if r.is_active else "Inactivo",
                      "manageable": "si" if r.manageable else ""} for r in rows]
        self.can_excel = actor.can(profiles.PERFILES, catalog.EXCEL)
        self.can_pdf = actor.can(profiles.PERFILES, catalog.PDF)
        self.can_print = actor.can(profiles.PERFILES, catalog.IMPRIMIR)
        self.can_edit = actor.can(profiles.PERFILES)

    def _grid_failed(self, exc: DomainError) -> None:
        if isinstance(exc, AccessDenied):
            self.rows, self.total = [], 0
        self.message = exc.message

    @handler(error=_grid_failed)
    def load(self, actor: Actor, db):
        self.page, self.message, self.delete_id = 1, "", 0
        self._reload(actor, db)

    @handler(error=_grid_failed)
    def set_search(self, actor: Actor, db, value: str):
        self.search = value[:50] if isinstance(value, str) else ""
        self.page = 1
        self._reload(actor, db)

    @rx.event
    def ask_delete(self, profile_id: str):
        pid = to_int(profile_id)
        match = next((r for r in self.rows if r["id"] == str(pid)), None)
        if match is None:
            return
        self.delete_id, self.delete_name, self.message = pid, match["name"], ""

    @rx.event
    def cancel_delete(self):
        self.delete_id, self.delete_name = 0, ""

    @handler(error=_grid_failed)
    def confirm_delete(self, actor: Actor, db):
        target, self.delete_id = self.delete_id, 0
        name = profiles.delete_profile(db, actor, target)
        self.message = f"El perfil «{name}» fue eliminado."
        db.flush()
        self._reload(actor, db)

    @handler(error=TOAST)
    def export_excel(self, actor: Actor, db):
        rows = profiles.export_rows(db, actor, self.search, catalog.EXCEL)
        return downloads.xlsx(exports.to_xlsx("Perfiles", profiles.EXPORT_HEADERS, rows),
                              "perfiles.xlsx")

    @handler(error=TOAST)
    def export_pdf(self, actor: Actor, db):
        rows = profiles.export_rows(db, actor, self.search, catalog.PDF)
        return downloads.pdf(exports.render_table_pdf(
            "Perfiles", f"{self.company_name} · NIT {self.company_nit}",
            profiles.EXPORT_HEADERS, rows, (60, 70, 35, 25)), "perfiles.pdf")

    @handler(error=TOAST)
    def print_list(self, actor: Actor, db):
        profiles.export_rows(db, actor, self.search, catalog.IMPRIMIR)
        self._run_in_page("print")
