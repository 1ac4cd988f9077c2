"""Administración > Seguridad > Administración de IP's: the company's rules (one page),
the form of a new one, and the confirmation of an addition or a removal with the token —
after «Entiendo» when the change would shut out the administrator's own address."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from occireflex.domain import ip_admin, ip_rules
from occireflex.domain.access import Actor
from occireflex.state.handler import TOAST, handler
from occireflex.state.inputs import id_or_raw, token_code
from occireflex.state.paging import PagedMixin, text_value
from occireflex.state.portal import PortalState
from occireflex.state.transactions import ALL

UNDERSTAND_FIRST = "Marque «Entiendo» para continuar."


class IpRulesState(PagedMixin, PortalState):
    SERVICE: ClassVar[str] = ip_admin.SERVICE
    rows: list[dict[str, str]] = []
    user_options: list[dict[str, str]] = []
    own_ip: str = ""
    message: str = ""
    error: str = ""
    # the new rule's form
    f_network: str = ""
    f_user: str = ALL
    f_channel: str = ip_rules.BOTH
    f_description: str = ""
    # the confirmation dialog; what it confirms stays on the server
    confirm_open: bool = False
    confirm_title: str = ""
    confirm_text: str = ""
    warn_self: bool = False
    understood: bool = False
    dialog_error: str = ""
    _pending: dict = {}

    def _grid_failed(self, exc) -> None:
        self.rows, self.total, self.error = [], 0, exc.message

    def _reload(self, actor: Actor, db, page_turn: bool = False) -> None:
        self.rows, self.total = ip_admin.listing(db, actor, self.page, self.page_size)

    @handler(error=lambda state, exc: state._grid_failed(exc))
    def load(self, actor: Actor, db):
        self.own_ip, self.error = actor.ip, ""
        self.user_options = [{"id": u, "label": u} for u in ip_admin.user_choices(db, actor)]
        if not self._resumed:
            self.message, self.page = "", 1
            self.f_network, self.f_user, self.f_description = "", ALL, ""
            self.f_channel = ip_rules.BOTH
        self._close()
        self._reload(actor, db)

    @rx.event
    def set_network(self, value: str):
        self.f_network = text_value(value, 60)

    @rx.event
    def set_user(self, value: str):
        self.f_user = text_value(value, 40) or ALL

    @rx.event
    def set_channel(self, value: str):
        self.f_channel = value if value in ip_rules.CHANNELS else ip_rules.BOTH

    @rx.event
    def set_description(self, value: str):
        self.f_description = text_value(value, 80)

    @rx.event
    def set_understood(self, checked: bool):
        self.understood = checked is True

    def _ask(self, title: str, text: str, excludes_self: bool, pending: dict) -> None:
        self.confirm_title, self.confirm_text = title, text
        self.warn_self, self.understood, self.dialog_error = excludes_self, False, ""
        self._pending, self.confirm_open, self.message, self.error = pending, True, "", ""

    def _close(self) -> None:
        self.confirm_open, self._pending, self.dialog_error = False, {}, ""
        self.warn_self = self.understood = False

    @handler(error="error")
    def ask_add(self, actor: Actor, db):
        user = "" if self.f_user == ALL else self.f_user
        draft = ip_admin.preview(db, actor, self.f_network, user, self.f_channel,
                                 self.f_description)
        self._ask("Agregar regla de IP",
                  f"{draft.network} · {draft.username} · {ip_rules.CHANNELS[draft.channel]}",
                  draft.excludes_self,
                  {"kind": "add", "network": draft.network, "user": user,
                   "channel": draft.channel, "description": draft.description})

    @handler(error=TOAST)
    def ask_remove(self, actor: Actor, db, rule_id: str):
        wanted = id_or_raw(rule_id)
        excludes_self = ip_admin.removal_excludes_self(db, actor, wanted)
        shown = next((r for r in self.rows if r["id"] == str(wanted)), None)
        text = (f"{shown['network']} · {shown['user']} · {shown['channel']}" if shown
                else "la regla elegida")
        self._ask("Eliminar regla de IP", text, excludes_self, {"kind": "remove", "id": wanted})

    @rx.event
    def close(self):
        self._close()

    @rx.event
    def dialog_changed(self, opened: bool):
        if opened is not True:  # Esc or a click outside closes the dialog
            self._close()

    @handler(error="dialog_error")
    def confirm(self, actor: Actor, db, form_data: dict):
        pending = self._pending
        if not self.confirm_open or not pending:
            return
        if self.warn_self and not self.understood:
            self.dialog_error = UNDERSTAND_FIRST
            return
        code = token_code(form_data)
        if pending["kind"] == "add":
            ip_admin.add(db, actor, pending["network"], pending["user"], pending["channel"],
                         pending["description"], code, understood=self.understood)
            done = f"Se agregó la regla {pending['network']}."
            self.f_network = self.f_description = ""
        else:
            ip_admin.remove(db, actor, pending["id"], code, understood=self.understood)
            done = "Se eliminó la regla."
        self._close()
        self.message = done
        db.flush()
        self._reload(actor, db)
