"""Administración > Seguridad > Configuración de Autorizaciones: two tabs.

«Autorizaciones»: per kind of operation, the ranges of amounts (each «hasta» in pesos, the
last one «sin tope») and the authorizations each needs, and which users may authorize;
«Guardar» → the changes to confirm → «Ingrese Token».
«Límites por usuario y servicio»: the company's default or one user's own limits per kind;
«Guardar» or «Eliminar límites propios» → «Ingrese Token».

What the forms hold is only text; the domain checks everything again (``dual.config``,
``dual.limits_admin``). Ids stay on the server: the page names users by username."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from occireflex.domain import money
from occireflex.domain.access import Actor
from occireflex.domain.dual import config, limits_admin
from occireflex.domain.dual.limits import FIELDS
from occireflex.domain.dual.rules import KINDS, PAGO
from occireflex.state.handler import handler
from occireflex.state.inputs import token_code
from occireflex.state.paging import text_value
from occireflex.state.portal import PortalState

COMPANY = "empresa"  # the «limit-user» choice of the company's default
TABS = ("autorizaciones", "limites")
REQUIRED = ("0", "1", "2")
SAVE, CLEAR = "guardar", "eliminar"


def _index(value: object, size: int) -> int | None:
    """A row number the browser sends (int or ASCII digits) within ``size``, or None."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 3:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < size:
        return None
    return value


def _pesos_text(centavos: int | None) -> str:
    if centavos is None:
        return ""
    return money.format_pesos(centavos).removeprefix("$ ")


