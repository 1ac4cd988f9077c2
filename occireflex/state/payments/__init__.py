"""Transacciones > Pagos > Servicios Públicos y Privados (seed 000): one state for the
screen, composed of one mixin per part of it.

Tabs «Administración de Pagos de Servicios» (``inscribe``) and «Inscripciones» (``grid``:
modify, delete, select; ``pay``: pay one or several; ``program``: programación automática).
Only the visible page is in state.
"""

from __future__ import annotations

import reflex as rx

from occireflex.domain.access import Actor
from occireflex.domain.payments import inscriptions, pay
from occireflex.domain.payments.accounts import mask_account
from occireflex.state.handler import handler
from occireflex.state.payments.barcode import BarcodeMixin
from occireflex.state.payments.grid import GridMixin
from occireflex.state.payments.inscribe import InscribeMixin, billers_fold, reference_hint
from occireflex.state.payments.payment import PayMixin
from occireflex.state.payments.program import ProgramMixin
from occireflex.state.portal import PortalState

TAB_ADMIN, TAB_GRID, TAB_BULK = "administracion", "inscripciones", "carga"

__all__ = ["PaymentsState", "TAB_ADMIN", "TAB_BULK", "TAB_GRID"]


class PaymentsState(BarcodeMixin, InscribeMixin, PayMixin, ProgramMixin, GridMixin,
                    PortalState):
    tab: str = TAB_GRID
    message: str = ""
    error: str = ""
    accounts: list[dict[str, str]] = []

    @handler
    def load(self, actor: Actor, db):
        if not self._resumed:  # a reconnect keeps the open form, selection and stage
            self.message = self.error = ""
            self.stage, self.selected, self.form_open = "grid", [], False
            self.edit_id = self.delete_id = self.program_id = 0
            self.barcode_mode = ""
        self.accounts = [
            {"id": str(a.id), "label": f"{a.name} · {mask_account(a.number)}"}
            for a in pay.accounts_for(db, actor)]
        self.biller_options = [{
            "id": str(b.id), "label": f"{b.code} · {b.name}",
            "search": billers_fold(f"{b.code} {b.name} {b.sector}"),
            "category": "Público" if b.category == "publico" else "Privado",
            "ref_label": b.ref_label,
            "hint": reference_hint(b.ref_min, b.ref_max, b.ref_numeric),
        } for b in inscriptions.list_billers(db, actor)]
        own = {a["id"] for a in self.accounts}
        if self.accounts and self.account_id not in own:
            self.account_id = self.accounts[-1]["id"]
        if self.pay_account not in own:
            self.pay_account = ""
        self._reload(actor, db)

    @rx.event
    def set_tab(self, tab: str):
        self.tab = tab if tab in (TAB_ADMIN, TAB_GRID, TAB_BULK) else TAB_GRID
        self.message = self.error = ""

    def _inscribed(self) -> None:
        self.form_open, self.tab = False, TAB_GRID
