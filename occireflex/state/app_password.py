"""The App's «Cambio de Clave» (``/app/clave``): every user changes their own password,
confirmed with a code of their own token (``own_account.change_own_password``). With a
temporary password it is the first access instead (new password twice, «imagen propia»,
token: ``own_account.complete_first_access``), once the user has an active token."""

from __future__ import annotations

import reflex as rx

from occireflex.domain import own_account, tokens
from occireflex.domain.access import Actor
from occireflex.state.app import APP_HOME, AppState
from occireflex.state.handler import handler
from occireflex.state.password_form import PASSWORD_CHANGED_TOAST, FirstAccessFormMixin

FIRST_ACCESS_DONE = "Su nueva clave y su imagen propia quedaron guardadas."


class AppPasswordState(FirstAccessFormMixin, AppState):
    message: str = ""
    virtual_token: bool = False  # the code is on this device: the screen shows it

    @handler
    def load(self, actor: Actor, db):
        """The shell (``_resolve_actor``) already says which form: ``must_change``."""
        self.error, self.message, self.image = "", "", ""
        self._clear_meter()
        if self.must_change and self.token_missing:  # enroll the token first
            return rx.redirect(APP_HOME, replace=True)
        self.virtual_token = own_account.token_kind(db, actor) == tokens.VIRTUAL
        return None

    @handler
    def change_password(self, actor: Actor, db, form_data: dict):
        self.message = ""
        self.message = self._change_own_password(actor, db, form_data)
        self.error = ""
        return rx.toast.success(PASSWORD_CHANGED_TOAST)

    @handler
    def save(self, actor: Actor, db, form_data: dict):
        """The first access in the App; then its home opens everything the profile gives."""
        self._complete_first_access(actor, db, form_data)
        # the home waits for its new tiles: the first access's must not show (or be tapped)
        self.checked, self.tiles = False, []
        return [rx.toast.success(FIRST_ACCESS_DONE), rx.redirect(APP_HOME, replace=True)]
