"""Administración > Usuarios > «Cambio de Clave e Imagen Propia»: every user, on their own
account (domain: ``own_account``). A PortalState: the page guard applies, so a user with a
temporary password is sent to the first access instead."""

from __future__ import annotations

import reflex as rx

from occireflex.domain import own_account
from occireflex.domain.access import Actor
from occireflex.state.handler import handler
from occireflex.state.inputs import token_code
from occireflex.state.password_form import PASSWORD_CHANGED_TOAST, NewPasswordMixin, OwnImageMixin
from occireflex.state.portal import PortalState

IMAGE_CHANGED = "Su imagen propia fue cambiada: la verá la próxima vez que ingrese."


class OwnAccountState(NewPasswordMixin, OwnImageMixin, PortalState):
    current_image: str = ""
    password_error: str = ""
    password_message: str = ""
    image_error: str = ""
    image_message: str = ""
    min_length: int = 8  # the company's (Parámetros Generales y de Seguridad)

    @handler
    def load(self, actor: Actor, db):
        if actor.must_change_password:
            return  # the guard sends the user to the first access
        self.current_image = own_account.current_image(db, actor)
        self.min_length = own_account.min_password_length(db, actor.company_id)
        if not self._resumed:  # a reconnect keeps what the screen shows
            self.image, self.password_error, self.password_message = "", "", ""
            self.image_error, self.image_message = "", ""
            self._clear_meter()

    @handler(error="password_error")
    def change_password(self, actor: Actor, db, form_data: dict):
        """«Cambio de Clave»; the form was cleared on submit."""
        self.password_message = ""
        self.password_message = self._change_own_password(actor, db, form_data)
        self.password_error = ""
        return rx.toast.success(PASSWORD_CHANGED_TOAST)

    @handler(error="image_error")
    def change_image(self, actor: Actor, db, form_data: dict):
        """«Imagen Propia»: the image chosen in the gallery, confirmed with the token."""
        self.image_message = ""
        own_account.change_own_image(db, actor, self.image, token_code(form_data))
        self.current_image, self.image = self.image, ""
        self.image_error, self.image_message = "", IMAGE_CHANGED
        return rx.toast.success("Su imagen propia fue cambiada.")
