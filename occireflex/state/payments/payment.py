"""Pagar: one or several selected bills, the debit account, the token and the results."""

from __future__ import annotations

import reflex as rx

from occireflex.domain import fields
from occireflex.domain.access import Actor
from occireflex.domain.dual import prepare, rules
from occireflex.domain.money import format_money
from occireflex.domain.payments import billers, pay
from occireflex.state.handler import handler
from occireflex.state.inputs import to_id, token_code


class PayMixin(rx.State, mixin=True):
    stage: str = "grid"  # grid | pay | result
    pay_lines: list[dict[str, str]] = []
    pay_account: str = ""
    pay_total: str = ""
    pay_available: str = ""
    pay_after: str = ""
    pay_error: str = ""
    pay_needs_token: bool = True
    results: list[dict[str, str]] = []
    results_ok: int = 0
    results_failed: int = 0
    pay_required: int = 0  # authorizations the payment needs (Configuración de Autorizaciones)
    pending_text: str = ""  # kept «Pendiente por autorizar» instead of paid
    _selection: list[tuple[int, int, int]] = []
    _amounts: list[int] = []
    _total_centavos: int = 0

    @handler
    def pay_one(self, actor: Actor, db, enrollment_id: str):
        eid = to_id(enrollment_id)
        self._start_payment(actor, db, [eid] if eid else [])

    @handler
    def pay_selected(self, actor: Actor, db):
        if not self.selected:
            self.error = "Seleccione una o varias inscripciones con factura pendiente."
            return
        self._start_payment(actor, db, [int(i) for i in self.selected])

    def _start_payment(self, actor: Actor, db, ids: list[int]) -> None:
        self.error = self.pay_error = ""
        lines = pay.payable_lines(db, actor, ids)
        self._selection = [(line.enrollment_id, line.bill_id, line.bill_version)
                           for line in lines]
        self._amounts = [line.amount for line in lines]
        self.pay_lines = [{"biller": line.biller_name, "reference": line.reference,
                           "alias": line.alias, "due": line.due_on, "state": line.state,
                           "amount": format_money(line.amount), "covered": "1"}
                          for line in lines]
        if not self.pay_account and self.accounts:
            self.pay_account = self.accounts[-1]["id"]
        self._totals(actor, db)
        self.stage = "pay"

    @rx.var
    def pay_short(self) -> int:
        """Bills the chosen account cannot cover: confirmation disabled."""
        return sum(1 for line in self.pay_lines if not line["covered"])

    @rx.var
    def pay_overdue(self) -> int:
        """Bills past their due date: the confirmation says so."""
        return sum(1 for line in self.pay_lines if line["state"] == billers.SHOWN_OVERDUE)

    def _totals(self, actor: Actor, db) -> None:
        """The total, the authorizations and the token it needs, and the funds."""
        self._total_centavos = sum(self._amounts)
        self.pay_total = format_money(self._total_centavos)
        self.pay_needs_token = pay.asks_token(db, actor, self._total_centavos)
        self.pay_required = rules.required_for(db, actor.company_id, rules.PAGO,
                                               self._total_centavos)
        self._refresh_balance(actor, db)

    def _refresh_balance(self, actor: Actor, db) -> None:
        self.pay_available, self.pay_after, covered = pay.funds_summary(
            db, actor, to_id(self.pay_account), self._amounts)
        self.pay_lines = [{**line, "covered": "1" if ok else ""}
                          for line, ok in zip(self.pay_lines, covered, strict=True)]

    @handler(error="pay_error")
    def remove_pay_line(self, actor: Actor, db, index: str):
        """«Quitar» a bill from the payment (e.g. one the account cannot cover)."""
        position = fields.ascii_int(index)
        if position is None or not 0 <= position < len(self._selection):
            return
        if len(self._selection) == 1:
            self.stage = "grid"
            self._reload(actor, db)
            return
        for items in (self._selection, self._amounts, self.pay_lines):
            del items[position]
        self._totals(actor, db)

    @handler(error="pay_error")
    def set_pay_account(self, actor: Actor, db, value: str):
        self.pay_account = value if isinstance(value, str) else ""
        self._refresh_balance(actor, db)

    @handler
    def back_to_grid(self, actor: Actor, db):
        self.stage, self.pay_error = "grid", ""
        self._reload(actor, db)

    @handler(error="pay_error")
    def confirm_payment(self, actor: Actor, db, form_data: dict):
        code = token_code(form_data) if self.pay_needs_token else ""
        self.pay_error = ""
        if not self.pay_needs_token:  # asked again if the amount or the parameter changed
            self.pay_needs_token = pay.asks_token(db, actor, self._total_centavos)
        sent = prepare.submit_payment(db, actor, list(self._selection),
                                      to_id(self.pay_account), code)
        if sent.operation_id is not None:
            self.results = [{**line, "ok": "", "receipt": "", "reason": ""}
                            for line in self.pay_lines]
            self.results_ok = self.results_failed = 0
            self.pending_text = (
                f"Operación N.° {sent.operation_id} «Pendiente por autorizar»: requiere "
                f"{sent.required} autorización(es) de otro usuario en Transacciones "
                "Pendientes por Autorizar. El dinero no se ha debitado.")
        else:
            self.pending_text = ""
            self.results = [{"biller": r.biller_name, "reference": r.reference,
                             "amount": format_money(r.amount), "ok": "1" if r.ok else "",
                             "receipt": r.receipt, "reason": r.reason} for r in sent.results]
            self.results_ok = sum(1 for r in sent.results if r.ok)
            self.results_failed = len(sent.results) - self.results_ok
        self.stage, self.selected, self._selection = "result", [], []
