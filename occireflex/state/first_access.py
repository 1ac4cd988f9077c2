"""«Primer ingreso»: a user with a temporary password chooses a new one and the «imagen
propia» before anything else (domain: ``own_account.complete_first_access``). Every other
page sends such a user here (``PortalState.guard``), and the domain refuses them everything
else (``Actor.must_change_password``). The App has the same form at ``/app/clave``."""

from __future__ import annotations

import reflex as rx

from occireflex.domain.access import Actor
from occireflex.state.handler import handler
from occireflex.state.password_form import FirstAccessFormMixin
from occireflex.state.session import HOME_ROUTE, SessionState

FIRST_ACCESS_ROUTE = "/primer-ingreso"


class FirstAccessState(FirstAccessFormMixin, SessionState):
    user_name: str = ""

    @handler
    def load(self, actor: Actor, db):
        if not actor.must_change_password:
            return rx.redirect(HOME_ROUTE, replace=True)
        self.user_name, self.error = actor.full_name, ""
        return None

    @handler
    def save(self, actor: Actor, db, form_data: dict):
        self._complete_first_access(actor, db, form_data)
        return rx.redirect(HOME_ROUTE, replace=True)
