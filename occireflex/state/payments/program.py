"""«Programación automática» of one inscription: the rule's form, save and cancel."""

from __future__ import annotations

from datetime import date

import reflex as rx

from occireflex.domain import bogota, money
from occireflex.domain.access import Actor
from occireflex.domain.dual import prepare
from occireflex.domain.errors import ValidationError
from occireflex.domain.payments import autopay
from occireflex.models import utcnow
from occireflex.state.handler import handler
from occireflex.state.inputs import to_id, token_code

PROGRAM_FIELDS = frozenset({"program_account", "program_mode", "program_days", "program_max",
                            "program_start", "program_end"})


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


class ProgramMixin(rx.State, mixin=True):
    program_id: int = 0
    program_label: str = ""
    program_account: str = ""
    program_mode: str = "vencimiento"
    program_days: str = "1"
    program_max: str = ""
    program_start: str = ""
    program_end: str = ""
    program_exists: bool = False
    program_error: str = ""

    @handler
    def open_program(self, actor: Actor, db, enrollment_id: str):
        row = self._shown_row(enrollment_id)
        if row is None:
            return
        rule = autopay.get_rule(db, actor, int(row["id"]))
        today = bogota.local_today(utcnow())
        self.program_id = int(row["id"])
        self.program_label = f"{row['biller_name']} ref. {row['reference']}"
        self.program_exists = rule is not None
        self.program_error = ""
        if rule is not None:
            self.program_account = str(rule.account_id)
            self.program_mode = "vencimiento" if rule.days_before == 0 else "antes"
            self.program_days = str(rule.days_before or 1)
            self.program_max = money.whole_pesos(rule.max_amount)
            self.program_start = rule.start_on.isoformat()
            self.program_end = rule.end_on.isoformat() if rule.end_on else ""
        else:
            self.program_account = self.accounts[-1]["id"] if self.accounts else ""
            self.program_mode, self.program_days, self.program_max = "vencimiento", "1", ""
            self.program_start, self.program_end = today.isoformat(), ""

    def _apply_program_field(self, field: object, value: object) -> None:
        if isinstance(field, str) and field in PROGRAM_FIELDS and isinstance(value, str):
            setattr(self, field, value[:20])

    @rx.event
    def set_program_field(self, field: str, value: str):
        self._apply_program_field(field, value)

    def _rule_input(self) -> autopay.RuleInput:
        """The form as the domain's rule; raises ValidationError naming what is wrong."""
        max_amount = money.amount(self.program_max, "monto máximo")
        days = 0 if self.program_mode == "vencimiento" else to_id(self.program_days)
        start = _date(self.program_start)
        if days is None:
            raise ValidationError("Ingrese cuántos días antes del vencimiento se paga (1 a 10).")
        if start is None:
            raise ValidationError("Ingrese la fecha de inicio.")
        end = _date(self.program_end)
        if self.program_end and end is None:
            raise ValidationError("La fecha final no es válida.")
        return autopay.RuleInput(to_id(self.program_account) or 0, days, max_amount, start, end)

    @handler(error="program_error")
    def save_program(self, actor: Actor, db, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        self.program_error = ""
        for field in ("program_days", "program_max", "program_start", "program_end"):
            if field in data:
                self._apply_program_field(field, data[field])
        sent = prepare.submit_programming(db, actor, self.program_id, self._rule_input(),
                                          token_code(data))
        label, self.program_id = self.program_label, 0
        self._changed(actor, db, f"Programación automática guardada para {label}."
                      if sent.operation_id is None else
                      f"La programación automática de {label} quedó «Pendiente por "
                      f"autorizar» (operación N.° {sent.operation_id}): se activará cuando "
                      "otro usuario la autorice.")

    @handler(error="program_error")
    def cancel_program(self, actor: Actor, db):
        autopay.cancel_rule(db, actor, self.program_id)
        label, self.program_id = self.program_label, 0
        self._changed(actor, db, f"Se canceló la programación automática de {label}.")
