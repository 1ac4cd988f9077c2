"""«Cambio de Clave para Usuarios» and «Activación/Inactivación»: the grid, a dialog on
the row chosen (kept in a backend var) and the confirmation with the token."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from occireflex import catalog
from occireflex.domain.access import Actor
from occireflex.domain.users import lifecycle, listing
from occireflex.state.handler import handler
from occireflex.state.inputs import id_or_raw, token_code
from occireflex.state.portal import PortalState
from occireflex.state.users.grid import UsersGridMixin


class _DialogMixin(UsersGridMixin, mixin=True):
    open_: bool = False
    target_username: str = ""
    target_name: str = ""
    target_state: str = ""
    dialog_error: str = ""
    _target_id: int = 0

    def _open(self, actor: Actor, db, user_id: str) -> listing.UserDetail:
        detail = listing.user_detail(db, actor, self.SERVICE, id_or_raw(user_id))
        self._target_id = detail.row.id
        self.target_username, self.target_name = detail.row.username, detail.row.full_name
        self.target_state, self.dialog_error = detail.row.state, ""
        self.message, self.open_ = "", True
        return detail

    @rx.event
    def close(self):
        self.open_, self._target_id, self.dialog_error = False, 0, ""

    @rx.event
    def dialog_changed(self, opened: bool):
        if opened is not True:  # Esc or a click outside closes the dialog
            self.close()

    def _done(self, actor: Actor, db, message: str) -> None:
        self.open_, self._target_id, self.message = False, 0, message
        db.flush()
        self._reload(actor, db)


class ResetState(_DialogMixin, PortalState):
    SERVICE: ClassVar[str] = catalog.CAMBIO_CLAVE_USUARIOS
    TITLE: ClassVar[str] = "Cambio de Clave para Usuarios"
    target_email: str = ""

    @handler
    def open_reset(self, actor: Actor, db, user_id: str):
        self.target_email = self._open(actor, db, user_id).row.email

    @handler(error="dialog_error")
    def confirm(self, actor: Actor, db, form_data: dict):
        if not self.open_ or not self._target_id:
            return
        done = lifecycle.reset_password(db, actor, self._target_id, token_code(form_data))
        ended = (f" Se cerraron sus {done.sessions_ended} sesión(es) abierta(s)."
                 if done.sessions_ended else "")
        self._done(actor, db, f"Se asignó una clave temporal a {done.username}: la recibirá "
                              f"en {done.email} y vale 24 horas.{ended}")


class ActivationState(_DialogMixin, PortalState):
    SERVICE: ClassVar[str] = catalog.ACTIVACION_USUARIOS
    TITLE: ClassVar[str] = "Activación/Inactivación de Usuarios"
    activating: bool = False
    reason: str = ""

    @rx.var
    def reason_options(self) -> list[dict[str, str]]:
        return [{"value": k, "label": v}
                for k, v in lifecycle.reasons_for(self.activating).items()]

    @handler
    def open_change(self, actor: Actor, db, user_id: str):
        detail = self._open(actor, db, user_id)
        self.activating, self.reason = not detail.is_active, ""

    @rx.event
    def set_reason(self, value: str):
        self.reason = value if value in lifecycle.reasons_for(self.activating) else ""

    @handler(error="dialog_error")
    def confirm(self, actor: Actor, db, form_data: dict):
        if not self.open_ or not self._target_id:
            return
        done = lifecycle.set_active(db, actor, self._target_id, self.activating, self.reason,
                                    token_code(form_data))
        if done.active:
            text = f"El usuario {done.username} fue activado: ya puede ingresar."
        else:
            ended = (f" Se cerraron sus {done.sessions_ended} sesión(es) abierta(s) en el "
                     "portal y en la App." if done.sessions_ended else "")
            text = f"El usuario {done.username} fue inactivado.{ended}"
        self._done(actor, db, text)
