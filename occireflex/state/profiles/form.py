"""«Crear Perfil» / «Modificar»: datos del perfil + asignación de acciones por servicios.

The permission tree uses the catalog's compact grant ids: ``selected`` is a list of ints,
so one checkbox toggle sends a few hundred bytes, never the tree.
"""

from __future__ import annotations

import reflex as rx

from occireflex import catalog
from occireflex.domain import profiles
from occireflex.domain.access import Actor
from occireflex.domain.errors import DomainError
from occireflex.domain.security import fold
from occireflex.state.handler import handler
from occireflex.state.inputs import to_int, token_code
from occireflex.state.portal import PortalState
from occireflex.state.profiles.summary import (
    ACCESS_ID,
    GRANT_SERVICE,
    MODULE_SERVICES,
    SERVICE_GRANT_IDS,
    ModuleSummary,
    grant_index,
    summarize,
)

LIST_ROUTE = catalog.SERVICES_BY_CODE[profiles.PERFILES].route


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
        if self._resumed and self.profile_id == 0:
            return  # a reconnect keeps the form being filled
        self._fresh()
        self.profile_id, self.name, self.description, self.active = 0, "", "", True
        self.selected, self._version, self.users_count = [], None, 0

    def _not_loaded(self, exc: DomainError) -> None:
        self.profile_id, self.error = 0, exc.message

    @handler(error=_not_loaded)
    def load_existing(self, actor: Actor, db):
        pid = to_int(self.router.url.query_parameters.get("id"))
        if self._resumed and self.profile_id == pid:
            return  # a reconnect keeps the edits (the save still checks the version)
        self._fresh()
        detail = profiles.get_profile(db, actor, pid)
        self._fill(detail)
        self.reach_problem = detail.reach_problem

    @rx.event
    async def reload(self):
        return await self.load_existing()

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
        gid = grant_index(grant_id, len(catalog.GRANT_PAIRS))
        if gid is None:
            return
        si = GRANT_SERVICE[gid]
        chosen = set(self.selected)
        if gid in chosen:
            chosen -= set(SERVICE_GRANT_IDS[si]) if gid == ACCESS_ID[si] else {gid}
        else:
            chosen |= {gid, ACCESS_ID[si]}
        self.selected = sorted(chosen)

    def _flip(self, ids: set[int]) -> None:
        """All of ``ids`` off when all are on, else all on."""
        chosen = set(self.selected)
        self.selected = sorted(chosen - ids if ids <= chosen else chosen | ids)

    @rx.event
    def toggle_service(self, service_index: int):
        si = grant_index(service_index, len(SERVICE_GRANT_IDS))
        if si is not None:
            self._flip(set(SERVICE_GRANT_IDS[si]))

    @rx.event
    def toggle_module(self, module_code: str):
        if isinstance(module_code, str) and module_code in MODULE_SERVICES:
            self._flip({g for si in MODULE_SERVICES[module_code] for g in SERVICE_GRANT_IDS[si]})

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

    @handler
    def continue_to_confirm(self, actor: Actor, db):
        grants = profiles.grants_from_ids(self.selected)
        summary = profiles.preview(db, actor, self.profile_id or None, self._data(), grants)
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

    def _not_saved(self, exc: DomainError) -> None:
        self.error = exc.message
        if isinstance(exc, profiles.VersionConflict):
            self.conflict = True

    @handler(error=_not_saved)
    def confirm(self, actor: Actor, db, form_data: dict):
        grants = profiles.grants_from_ids(self.selected)
        profiles.save_profile(db, actor, self.profile_id or None, self._version, self._data(),
                              grants, token_code(form_data))
        verb = "modificado" if self.profile_id else "creado"
        name = " ".join(self.name.split())
        self.stage = "form"
        return [rx.redirect(LIST_ROUTE), rx.toast.success(f"Perfil «{name}» {verb} correctamente.")]
