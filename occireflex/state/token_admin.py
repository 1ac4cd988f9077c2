"""Administración de Token > Token Virtual, and Consulta de Token (portal).

Thin: the domain decides who may act, on whom, and which change the token allows. The
chosen user (and their pending release, for «Cancelar solicitud») lives in backend vars, so
the confirmation acts on the row that was opened, never on an id the browser sends with
the token code.
"""

from __future__ import annotations

import reflex as rx

from occireflex import catalog
from occireflex.domain import exports, security_params
from occireflex.domain.access import Actor
from occireflex.domain.errors import DomainError, ValidationError
from occireflex.domain.exports import render_table_pdf
from occireflex.domain.tokens import admin as ta
from occireflex.domain.tokens import history as token_history
from occireflex.domain.tokens import portal_approval
from occireflex.domain.tokens import states as ts
from occireflex.state import downloads
from occireflex.state.handler import TOAST, handler
from occireflex.state.inputs import id_or_raw, to_int, token_code
from occireflex.state.paging import PagedMixin
from occireflex.state.portal import PortalState
from occireflex.state.token_releases import PendingReleasesState


def _grid_row(r: ta.TokenRow, verification: str = "") -> dict[str, str]:
    return {"id": str(r.user_id), "username": r.username, "name": r.full_name,
            "role": "Administrador" if r.is_admin else "Secundario",
            "physical": r.physical, "serial": r.physical_serial, "virtual": r.virtual,
            "virtual_label": r.virtual_label, "device": r.device or "—",
            "changed": r.changed or "—", "verification": verification}