class AuthConfigState(PortalState):
    SERVICE: ClassVar[str] = config.SERVICE
    tab: str = "autorizaciones"
    message: str = ""
    error: str = ""
    # «Autorizaciones»
    kind: str = PAGO
    ranges: list[dict[str, str]] = []  # desde (text), hasta (pesos as typed), required
    candidates: list[dict[str, str]] = []  # username, name
    chosen: list[str] = []  # usernames checked
    summary: list[dict[str, str]] = []  # per kind: label, ranges, authorizers (stored)
    configured: bool = False
    confirm_open: bool = False
    changes: list[list[str]] = []
    dialog_error: str = ""
    _version: int = 0
    _stored: dict = {}  # kind → {"ranges": [...], "chosen": [...]} as loaded
    _ids: dict = {}  # username → user id, the candidates'
    # «Límites por usuario y servicio»
    limit_user: str = COMPANY
    limit_kind: str = PAGO
    limit_values: dict[str, str] = {}
    limit_own: bool = False  # the chosen user (or the company) has a row of its own
    limit_rows: list[dict[str, str]] = []
    user_options: list[str] = []  # usernames
    limit_mode: str = ""  # SAVE | CLEAR while the token is asked
    limit_changes: list[list[str]] = []
    limit_error: str = ""
    _users: dict = {}  # username → user id, the company's

    # loading ------------------------------------------------------------------------------

    def _fill_rules(self, shown: config.Configuration) -> None:
        self.configured, self._version = shown.configured, shown.version
        names = {c.user_id: c.username for c in shown.candidates}
        self._ids = {c.username: c.user_id for c in shown.candidates}
        self.candidates = [{"username": c.username, "name": c.full_name}
                           for c in shown.candidates]
        self._stored = {k.kind: {
            "ranges": [{"to": _pesos_text(r.amount_to), "required": str(r.required)}
                       for r in k.ranges],
            "chosen": sorted(names[i] for i in k.authorizers if i in names)} for k in shown.kinds}
        self.summary = [{"label": k.label, "ranges": config.ranges_text(k.ranges),
                         "authorizers": ", ".join(names.get(i, "?") for i in k.authorizers)
                         or config.ANYONE} for k in shown.kinds]
        self._edit(self.kind if self.kind in KINDS else PAGO)

    def _edit(self, kind: str) -> None:
        stored = self._stored.get(kind, {"ranges": [{"to": "", "required": "1"}], "chosen": []})
        self.kind = kind
        self.ranges = [dict(r) for r in stored["ranges"]]
        self.chosen = list(stored["chosen"])
        self._relabel()
        self.confirm_open, self.changes, self.dialog_error = False, [], ""

    def _relabel(self) -> None:
        previous = ""
        for number, row in enumerate(self.ranges):
            row["from"] = "$ 0" if number == 0 else (
                f"Más de $ {previous}" if previous else "Más del rango anterior")
            previous = row["to"]
        self.ranges = list(self.ranges)

    def _fill_limits(self, actor: Actor, db) -> None:
        users = limits_admin.users(db, actor)
        self._users = {name: user_id for user_id, name in users}
        self.user_options = [name for _, name in users]
        if self.limit_user != COMPANY and self.limit_user not in self._users:
            self.limit_user = COMPANY
        self.limit_rows = [{"who": r.who, "kind": r.kind_label, **r.values}
                           for r in limits_admin.rows(db, actor)]
        values, own = limits_admin.stored(db, actor, self._users.get(self.limit_user),
                                          self.limit_kind)
        self.limit_own = own
        self.limit_values = {f: ("" if not v else (_pesos_text(v) if f in limits_admin.AMOUNTS
                                                   else str(v))) for f, v in values.items()}
        self.limit_mode, self.limit_changes, self.limit_error = "", [], ""

    @handler(error="error")
    def load(self, actor: Actor, db):
        if not self._resumed:
            self.message, self.tab, self.kind = "", "autorizaciones", PAGO
            self.limit_user, self.limit_kind = COMPANY, PAGO
        self.error = ""
        self._fill_rules(config.configuration(db, actor))
        self._fill_limits(actor, db)

    @rx.event
    def set_tab(self, value: str):
        if value in TABS:
            self.tab = value

    # «Autorizaciones» ---------------------------------------------------------------------

    @rx.event
    def set_kind(self, value: str):
        if isinstance(value, str) and value in KINDS and value in self._stored:
            self.message = self.error = ""
            self._edit(value)

    @rx.event
    def set_range_to(self, index: str, value: str):
        number = _index(index, len(self.ranges))
        if number is not None:
            self.ranges[number]["to"] = text_value(value, money.MAX_AMOUNT_TEXT)
            self._relabel()
            self.confirm_open = False

    @rx.event
    def set_range_required(self, index: str, value: str):
        number = _index(index, len(self.ranges))
        if number is not None and value in REQUIRED:
            self.ranges[number]["required"] = value
            self.ranges = list(self.ranges)
            self.confirm_open = False

    @rx.event
    def add_range(self):
        if 0 < len(self.ranges) < config.MAX_RANGES:
            self.ranges.append({"to": "", "required": self.ranges[-1]["required"]})
            self._relabel()
            self.confirm_open = False

    @rx.event
    def remove_range(self, index: str):
        number = _index(index, len(self.ranges))
        if number is not None and len(self.ranges) > 1:
            self.ranges.pop(number)
            if number == len(self.ranges):  # the last one went: the new last has no tope
                self.ranges[-1]["to"] = ""
            self._relabel()
            self.confirm_open = False

    @rx.event
    def toggle_authorizer(self, username: str, checked: bool):
        if not isinstance(username, str) or username not in self._ids:
            return
        chosen = set(self.chosen) - {username}
        if checked is True:
            chosen.add(username)
        self.chosen = sorted(chosen)
        self.confirm_open = False

    def _form(self) -> tuple[list[dict], list[int]]:
        ranges = [{"amount_to": r.get("to", ""), "required": r.get("required", "")}
                  for r in self.ranges]
        return ranges, [self._ids[name] for name in self.chosen if name in self._ids]

    @handler(error="error")
    def ask_save(self, actor: Actor, db):
        self.message = self.error = ""
        ranges, ids = self._form()
        draft = config.preview_rules(db, actor, self.kind, ranges, ids)
        self.changes = [[KINDS[draft.kind] + " - " + what, before, after]
                        for what, before, after in draft.changes]
        self.dialog_error, self.confirm_open = "", True

    @rx.event
    def close(self):
        self.confirm_open, self.dialog_error = False, ""

    @handler(error="dialog_error")
    def confirm(self, actor: Actor, db, form_data: dict):
        if not self.confirm_open:
            return
        ranges, ids = self._form()
        saved = config.save_rules(db, actor, self.kind, ranges, ids, self._version,
                                  token_code(form_data))
        self.message = (f"La configuración de «{KINDS[self.kind]}» quedó guardada: rige para "
                        "las operaciones que se preparen desde ahora.")
        self._fill_rules(saved)

    # «Límites por usuario y servicio» -----------------------------------------------------

    @handler(error="limit_error")
    def set_limit_user(self, actor: Actor, db, value: str):
        if isinstance(value, str) and (value == COMPANY or value in self._users):
            self.limit_user, self.message = value, ""
            self._fill_limits(actor, db)

    @handler(error="limit_error")
    def set_limit_kind(self, actor: Actor, db, value: str):
        if isinstance(value, str) and value in KINDS:
            self.limit_kind, self.message = value, ""
            self._fill_limits(actor, db)

    @rx.event
    def set_limit_value(self, name: str, value: str):
        if isinstance(name, str) and name in FIELDS:
            self.limit_values[name] = text_value(value, money.MAX_AMOUNT_TEXT)
            self.limit_mode = ""

    def _target(self) -> int | None:
        return None if self.limit_user == COMPANY else self._users.get(self.limit_user, 0)

    @handler(error="limit_error")
    def ask_limit_save(self, actor: Actor, db):
        self.message = self.limit_error = ""
        changes = limits_admin.preview_limits(db, actor, self._target(), self.limit_kind,
                                              dict(self.limit_values))
        self.limit_changes = [list(c) for c in changes] or [
            ["Límites propios", "Los de la empresa", "Los mismos valores, propios"]]
        self.limit_mode = SAVE

    @rx.event
    def ask_limit_clear(self):
        self.message = self.limit_error = ""
        if not self.limit_own:
            self.limit_error = limits_admin.NOTHING_TO_CLEAR
            return
        self.limit_changes = [["Límites propios", "Guardados", "Eliminados: aplican los de la "
                               "empresa" if self.limit_user != COMPANY else "Eliminados: sin "
                               "límite"]]
        self.limit_mode = CLEAR

    @rx.event
    def close_limit(self):
        self.limit_mode, self.limit_error = "", ""

    @handler(error="limit_error")
    def limit_confirm(self, actor: Actor, db, form_data: dict):
        if self.limit_mode == SAVE:
            limits_admin.save_limits(db, actor, self._target(), self.limit_kind,
                                     dict(self.limit_values), token_code(form_data))
            done = "Los límites quedaron guardados."
        elif self.limit_mode == CLEAR:
            limits_admin.clear_limits(db, actor, self._target(), self.limit_kind,
                                      token_code(form_data))
            done = "Los límites propios fueron eliminados."
        else:
            return
        self._fill_limits(actor, db)
        self.message = done
