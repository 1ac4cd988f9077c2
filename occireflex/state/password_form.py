"""What every screen that chooses a password or an «imagen propia» shares (the portal's first
access and «Cambio de Clave e Imagen Propia», the App's «Cambio de Clave»): the strength
meter measured as the user types and the gallery choice. Mixins: each screen gets its own
copy of the vars; ``components/own_account.py`` draws them from any state that has them."""

from __future__ import annotations

import reflex as rx

from occireflex.domain import auth, own_account, passwords
from occireflex.domain.access import Actor
from occireflex.state.handler import blocking
from occireflex.state.inputs import token_code

PASSWORD_CHANGED = "Su clave fue cambiada. Úsela desde su próximo ingreso."
NOTICE_SENT = " Le enviamos un aviso a su correo registrado."
PASSWORD_CHANGED_TOAST = "Su clave fue cambiada."


def _form(form_data: object) -> dict:
    return form_data if isinstance(form_data, dict) else {}


class NewPasswordMixin(rx.State, mixin=True):
    strength: int = 0
    strength_label: str = ""

    @blocking
    def measure(self, password: str):
        """The meter as the user types (zxcvbn: a few ms of CPU, off the loop); whatever
        the browser sends, ``passwords.strength`` takes it."""
        self.strength, self.strength_label = passwords.strength(password)

    def _clear_meter(self) -> None:
        """The form was submitted (and cleared): the meter starts again."""
        self.strength, self.strength_label = 0, ""

    def _change_own_password(self, actor: Actor, db, form_data: object) -> str:
        """«Cambio de Clave» (clave actual, nueva, repetir, token): the confirmation."""
        self._clear_meter()
        data = _form(form_data)
        notified = own_account.change_own_password(db, actor, data.get("actual"),
                                                   data.get("nueva"), data.get("repetir"),
                                                   token_code(data))
        return PASSWORD_CHANGED + (NOTICE_SENT if notified else "")


class OwnImageMixin(rx.State, mixin=True):
    image: str = ""  # the gallery's choice, only ever one of ``auth.OWN_IMAGES``

    @rx.event
    def choose_image(self, image: str):
        self.image = image if image in auth.OWN_IMAGES else ""


class FirstAccessFormMixin(NewPasswordMixin, OwnImageMixin, mixin=True):
    """The first access's form: new password twice, image, token code."""

    error: str = ""

    def _complete_first_access(self, actor: Actor, db, form_data: object) -> None:
        self._clear_meter()
        data = _form(form_data)
        own_account.complete_first_access(db, actor, data.get("nueva"), data.get("repetir"),
                                          self.image, token_code(data))
        self.error = ""