class TokenAdminState(PagedMixin, PortalState):
    """The grid of the company's users and «Cambiar Estado del Token Virtual»."""

    rows: list[dict[str, str]] = []
    search: str = ""
    error: str = ""
    message: str = ""
    # the dialog: "" closed | elegir (action and causal) | confirmar (token)
    stage: str = ""
    target_username: str = ""
    target_name: str = ""
    target_state: str = ""
    target_code: str = ""
    target_actions: list[str] = []
    action: str = ""
    reason: str = ""
    dialog_error: str = ""
    action_label: str = ""
    reason_label: str = ""
    # the target's release waiting for authorization (the number the App shows on it)
    pending_verification: str = ""
    pending_expires: str = ""
    pending_reason: str = ""
    pending_app: bool = True  # the company lets the App authorize it
    # the outcome of the last Liberar, with what the App will show on the same request
    release_user: str = ""
    release_verification: str = ""
    release_expires: str = ""
    _target_id: int = 0
    _cancel_id: int = 0  # the target's pending release, chosen by the server

    @rx.var
    def reason_options(self) -> list[dict[str, str]]:
        return [{"value": k, "label": v} for k, v in ts.REASONS.get(self.action, {}).items()]

    def _reload(self, actor: Actor, db, page_turn: bool = False) -> None:
        rows, total = ta.list_users(db, actor, self.search, self.page, self.page_size)
        self.total = total
        self.page = min(self.page, max(1, -(-total // self.page_size)))
        numbers = ({p.username: p.verification for p in ta.pending_requests(db, actor)}
                   if any(r.virtual == ts.PENDIENTE for r in rows) else {})
        self.rows = [_grid_row(r, numbers.get(r.username, "")) for r in rows]

    def _grid_failed(self, exc: DomainError) -> None:
        self.rows, self.total, self.error = [], 0, exc.message

    @handler(error=_grid_failed)
    def load(self, actor: Actor, db):
        self.error, self.message, self.stage, self.release_user = "", "", "", ""
        self.page, self._target_id, self._cancel_id = 1, 0, 0
        self._reload(actor, db)

    @handler(error=_grid_failed)
    def set_search(self, actor: Actor, db, value: str):
        self.search = value[:40] if isinstance(value, str) else ""
        self.page = 1
        self._reload(actor, db)

    # «Cambiar Estado del Token Virtual» ------------------------------------------------

    @handler
    def open_change(self, actor: Actor, db, user_id: str):
        row = ta.token_row(db, actor, id_or_raw(user_id))
        self._target_id = row.user_id
        self.target_username, self.target_name = row.username, row.full_name
        self.target_state, self.target_actions = row.virtual_label, list(row.actions)
        self.target_code = row.virtual
        self.action = row.actions[0] if len(row.actions) == 1 else ""
        self.reason = self.dialog_error = ""
        self._show_pending(actor, db, row)
        self.stage = "elegir"

    def _show_pending(self, actor: Actor, db, row: ta.TokenRow) -> None:
        """The target's pending release, if any: its number, deadline and causal."""
        pending = next((p for p in ta.pending_requests(db, actor) if p.username == row.username
                        ), None) if row.virtual == ts.PENDIENTE else None
        self._cancel_id = pending.id if pending else 0
        self.pending_verification = pending.verification if pending else ""
        self.pending_expires = pending.expires if pending else ""
        self.pending_reason = pending.reason if pending else ""
        self.pending_app = (security_params.of_company(db, actor.company_id).app_may_approve
                            if pending else True)

    @rx.event
    def set_action(self, value: str):
        if isinstance(value, str) and value in ts.REASONS and value != self.action:
            self.action, self.reason = value, ""

    @rx.event
    def set_reason(self, value: str):
        self.reason = (value if isinstance(value, str) and value in ts.REASONS.get(self.action, {})
                       else "")

    @rx.event
    def close(self):
        self.stage, self._target_id, self._cancel_id, self.dialog_error = "", 0, 0, ""

    @rx.event
    def dialog_changed(self, opened: bool):
        if opened is not True:  # Esc or a click outside closes the dialog
            self.close()

    @rx.event
    def back(self):
        self.stage, self.dialog_error = "elegir", ""

    @handler(error="dialog_error")
    def continue_to_confirm(self, actor: Actor, db):
        if not self._target_id:
            self.stage = ""
            return
        if not self.action:
            self.dialog_error = "Seleccione la acción a realizar: Liberar o Bloquear."
            return
        if not self.reason:
            self.dialog_error = "Seleccione la causal."
            return
        preview = ta.preview_change(db, actor, self._target_id, self.action, self.reason)
        self.action_label, self.reason_label = preview.action_label, preview.reason_label
        self.dialog_error, self.stage = "", "confirmar"

    @handler(error="dialog_error")
    def confirm(self, actor: Actor, db, form_data: dict):
        """«Aceptar y Confirmar» with the administrator's token code."""
        if self.stage != "confirmar" or not self._target_id:
            return
        code = token_code(form_data)
        if self.action == ts.LIBERAR:
            ticket = ta.request_release(db, actor, self._target_id, self.reason, code)
        else:
            result = ta.block(db, actor, self._target_id, self.reason, code)
        self.stage, self._target_id = "", 0
        if self.action == ts.LIBERAR:
            self.release_user = ticket.username
            self.release_verification, self.release_expires = ticket.verification, ticket.expires
            self.message = ""
        else:
            self.release_user = ""
            ended = result.sessions_ended
            self.message = (f"Token virtual de {result.username} bloqueado. "
                            + (f"Se cerraron sus {ended} sesión(es) abierta(s) en el portal "
                               "y en la App." if ended else "No tenía sesiones abiertas."))
        db.flush()
        self._reload(actor, db)
        return PendingReleasesState.load  # a new release appears among the pending ones

    # «Cancelar solicitud» of the target's pending release -----------------------------

    @rx.event
    def ask_cancel(self):
        if self.stage == "elegir" and self._target_id and self._cancel_id:
            self.stage, self.dialog_error = "cancelar", ""

    @handler(error="dialog_error")
    def confirm_cancel(self, actor: Actor, db, form_data: dict):
        """«Aceptar y Confirmar» the cancellation with the administrator's token code."""
        if self.stage != "cancelar" or not self._cancel_id:
            return
        username = portal_approval.cancel_request(db, actor, self._cancel_id,
                                                  token_code(form_data))
        self.stage, self._target_id, self._cancel_id = "", 0, 0
        if self.release_user == username:
            self.release_user = ""  # its «registrada» notice no longer holds
        db.flush()
        self._reload(actor, db)
        row = next((r for r in self.rows if r["username"] == username), None)
        self.message = (f"Solicitud de liberación de {username} cancelada. Su token virtual "
                        "quedó como estaba" + (f": {row['virtual_label']}." if row else "."))
        return PendingReleasesState.load  # it leaves «Liberaciones pendientes»

    @handler(error=_grid_failed)
    def refresh(self, actor: Actor, db):
        """The grid again, as it is now (after a release was decided on the same page)."""
        self._reload(actor, db)

    @rx.event
    def dismiss_release(self):
        self.release_user = ""


class TokenHistoryState(PagedMixin, PortalState):
    """«Consulta de Token»: pick a user of the company, page through their token events."""

    users: list[dict[str, str]] = []
    user_pick: str = ""
    username: str = ""
    full_name: str = ""
    rows: list[dict[str, str]] = []
    message: str = ""
    can_excel: bool = False
    can_pdf: bool = False
    _user_id: int = 0

    def _no_users(self, exc: DomainError) -> None:
        self.users, self.message = [], exc.message

    @handler(error=_no_users)
    def load(self, actor: Actor, db):
        self.rows, self.message, self.username, self._user_id = [], "", "", 0
        self.user_pick, self.total, self.page = "", 0, 1
        self.can_excel = actor.can(token_history.SERVICE, catalog.EXCEL)
        self.can_pdf = actor.can(token_history.SERVICE, catalog.PDF)
        options = token_history.users(db, actor)
        self.users = [{"id": str(o.id), "label": o.label} for o in options]
        wanted = to_int(self.router.url.query_parameters.get("usuario"))
        if wanted and any(u["id"] == str(wanted) for u in self.users):
            return TokenHistoryState.pick_user(str(wanted))

    def _reload(self, actor: Actor, db, page_turn: bool = False) -> None:
        if not self._user_id:
            return
        result = token_history.history(db, actor, self._user_id, self.page, self.page_size)
        self.message = ""
        self.username, self.full_name = result.username, result.full_name
        self.total, self.page = result.total, result.page
        self.rows = [{"when": r.when, "event": r.event, "kind": r.kind, "reason": r.reason or "—",
                      "by": r.by, "channel": r.channel, "detail": r.detail or "—"}
                     for r in result.rows]

    def _grid_failed(self, exc: DomainError) -> None:
        self.rows, self.total, self.message = [], 0, exc.message

    @handler(error=_grid_failed)
    def pick_user(self, actor: Actor, db, value: str):
        number = to_int(value)
        if not number or not any(u["id"] == str(number) for u in self.users):
            self.message = "Seleccione un usuario de su empresa."
            return
        self.user_pick, self._user_id, self.page = str(number), number, 1
        self._reload(actor, db)

    def _export(self, actor: Actor, db, action: str) -> tuple[str, list[tuple]]:
        """The chosen user's name and history rows for ``action``."""
        if not self._user_id:
            raise ValidationError("Seleccione primero un usuario.")
        username, rows = token_history.export_rows(db, actor, self._user_id, action)
        return username, [r.cells() for r in rows]

    @handler(error=TOAST)
    def export_excel(self, actor: Actor, db):
        username, cells = self._export(actor, db, catalog.EXCEL)
        return downloads.xlsx(exports.to_xlsx("Consulta de Token", token_history.HEADERS, cells),
                              f"consulta-token-{username}.xlsx")

    @handler(error=TOAST)
    def export_pdf(self, actor: Actor, db):
        username, cells = self._export(actor, db, catalog.PDF)
        return downloads.pdf(render_table_pdf(
            "Consulta de Token", f"Usuario {username} · {self.company_name}",
            token_history.HEADERS, cells, (30, 38, 16, 44, 40, 24, 85)),
            f"consulta-token-{username}.pdf")
