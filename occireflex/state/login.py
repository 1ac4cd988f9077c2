"""Login page state (seed 000 «Cómo Ingresar»). Step order is enforced by the domain."""

from __future__ import annotations

import reflex as rx

from occireflex.db import session_scope
from occireflex.domain import auth
from occireflex.domain.access import channel_from_user_agent
from occireflex.domain.errors import DomainError
from occireflex.state.handler import blocking
from occireflex.state.inputs import token_code
from occireflex.state.session import HOME_ROUTE, SessionState

ENTRY_FAILED = "No fue posible completar el ingreso. Ingrese nuevamente."


class LoginState(SessionState):
    step: int = 1
    username: str = ""
    accepted: bool = False
    image: str = ""
    error: str = ""
    entering: bool = False  # the ticket is being traded for the session cookie
    _flow: auth.LoginFlow | None = None
    # A step the user took before this page's on_load ran, which must not undo it: Reflex
    # chains the on_load after the (re)connect's hydrate, behind any event the browser sent
    # meanwhile, so on a slow server a quick «Siguiente» (typed or autofilled) runs first.
    _early_step: bool = False

    @blocking
    def on_load(self):
        self.entering = False
        early, self._early_step = self._early_step, False
        if self._sid() and self._actor() is not None:
            return rx.redirect(HOME_ROUTE, replace=True)
        if early:
            return None
        if self.router.url.query_parameters.get("ingreso") == "fallido":
            self.notice = ENTRY_FAILED  # the page's script could not redeem the ticket
        self._restart()

    def _restart(self) -> None:
        self._flow = None
        self.step = 1
        self.accepted = False
        self.image = ""
        self.error = ""

    def _fail(self, exc: DomainError) -> None:
        self.error = exc.message
        if exc.message in (auth.FLOW_EXPIRED, auth.OUT_OF_ORDER):
            self._restart()
            self.error = exc.message

    @rx.event
    def restart(self):
        self._restart()
        self.notice = ""

    @rx.event
    def submit_username(self, form_data: dict):
        # is_hydrated turns true only once the page's on_load handlers have run
        self._early_step = not self.is_hydrated
        self.notice = ""
        data = form_data if isinstance(form_data, dict) else {}
        try:
            self._flow = auth.submit_username(data.get("usuario"))
        except DomainError as exc:
            return self._fail(exc)
        self.username = self._flow.username
        self.error = ""
        self.step = 2

    @blocking
    def submit_token(self, form_data: dict):
        code = token_code(form_data)
        user_agent, ip = self._client_meta()
        try:
            with session_scope() as db:
                self._flow = auth.submit_token(db, self._flow, code, ip=ip,
                                               channel=channel_from_user_agent(user_agent))
        except DomainError as exc:
            return self._fail(exc)
        self.error = ""
        self.accepted = False
        self.step = 3

    @rx.event
    def set_accepted(self, value: bool):
        self.accepted = value is True

    @blocking
    def accept_conditions(self):
        try:
            self._flow = auth.accept_conditions(self._flow, self.accepted)
            with session_scope() as db:
                self.image = auth.own_image(db, self._flow)
        except DomainError as exc:
            return self._fail(exc)
        self.error = ""
        self.step = 4

    @blocking
    def submit_password(self, form_data: dict):
        user_agent, ip = self._client_meta()
        try:
            with session_scope() as db:
                password = form_data.get("clave") if isinstance(form_data, dict) else None
                result = auth.submit_password(
                    db, self._flow, password, ip=ip, user_agent=user_agent,
                    channel=channel_from_user_agent(user_agent),
                )
        except DomainError as exc:
            self._restart()
            self.error = exc.message
            return
        self._restart()
        self.notice = ""
        self.entering = True
        self._run_in_page("redeem", result.ticket)
