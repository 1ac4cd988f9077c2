"""«Transacciones Pendientes por Autorizar» in the portal and in the App: the list, the
detail, «Autorizar» / «Rechazar» of one or several (the reason, then the token), and the
preparer's «Cancelar». What a user may do is decided in ``domain/dual``; the buttons only
follow it."""

from __future__ import annotations

from dataclasses import asdict

import reflex as rx

from occireflex import catalog
from occireflex.domain.access import Actor
from occireflex.domain.dual import decide, inbox
from occireflex.domain.errors import DomainError
from occireflex.state import downloads
from occireflex.state.handler import TOAST, handler
from occireflex.state.inputs import token_code
from occireflex.state.portal import PortalState

VERBS = ("autorizar", "rechazar")


def _row(row: inbox.InboxRow) -> dict[str, str]:
    data = {k: str(v) for k, v in asdict(row).items()}
    for flag in ("own", "can_authorize", "already_mine"):
        data[flag] = "1" if getattr(row, flag) else ""
    return data


class PendingOpsMixin(rx.State, mixin=True):
    ops_rows: list[dict[str, str]] = []
    ops_total: int = 0
    ops_page: int = 1
    ops_selected: list[str] = []
    ops_error: str = ""
    ops_message: str = ""
    ops_outcomes: list[dict[str, str]] = []
    ops_detail: dict[str, str] = {}  # the operation opened in «Ver detalle»
    ops_detail_lines: list[dict[str, str]] = []
    ops_detail_approvals: list[dict[str, str]] = []
    ops_detail_open: bool = False
    ops_verb: str = ""  # autorizar | rechazar: the dialog asking for the token
    ops_dialog_ids: list[str] = []
    ops_dialog_error: str = ""
    ops_can_excel: bool = False
    ops_can_pdf: bool = False
    ops_can_print: bool = False
    ops_badge: int = 0

    def _ops_reload(self, actor: Actor, db) -> None:
        rows, self.ops_total = inbox.pending_page(db, actor, self.ops_page)
        self.ops_rows = [_row(r) for r in rows]
        shown = {r["id"] for r in self.ops_rows if r["can_authorize"]}
        self.ops_selected = [i for i in self.ops_selected if i in shown]
        self.ops_badge = inbox.badge_count(db, actor)
        self.ops_can_excel = actor.can(catalog.PENDIENTES_AUTORIZAR, catalog.EXCEL)
        self.ops_can_pdf = actor.can(catalog.PENDIENTES_AUTORIZAR, catalog.PDF)
        self.ops_can_print = actor.can(catalog.PENDIENTES_AUTORIZAR, catalog.IMPRIMIR)

    def _ops_failed(self, exc: DomainError) -> None:
        self.ops_rows, self.ops_total, self.ops_error = [], 0, exc.message

    @handler(error=_ops_failed)
    def load_ops(self, actor: Actor, db):
        self.ops_error = self.ops_message = ""
        self.ops_verb, self.ops_detail_open, self.ops_outcomes = "", False, []
        self._ops_reload(actor, db)

    @handler(error="ops_error")
    def ops_go_page(self, actor: Actor, db, page: int | str):
        self.ops_page = int(page) if str(page).isdigit() else 1
        self._ops_reload(actor, db)

    @rx.event
    def ops_toggle(self, operation_id: str, checked: bool):
        allowed = {r["id"] for r in self.ops_rows if r["can_authorize"]}
        operation_id = str(operation_id)
        if operation_id not in allowed:
            return
        chosen = [i for i in self.ops_selected if i != operation_id]
        self.ops_selected = chosen + [operation_id] if checked is True else chosen

    @rx.event
    def ops_toggle_all(self, checked: bool):
        self.ops_selected = ([r["id"] for r in self.ops_rows if r["can_authorize"]]
                             if checked is True else [])

    @handler(error="ops_error")
    def ops_open_detail(self, actor: Actor, db, operation_id: int | str):
        shown = inbox.detail(db, actor, int(operation_id) if str(operation_id).isdigit()
                             else operation_id)
        self.ops_detail_lines = shown.pop("lines")
        self.ops_detail_approvals = shown.pop("approvals")
        self.ops_detail = {k: str(v) for k, v in shown.items()}
        self.ops_detail_open = True

    @rx.event
    def ops_close_detail(self):
        self.ops_detail_open = False

    @rx.event
    def ops_detail_changed(self, is_open: bool):
        self.ops_detail_open = is_open is True and self.ops_detail_open

    @rx.event
    def ops_ask(self, verb: str, operation_id: str = ""):
        """Open the confirmation for one operation or, without an id, the selected ones."""
        if verb not in VERBS:
            return
        ids = [str(operation_id)] if operation_id else list(self.ops_selected)
        if not ids:
            self.ops_error = "Seleccione una o varias operaciones."
            return
        self.ops_verb, self.ops_dialog_ids, self.ops_dialog_error = verb, ids, ""

    @rx.event
    def ops_close_dialog(self):
        self.ops_verb, self.ops_dialog_error = "", ""

    @rx.event
    def ops_dialog_changed(self, is_open: bool):
        if is_open is not True:
            self.ops_verb, self.ops_dialog_error = "", ""

    def _ops_refused(self, exc: DomainError) -> None:
        self.ops_dialog_error = exc.message

    @handler(error=_ops_refused)
    def ops_confirm(self, actor: Actor, db, form_data: dict):
        """«Aceptar y Confirmar»: the domain checks the grant, the company, who prepared
        each operation and the token; each operation then goes on its own."""
        data = form_data if isinstance(form_data, dict) else {}
        self.ops_dialog_error = self.ops_error = ""
        ids = [int(i) if str(i).isdigit() else i for i in self.ops_dialog_ids]
        if self.ops_verb == "autorizar":
            outcomes = decide.authorize(db, actor, ids, token_code(data))
        elif self.ops_verb == "rechazar":
            outcomes = decide.reject(db, actor, ids, data.get("reason"), token_code(data))
        else:
            return
        self.ops_outcomes = [{"id": str(o.operation_id), "ok": "1" if o.ok else "",
                              "message": o.message} for o in outcomes]
        done = sum(1 for o in outcomes if o.ok)
        self.ops_message = (f"{done} de {len(outcomes)} operación(es) "
                            f"{'autorizada(s)' if self.ops_verb == 'autorizar' else 'rechazada(s)'}.")
        self.ops_verb, self.ops_selected, self.ops_detail_open = "", [], False
        self._ops_reload(actor, db)

    @handler(error="ops_error")
    def ops_cancel(self, actor: Actor, db, operation_id: int | str):
        outcome = decide.cancel(db, actor, int(operation_id) if str(operation_id).isdigit()
                                else operation_id)
        self.ops_message = outcome.message if outcome.ok else ""
        self.ops_error = "" if outcome.ok else outcome.message
        self.ops_detail_open = False
        self._ops_reload(actor, db)

    @handler(error=TOAST)
    def ops_export_excel(self, actor: Actor, db):
        data = inbox.export(db, actor, catalog.EXCEL)
        return downloads.xlsx(data.xlsx(), "pendientes_por_autorizar.xlsx")

    @handler(error=TOAST)
    def ops_export_pdf(self, actor: Actor, db):
        data = inbox.export(db, actor, catalog.PDF)
        return downloads.pdf(data.pdf(), "pendientes_por_autorizar.pdf")

    @handler(error=TOAST)
    def ops_print(self, actor: Actor, db):
        inbox.export(db, actor, catalog.IMPRIMIR)
        self._run_in_page("print")

    @rx.event
    def ops_dismiss(self):
        self.ops_message, self.ops_outcomes = "", []


class PendingOpsState(PendingOpsMixin, PortalState):
    """The portal's page (Consultas › Transacciones Pendientes por Autorizar)."""
