"""Perfiles (Administración > Usuarios > Perfiles): list, create/modify tree, view/assign.

The permission tree uses the catalog's compact grant ids: ``selected`` is a list of ints,
so one checkbox toggle sends a few hundred bytes, never the tree.
"""

from __future__ import annotations

import dataclasses

import reflex as rx

from occireflex import catalog
from occireflex.db import session_scope
from occireflex.domain import exports, paging, profiles
from occireflex.domain.access import Actor
from occireflex.domain.errors import AccessDenied, DomainError
from occireflex.state.paging import PagedMixin, to_int
from occireflex.state.portal import PortalState
from occireflex.state.session import LOGIN_ROUTE

LIST_ROUTE = catalog.SERVICES_BY_CODE[profiles.PERFILES].route

# service index → its grant ids; module code → its service indexes
SERVICE_GRANT_IDS: tuple[tuple[int, ...], ...] = tuple(
    tuple(catalog.GRANT_ID[(s.code, a)] for a in catalog.ACTIONS if a in s.actions)
    for s in catalog.SERVICES
)
MODULE_SERVICES: dict[str, tuple[int, ...]] = {
    m.code: tuple(i for i, s in enumerate(catalog.SERVICES) if s.module == m.code)
    for m in catalog.MODULES
}
_GRANT_SERVICE = {gid: si for si, ids in enumerate(SERVICE_GRANT_IDS) for gid in ids}
_ACCESS_ID = {si: catalog.GRANT_ID[(s.code, catalog.ACCESO)]
              for si, s in enumerate(catalog.SERVICES)}


@dataclasses.dataclass
class ActionChip:
    label: str
    status: str  # kept | added | removed


@dataclasses.dataclass
class ServiceSummary:
    label: str
    status: str  # kept | added | removed | changed
    actions: list[ActionChip]


@dataclasses.dataclass
class ModuleSummary:
    name: str
    services: list[ServiceSummary]


def summarize(grants: profiles.GrantSet, added: profiles.GrantSet = frozenset(),
              removed: profiles.GrantSet = frozenset()) -> list[ModuleSummary]:
    """Functionalities grouped by module, with additions and removals marked."""
    shown = grants | removed
    modules = []
    for module in catalog.MODULES:
        services = []
        for service in catalog.services_of(module.code):
            chips = []
            for action in service.actions:
                pair = (service.code, action)
                if pair in shown:
                    status = "added" if pair in added else "removed" if pair in removed else "kept"
                    chips.append(ActionChip(catalog.ACTION_LABELS[action], status))
            if chips:
                kinds = {c.status for c in chips}
                status = kinds.pop() if len(kinds) == 1 else "changed"
                services.append(ServiceSummary(service.label, status, chips))
        if services:
            modules.append(ModuleSummary(module.name, services))
    return modules


