"""Administración de Token: the company's pending releases, authorized or rejected from the
portal with the administrator's token (``domain/tokens/portal_approval.py``). The request
chosen lives in a backend var: the token confirms the request whose row was opened."""

from __future__ import annotations

import reflex as rx

from occireflex.domain import security_params
from occireflex.domain.access import Actor
from occireflex.domain.errors import DomainError
from occireflex.domain.tokens import admin as ta
from occireflex.domain.tokens import portal_approval
from occireflex.state.handler import handler
from occireflex.state.inputs import token_code
from occireflex.state.portal import PortalState

VERBS = {"autorizar": "Autorizar liberación", "rechazar": "Rechazar liberación"}


def pending_rows(db, actor: Actor) -> tuple[list[dict[str, str]], bool]:
    """The company's pending releases as the portal and the App show them, and whether the
    App may authorize them."""
    rows = [{"id": str(p.id), "username": p.username, "name": p.full_name, "reason": p.reason,
             "by": p.requested_by, "at": p.requested_at, "expires": p.expires,
             "verification": p.verification} for p in ta.pending_requests(db, actor)]
    return rows, security_params.of_company(db, actor.company_id).app_may_approve


class PendingReleasesState(PortalState):
    requests: list[dict[str, str]] = []
    app_may_approve: bool = True
    confirm_title: str = ""
    confirm_name: str = ""
    confirm_verb: str = ""
    dialog_error: str = ""
    done_message: str = ""
    done_code: str = ""
    done_name: str = ""
    done_expires: str = ""
    _chosen: int = 0

    def _reload(self, actor: Actor, db) -> None:
        self.requests, self.app_may_approve = pending_rows(db, actor)

    def _hidden(self, exc: DomainError) -> None:
        self.requests = []  # a secondary user has no releases to see

    @handler(error=_hidden, redirect=False)
    def load(self, actor: Actor, db):
        self.confirm_verb, self.done_message, self._chosen = "", "", 0
        self._reload(actor, db)

    @rx.event
    def ask(self, request_id: str, verb: str):
        chosen = next((r for r in self.requests if r["id"] == str(request_id)), None)
        if chosen is None or verb not in VERBS:
            return
        self._chosen, self.confirm_verb = int(chosen["id"]), verb
        self.confirm_title, self.confirm_name = VERBS[verb], chosen["name"]
        self.dialog_error, self.done_message = "", ""

    @rx.event
    def close(self):
        self.confirm_verb, self._chosen, self.dialog_error = "", 0, ""

    @rx.event
    def dialog_changed(self, opened: bool):
        if opened is not True:
            self.close()

    @rx.event
    def dismiss(self):
        self.done_message = self.done_code = ""

    @handler(error="dialog_error")
    def confirm(self, actor: Actor, db, form_data: dict):
        if not self._chosen or self.confirm_verb not in VERBS:
            return
        code = token_code(form_data)
        if self.confirm_verb == "autorizar":
            approval = portal_approval.approve(db, actor, self._chosen, code)
            self.done_name, self.done_code = approval.full_name, approval.activation_code
            self.done_expires = approval.activation_expires
            self.done_message = (f"Liberación autorizada: {approval.full_name} ya puede "
                                 "enrolar su nuevo dispositivo en la App.")
        else:
            username = portal_approval.reject(db, actor, self._chosen, code)
            self.done_code = ""
            self.done_message = f"Solicitud rechazada: el token de {username} sigue como estaba."
        self.confirm_verb, self._chosen = "", 0
        db.flush()
        self._reload(actor, db)
        from occireflex.state.token_admin import TokenAdminState  # it imports this module

        return TokenAdminState.refresh  # the grid shows the token's new state
