"""Administración > Seguridad > Parámetros Generales y de Seguridad: the company's values
in a form, «Guardar» → the changes to confirm (and a warning when the new days and hours
exclude this moment) → «Ingrese Token»."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from occireflex.domain import money, security_admin
from occireflex.domain.access import Actor
from occireflex.domain.security_params import Limits, Params, clock_text, limits
from occireflex.state.handler import handler
from occireflex.state.inputs import token_code
from occireflex.state.paging import text_value
from occireflex.state.portal import PortalState

_NUMBERS = ("idle_minutes", "absolute_minutes", "max_failed_attempts", "min_password_length",
            "password_expiry_days")


class SecurityParamsState(PortalState):
    SERVICE: ClassVar[str] = security_admin.SERVICE
    values: dict[str, str] = {}  # the form's text fields, by Params field name
    days: list[str] = []  # "0" (lunes) … "6" (domingo)
    app_may_approve: bool = True
    hints: dict[str, str] = {}  # the bank's limits, by field
    current: dict[str, str] = {}  # the stored values as shown
    message: str = ""
    error: str = ""
    confirm_open: bool = False
    changes: list[list[str]] = []
    closes_now: bool = False
    dialog_error: str = ""
    _version: int = 0

    def _fill(self, params: Params, bank: Limits) -> None:
        self.values = {name: str(getattr(params, name)) for name in _NUMBERS}
        self.values["open_from"] = clock_text(params.open_from)
        self.values["open_until"] = clock_text(params.open_until)
        self.values["token_free_up_to"] = (money.whole_pesos(params.token_free_up_to)
                                           if params.token_free_up_to else "0")
        self.days = list(params.allowed_days)
        self.app_may_approve = params.app_may_approve
        self.current = security_admin.shown(params)
        self._version = params.version
        self.hints = {
            "idle_minutes": f"Entre {bank.idle[0]} y {bank.idle[1]} minutos.",
            "absolute_minutes": f"Entre {bank.absolute[0]} y {bank.absolute[1]} minutos.",
            "max_failed_attempts": f"Entre {bank.attempts[0]} y {bank.attempts[1]}.",
            "min_password_length": f"Entre {bank.password[0]} y {bank.password[1]} caracteres.",
            "password_expiry_days": (f"0 = sin vencimiento (recomendado), o entre "
                                     f"{bank.expiry[0]} y {bank.expiry[1]} días."),
            "token_free_up_to": (f"0 = siempre se pide token; hasta "
                                 f"{money.format_pesos(bank.token_free_max)}."),
        }

    @handler(error="error")
    def load(self, actor: Actor, db):
        params, bank = security_admin.view(db, actor)
        if not self._resumed:
            self.message = ""
        self.error, self.confirm_open = "", False
        self._fill(params, bank)

    @rx.event
    def set_value(self, name: str, value: str):
        if name in self.values:
            self.values[name] = text_value(value, 30)

    @rx.event
    def toggle_day(self, day: str, checked: bool):
        if not isinstance(day, str) or day not in "0123456" or len(day) != 1:
            return
        chosen = set(self.days) - {day}
        if checked is True:
            chosen.add(day)
        self.days = sorted(chosen)

    @rx.event
    def set_app_may_approve(self, checked: bool):
        self.app_may_approve = checked is True

    def _form(self) -> dict:
        return {**self.values, "allowed_days": list(self.days),
                "app_may_approve": self.app_may_approve}

    @handler(error="error")
    def ask_save(self, actor: Actor, db):
        self.message = self.error = ""
        draft = security_admin.preview(db, actor, self._form())
        self.changes = [list(change) for change in draft.changes]
        self.closes_now, self.dialog_error, self.confirm_open = draft.closes_now, "", True

    @rx.event
    def close(self):
        self.confirm_open, self.dialog_error = False, ""

    @rx.event
    def dialog_changed(self, opened: bool):
        if opened is not True:
            self.close()

    @handler(error="dialog_error")
    def confirm(self, actor: Actor, db, form_data: dict):
        if not self.confirm_open:
            return
        params = security_admin.save(db, actor, self._form(), self._version,
                                     token_code(form_data))
        self.confirm_open = False
        self.message = ("Los parámetros quedaron guardados: se aplican desde la próxima "
                        "acción de cada usuario.")
        self._fill(params, limits())