def _index(value: object, size: int) -> int | None:
    """A list index sent by the browser: a real int (not bool) within range, or None."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < size:
        return value
    return None


class ProfilesListState(PagedMixin, PortalState):
    """«Consultar Perfil»: one SQL page of profiles in state, never the whole table."""

    rows: list[dict[str, str]] = []
    search: str = ""
    message: str = ""
    delete_id: int = 0
    delete_name: str = ""
    can_excel: bool = False
    can_pdf: bool = False
    can_print: bool = False
    can_edit: bool = False



    def _reload(self, actor: Actor) -> None:
        with session_scope() as db:
            rows, total = profiles.list_profiles(db, actor, self.search, self.page,
                                                 self.page_size)
        if rows == [] and total and self.page > 1:  # the page emptied (deletion, search)
            self.page = max(1, -(-total // self.page_size))
            with session_scope() as db:
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

    def _run(self, change=None):
        actor = self._actor()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        try:
            if change:
                change(actor)
            self._reload(actor)
        except AccessDenied as exc:
            self.rows, self.total = [], 0
            self.message = exc.message

    @rx.event
    def load(self):
        self.page, self.message, self.delete_id = 1, "", 0
        return self._run()

    @rx.event
    def set_search(self, value: str):
        self.search = value[:50] if isinstance(value, str) else ""
        self.page = 1
        return self._run()

    @rx.event
    def set_page_size(self, value: str):
        size = to_int(value)
        self.page_size = size if size in paging.PAGE_SIZES else 10
        self.page = 1
        return self._run()

    @rx.event
    def go_to_page(self, page: int):
        number = to_int(page) or 1
        self.page = min(max(1, number), self.page_count)
        return self._run()

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

    @rx.event
    def confirm_delete(self):
        target = self.delete_id
        self.delete_id = 0

        def change(actor: Actor) -> None:
            with session_scope() as db:
                name = profiles.delete_profile(db, actor, target)
            self.message = f"El perfil «{name}» fue eliminado."

        try:
            return self._run(change)
        except DomainError as exc:
            self.message = exc.message

    def _export(self, action: str):
        actor = self._actor()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        try:
            with session_scope() as db:
                rows = profiles.export_rows(db, actor, self.search, action)
        except AccessDenied as exc:
            return rx.toast.error(exc.message)
        return rows

    @rx.event
    def export_excel(self):
        rows = self._export(catalog.EXCEL)
        if not isinstance(rows, list):
            return rows
        data = exports.to_xlsx("Perfiles", profiles.EXPORT_HEADERS, rows)
        return rx.download(data=data, filename="perfiles.xlsx")

    @rx.event
    def export_pdf(self):
        rows = self._export(catalog.PDF)
        if not isinstance(rows, list):
            return rows
        data = exports.render_table_pdf("Perfiles", f"{self.company_name} · NIT {self.company_nit}",
                              profiles.EXPORT_HEADERS, rows, (60, 70, 35, 25))
        return rx.download(data=data, filename="perfiles.pdf")

    @rx.event
    def print_list(self):
        rows = self._export(catalog.IMPRIMIR)
        if not isinstance(rows, list):
            return rows
        self._run_in_page("print")


class ProfileFormState(PortalState):
    """«Crear Perfil» / «Modificar»: datos del perfil + asignación de acciones por servicios."""

    profile_id: int = 0  # 0 while creating
    reach_problem: str = ""  # why this manager may not change the profile opened
    name: str = ""
    description: str = ""
    active: bool = True
    selected: list[int] = []
    expanded: list[str] = []
    filter_text: str = ""
    stage: str = "form"  # form | confirm
    error: str = ""
    conflict: bool = False
    confirm_modules: list[ModuleSummary] = []
    confirm_changes: list[dict[str, str]] = []
    added_count: int = 0
    removed_count: int = 0
    users_count: int = 0
    _version: int | None = None

    @rx.var
    def service_marks(self) -> list[int]:
        """Per service index: 0 none, 1 some, 2 all actions selected."""
        chosen = set(self.selected)
        return [
            0 if not (n := sum(1 for g in ids if g in chosen)) else 2 if n == len(ids) else 1
            for ids in SERVICE_GRANT_IDS
        ]

    @rx.var
    def module_marks(self) -> dict[str, int]:
        marks = self.service_marks
        result = {}
        for code, indexes in MODULE_SERVICES.items():
            values = {marks[i] for i in indexes}
            result[code] = 2 if values == {2} else 0 if values == {0} else 1
        return result

    @rx.var
    def hidden_services(self) -> list[int]:
        from occireflex.domain.security import fold

        key = fold(self.filter_text)
        if not key:
            return []
        return [i for i, s in enumerate(catalog.SERVICES) if key not in fold(s.label)]

    def _fresh(self) -> None:
        self.stage, self.error, self.conflict, self.filter_text = "form", "", False, ""
        self.reach_problem = ""
        self.confirm_modules, self.confirm_changes = [], []
        self.expanded = []

    def _fill(self, detail: profiles.ProfileDetail) -> None:
        self.profile_id = detail.id
        self.name, self.description = detail.data.name, detail.data.description
        self.active = detail.data.is_active
        self.selected = sorted(catalog.GRANT_ID[p] for p in detail.grants
                               if p in catalog.GRANT_ID)
        self._version = detail.version
        self.users_count = len(detail.users)

    @rx.event
    def load_new(self):
        self._fresh()
        self.profile_id, self.name, self.description, self.active = 0, "", "", True
        self.selected, self._version, self.users_count = [], None, 0

    @rx.event
    def load_existing(self):
        self._fresh()
        actor = self._actor()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        pid = to_int(self.router.url.query_parameters.get("id"))
        try:
            with session_scope() as db:
                detail = profiles.get_profile(db, actor, pid)
        except DomainError as exc:
            self.profile_id = 0
            self.error = exc.message
            return
        self._fill(detail)
        self.reach_problem = detail.reach_problem

    @rx.event
    def reload(self):
        return self.load_existing()

    @rx.event
    def set_name(self, value: str):
        self.name = value[:60] if isinstance(value, str) else ""

    @rx.event
    def set_description(self, value: str):
        self.description = value[:220] if isinstance(value, str) else ""

    @rx.event
    def set_active(self, value: str):
        self.active = value == "Activo"

    @rx.event
    def toggle(self, grant_id: int):
        """One action checkbox. Any action implies Acceso; removing Acceso clears the rest."""
        gid = _index(grant_id, len(catalog.GRANT_PAIRS))
        if gid is None:
            return
        si = _GRANT_SERVICE[gid]
        chosen = set(self.selected)
        if gid in chosen:
            chosen -= set(SERVICE_GRANT_IDS[si]) if gid == _ACCESS_ID[si] else {gid}
        else:
            chosen |= {gid, _ACCESS_ID[si]}
        self.selected = sorted(chosen)

    @rx.event
    def toggle_service(self, service_index: int):
        si = _index(service_index, len(SERVICE_GRANT_IDS))
        if si is None:
            return
        ids = set(SERVICE_GRANT_IDS[si])
        chosen = set(self.selected)
        self.selected = sorted(chosen - ids if ids <= chosen else chosen | ids)

    @rx.event
    def toggle_module(self, module_code: str):
        if not isinstance(module_code, str) or module_code not in MODULE_SERVICES:
            return
        ids = {g for si in MODULE_SERVICES[module_code] for g in SERVICE_GRANT_IDS[si]}
        chosen = set(self.selected)
        self.selected = sorted(chosen - ids if ids <= chosen else chosen | ids)

    @rx.event
    def toggle_expanded(self, module_code: str):
        if not isinstance(module_code, str) or module_code not in MODULE_SERVICES:
            return
        if module_code in self.expanded:
            self.expanded = [m for m in self.expanded if m != module_code]
        else:
            self.expanded = [*self.expanded, module_code]

    @rx.event
    def expand_all(self):
        self.expanded = [m.code for m in catalog.MODULES]

    @rx.event
    def collapse_all(self):
        self.expanded = []

    @rx.event
    def set_filter(self, value: str):
        self.filter_text = value[:50] if isinstance(value, str) else ""
        hidden = set(self.hidden_services)
        if self.filter_text:
            self.expanded = [code for code, idx in MODULE_SERVICES.items()
                             if any(i not in hidden for i in idx)]

    def _data(self) -> profiles.ProfileData:
        return profiles.ProfileData(self.name, self.description, self.active)

    @rx.event
    def continue_to_confirm(self):
        actor = self._actor()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        try:
            grants = profiles.grants_from_ids(self.selected)
            with session_scope() as db:
                summary = profiles.preview(db, actor, self.profile_id or None, self._data(),
                                           grants)
        except DomainError as exc:
            self.error = exc.message
            return
        self.error = ""
        self.confirm_modules = summarize(summary.grants, summary.added, summary.removed)
        self.confirm_changes = [{"field": k, "old": old, "new": new}
                                for k, (old, new) in summary.changes.items()]
        self.added_count, self.removed_count = len(summary.added), len(summary.removed)
        self.users_count = summary.users_count
        self.stage = "confirm"

    @rx.event
    def back_to_form(self):
        self.stage, self.error = "form", ""

    @rx.event
    def confirm(self, form_data: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        code = form_data.get("token") if isinstance(form_data, dict) else None
        code = code.strip() if isinstance(code, str) else code
        try:
            grants = profiles.grants_from_ids(self.selected)
            with session_scope() as db:
                profiles.save_profile(db, actor, self.profile_id or None, self._version,
                                      self._data(), grants, code)
        except profiles.VersionConflict as exc:
            self.error, self.conflict = exc.message, True
            return
        except DomainError as exc:
            self.error = exc.message
            return
        verb = "modificado" if self.profile_id else "creado"
        name = " ".join(self.name.split())
        self.stage = "form"
        return [rx.redirect(LIST_ROUTE), rx.toast.success(f"Perfil «{name}» {verb} correctamente.")]


class ProfileViewState(PortalState):
    """🔍 Ver perfil: its data, functionalities and the users who hold it (assignment)."""

    profile_id: int = 0
    name: str = ""
    description: str = ""
    state: str = ""
    updated: str = ""
    modules: list[ModuleSummary] = []
    can_modify: bool = False
    holders: list[dict[str, str]] = []
    candidates: list[dict[str, str]] = []
    pick: str = ""
    error: str = ""
    message: str = ""

    def _load(self, actor: Actor, pid: int | None) -> None:
        with session_scope() as db:
            detail = profiles.get_profile(db, actor, pid)
            users = profiles.assignable_users(db, actor)
        self.profile_id, self.name = detail.id, detail.data.name
        self.description = detail.data.description
        self.state = "Activo" if detail.data.is_active else "Inactivo"
        self.updated = detail.updated
        self.modules = summarize(detail.grants)
        self.can_modify = not detail.reach_problem
        self.holders = [{"id": str(i), "username": u, "name": n} for i, u, n in detail.users]
        self.candidates = [{"id": str(i), "label": f"{u} · {n}"}
                           for i, u, n, p in users if p != detail.id and i != actor.user_id]

    @rx.event
    def load(self):
        self.error, self.message, self.pick = "", "", ""
        actor = self._actor()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        try:
            self._load(actor, to_int(self.router.url.query_parameters.get("id")))
        except DomainError as exc:
            self.profile_id, self.error = 0, exc.message

    @rx.event
    def set_pick(self, value: str):
        self.pick = value if isinstance(value, str) else ""

    def _assign(self, user_id: int | None, profile_id: int | None, done: str):
        actor = self._actor()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        try:
            with session_scope() as db:
                profiles.assign_profile(db, actor, user_id, profile_id)
            self._load(actor, self.profile_id)
        except DomainError as exc:
            self.error = exc.message
            return
        self.error, self.message, self.pick = "", done, ""

    @rx.event
    def assign(self):
        uid = to_int(self.pick)
        if uid is None:
            self.error = "Seleccione el usuario al que asignará el perfil."
            return
        return self._assign(uid, self.profile_id, f"Perfil «{self.name}» asignado.")

    @rx.event
    def unassign(self, user_id: str):
        return self._assign(to_int(user_id), None, "Se retiró el perfil al usuario.")
