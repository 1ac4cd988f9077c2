"""🔍 Ver perfil: its data, functionalities and the users who hold it (assignment)."""

from __future__ import annotations

import reflex as rx

from occireflex.domain import profiles
from occireflex.domain.access import Actor
from occireflex.domain.errors import DomainError
from occireflex.state.handler import handler
from occireflex.state.inputs import to_int
from occireflex.state.portal import PortalState
from occireflex.state.profiles.summary import ModuleSummary, summarize


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

    def _load(self, actor: Actor, db, pid: int | None) -> None:
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

    def _not_loaded(self, exc: DomainError) -> None:
        self.profile_id, self.error = 0, exc.message

    @handler(error=_not_loaded)
    def load(self, actor: Actor, db):
        self.error, self.message, self.pick = "", "", ""
        self._load(actor, db, to_int(self.router.url.query_parameters.get("id")))

    @rx.event
    def set_pick(self, value: str):
        self.pick = value if isinstance(value, str) else ""

    def _assign(self, actor: Actor, db, user_id: int | None, profile_id: int | None,
                done: str) -> None:
        profiles.assign_profile(db, actor, user_id, profile_id)
        db.flush()
        self._load(actor, db, self.profile_id)
        self.error, self.message, self.pick = "", done, ""

    @handler
    def assign(self, actor: Actor, db):
        uid = to_int(self.pick)
        if uid is None:
            self.error = "Seleccione el usuario al que asignará el perfil."
            return
        self._assign(actor, db, uid, self.profile_id, f"Perfil «{self.name}» asignado.")

    @handler
    def unassign(self, actor: Actor, db, user_id: str):
        self._assign(actor, db, to_int(user_id), None, "Se retiró el perfil al usuario.")
