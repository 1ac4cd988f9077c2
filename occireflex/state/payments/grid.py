"""The «Inscripciones» grid: filters, one page, selection, modificar and eliminar."""

from __future__ import annotations

import reflex as rx

from occireflex.domain.access import Actor
from occireflex.domain.money import format_money
from occireflex.domain.payments import billers, inscriptions, pay
from occireflex.domain.payments.accounts import mask_account
from occireflex.state.handler import handler
from occireflex.state.inputs import to_id
from occireflex.state.paging import PagedMixin


class GridMixin(PagedMixin, mixin=True):
    rows: list[dict[str, str]] = []
    filter_biller: str = ""
    filter_reference: str = ""
    filter_state: str = ""
    selected: list[str] = []  # enrollment ids as the grid shows them
    edit_id: int = 0
    edit_alias: str = ""
    edit_account: str = ""
    delete_id: int = 0
    delete_label: str = ""

    def _shown_row(self, enrollment_id: object) -> dict[str, str] | None:
        """A row of the visible page (the browser may only act on what it was shown)."""
        return next((r for r in self.rows if r["id"] == str(to_id(enrollment_id))), None)

    def _reload(self, actor: Actor, db, page_turn: bool = False) -> None:
        def fetch():
            return inscriptions.list_page(
                db, actor, biller_id=to_id(self.filter_biller),
                reference=self.filter_reference, state=self.filter_state, page=self.page,
                page_size=self.page_size, known_total=self.total if page_turn else None)

        rows, total = fetch()
        if not rows and self.page > 1:  # the page emptied (deletions meanwhile): recount
            page_turn = False
            total = fetch()[1]
            self.page = max(1, -(-total // self.page_size))
            rows, total = fetch()
        self.total = total
        self.rows = [{
            "id": str(r.id), "biller": f"{r.biller_code} · {r.biller_name}",
            "biller_name": r.biller_name, "reference": r.reference, "alias": r.alias,
            "account": mask_account(r.account_number),
            "amount": format_money(r.amount) if r.amount is not None else "—",
            "due": r.due_on.strftime("%Y/%m/%d") if r.due_on else "—", "state": r.state,
            "payable": "1" if r.state in billers.SHOWN_PAYABLE else "",
            "programmed": r.program_summary,
        } for r in rows]

    def _changed(self, actor: Actor, db, message: str) -> None:
        """After a change: say so and show the grid as it is now."""
        self.message = message
        db.flush()
        self._reload(actor, db)

    @handler
    def set_filter_biller(self, actor: Actor, db, value: str):
        self.filter_biller = "" if value == "todos" else (value if to_id(value) else "")
        self.page = 1
        self._reload(actor, db)

    @handler
    def set_filter_reference(self, actor: Actor, db, value: str):
        self.filter_reference = value[:30] if isinstance(value, str) else ""
        self.page = 1
        self._reload(actor, db)

    @handler
    def set_filter_state(self, actor: Actor, db, value: str):
        self.filter_state = value if value in inscriptions.STATES else ""
        self.page = 1
        self._reload(actor, db)

    @rx.event
    def toggle_selected(self, enrollment_id: str):
        eid = to_id(enrollment_id)
        if eid is None:
            return
        key = str(eid)
        if key in self.selected:
            self.selected = [i for i in self.selected if i != key]
        elif len(self.selected) < pay.MAX_BILLS_PER_PAYMENT:
            self.selected = [*self.selected, key]

    @handler
    def open_edit(self, actor: Actor, db, enrollment_id: str):
        row = self._shown_row(enrollment_id)
        if row is None:
            return
        enrollment = inscriptions.own_enrollment(db, actor, int(row["id"]))
        self.edit_id, self.edit_alias = enrollment.id, enrollment.alias
        self.edit_account, self.error = str(enrollment.account_id), ""

    @rx.event
    def set_edit_account(self, value: str):
        self.edit_account = value if isinstance(value, str) else ""

    @rx.event
    def close_dialogs(self):
        self.edit_id = self.delete_id = self.program_id = 0

    @handler
    def save_edit(self, actor: Actor, db, form_data: dict):
        alias = form_data.get("alias", "") if isinstance(form_data, dict) else ""
        inscriptions.modify(db, actor, self.edit_id, alias, to_id(self.edit_account))
        self.edit_id = 0
        self._changed(actor, db, "La inscripción fue modificada.")

    @rx.event
    def ask_delete(self, enrollment_id: str):
        row = self._shown_row(enrollment_id)
        if row is not None:
            self.delete_id = int(row["id"])
            self.delete_label = f"{row['biller_name']} ref. {row['reference']}"

    @handler
    def confirm_delete(self, actor: Actor, db):
        target, self.delete_id = self.delete_id, 0
        inscriptions.delete(db, actor, target)
        self.selected = [i for i in self.selected if i != str(target)]
        self._changed(actor, db, f"Se eliminó la inscripción {self.delete_label}.")
