"""«Primer ingreso»: a user with a temporary password chooses a new one and the «imagen
propia» before anything else (domain: ``own_account.complete_first_access``). Every other
page sends such a user here (``PortalState.guard``), and the domain refuses them everything
else (``Actor.must_change_password``)."""

from __future__ import annotations

import reflex as rx

from occireflex.domain import auth, own_account, passwords
from occireflex.domain.access import Actor
from occireflex.state.handler import blocking, handler
from occireflex.state.inputs import token_code
from occireflex.state.session import HOME_ROUTE, SessionState

FIRST_ACCESS_ROUTE = "/primer-ingreso"


class FirstAccessState(SessionState):
    user_name: str = ""
    image: str = ""
    strength: int = 0
    strength_label: str = ""
    error: str = ""

    @handler
    def load(self, actor: Actor, db):
        if not actor.must_change_password:
            return rx.redirect(HOME_ROUTE, replace=True)
        self.user_name, self.error = actor.full_name, ""
        return None

    @rx.event
    def choose_image(self, image: str):
        self.image = image if image in auth.OWN_IMAGES else ""

    @blocking
    def measure(self, password: str):
        """The meter as the user types (zxcvbn: a few ms of CPU, off the loop)."""
        self.strength, self.strength_label = passwords.strength(password)

    @handler
    def save(self, actor: Actor, db, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        own_account.complete_first_access(db, actor, data.get("nueva"), data.get("repetir"),
                                          self.image, token_code(data))
        self.error = ""
        return rx.redirect(HOME_ROUTE, replace=True)
