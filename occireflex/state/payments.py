"""Transacciones > Pagos > Servicios Públicos y Privados (seed 000).

Tabs «Administración de Pagos de Servicios» (inscribe) and «Inscripciones» (grid, modify,
delete, pay one or several, programación automática). Only the visible page is in state.
"""

from __future__ import annotations

from datetime import date

import reflex as rx

from occireflex.db import session_scope
from occireflex.domain import bogota, fields, money, paging
from occireflex.domain.access import Actor
from occireflex.domain.errors import DomainError, ValidationError
from occireflex.domain.money import format_money
from occireflex.domain.payments import autopay, inscriptions, pay
from occireflex.domain.payments.accounts import mask_account
from occireflex.domain.security import fold
from occireflex.models import utcnow
from occireflex.state.paging import PagedMixin
from occireflex.state.portal import PortalState
from occireflex.state.session import LOGIN_ROUTE

TAB_ADMIN, TAB_GRID, TAB_BULK = "administracion", "inscripciones", "carga"
PROGRAM_FIELDS = frozenset({"program_account", "program_mode", "program_days", "program_max",
                            "program_start", "program_end"})


def _int(value: object) -> int | None:
    """A positive id or count from the browser, in ASCII digits only («١٢» is not 12)."""
    number = fields.ascii_int(value, max_digits=10)
    return number if number is not None and 0 < number < 2**31 else None


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


class PaymentsState(PagedMixin, PortalState):
    tab: str = TAB_GRID
    message: str = ""
    error: str = ""
    accounts: list[dict[str, str]] = []
    biller_options: list[dict[str, str]] = []
    # «Inscribir nuevo servicio»
    form_open: bool = False
    biller_search: str = ""
    biller_id: str = ""
    account_id: str = ""
    # «Inscripciones» grid
    rows: list[dict[str, str]] = []
    filter_biller: str = ""
    filter_reference: str = ""
    filter_state: str = ""
    selected: list[str] = []  # enrollment ids as the grid shows them
    # modificar / eliminar
    edit_id: int = 0
    edit_alias: str = ""
    edit_account: str = ""
    delete_id: int = 0
    delete_label: str = ""
    # pagar
    stage: str = "grid"  # grid | pay | result
    pay_lines: list[dict[str, str]] = []
    pay_account: str = ""
    pay_total: str = ""
    pay_available: str = ""
    pay_after: str = ""
    pay_error: str = ""
    results: list[dict[str, str]] = []
    results_ok: int = 0
    results_failed: int = 0
    _selection: list[tuple[int, int, int]] = []
    _total_centavos: int = 0
    # programación automática
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



    @rx.var
    def reference_hint(self) -> str:
        match = next((b for b in self.biller_options if b["id"] == self.biller_id), None)
        return match["hint"] if match else "Seleccione primero el convenio"

    @rx.var
    def reference_label(self) -> str:
        match = next((b for b in self.biller_options if b["id"] == self.biller_id), None)
        return match["ref_label"] if match else "Referencia de pago"

    @rx.var
    def visible_billers(self) -> list[dict[str, str]]:
        key = billers_fold(self.biller_search)
        return [b for b in self.biller_options if not key or key in b["search"]]

    # -- plumbing ---------------------------------------------------------------------

    def _guarded(self, work, on_error: str = "error"):
        """Run ``work(actor, db)``; domain errors become a Spanish message, never a crash."""
        actor = self._actor()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        try:
            with session_scope() as db:
                return work(actor, db)
        except DomainError as exc:
            setattr(self, on_error, exc.message)
        return None

    def _reload_grid(self, actor: Actor, db, *, page_turn: bool = False) -> None:
        def fetch():
            return inscriptions.list_page(
                db, actor, biller_id=_int(self.filter_biller), reference=self.filter_reference,
                state=self.filter_state, page=self.page, page_size=self.page_size,
                known_total=self.total if page_turn else None)

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
            "payable": "1" if r.state in ("Pendiente", "Vencida") else "",
            "programmed": r.program_summary,
        } for r in rows]

    # -- loading ----------------------------------------------------------------------

    @rx.event
    def load(self):
        self.message = self.error = ""
        self.stage, self.selected, self.form_open = "grid", [], False
        self.edit_id = self.delete_id = self.program_id = 0

        def work(actor: Actor, db):
            self.accounts = [
                {"id": str(a.id), "label": f"{a.name} · {mask_account(a.number)}"}
                for a in pay.accounts_for(db, actor)]
            self.biller_options = [{
                "id": str(b.id), "label": f"{b.code} · {b.name}",
                "search": billers_fold(f"{b.code} {b.name} {b.sector}"),
                "category": "Público" if b.category == "publico" else "Privado",
                "ref_label": b.ref_label,
                "hint": _hint(b.ref_min, b.ref_max, b.ref_numeric),
            } for b in inscriptions.list_billers(db, actor)]
            own = {a["id"] for a in self.accounts}
            if self.accounts and self.account_id not in own:
                self.account_id = self.accounts[-1]["id"]
            if self.pay_account not in own:
                self.pay_account = ""
            self._reload_grid(actor, db)

        return self._guarded(work)

    @rx.event
    def set_tab(self, tab: str):
        self.tab = tab if tab in (TAB_ADMIN, TAB_GRID, TAB_BULK) else TAB_GRID
        self.message = self.error = ""

    # -- inscribir --------------------------------------------------------------------

    @rx.event
    def open_form(self):
        self.form_open, self.error, self.message = True, "", ""
        self.biller_id = self.biller_search = ""

    @rx.event
    def close_form(self):
        self.form_open = False

    @rx.event
    def set_biller_search(self, value: str):
        self.biller_search = value[:40] if isinstance(value, str) else ""

    @rx.event
    def set_biller_id(self, value: str):
        self.biller_id = value if any(b["id"] == value for b in self.biller_options) else ""

    @rx.event
    def set_account_id(self, value: str):
        self.account_id = value if isinstance(value, str) else ""

    @rx.event
    def inscribe(self, form_data: dict):
        self.error = ""
        data = form_data if isinstance(form_data, dict) else {}

        def work(actor: Actor, db):
            row = inscriptions.inscribe(db, actor, _int(self.biller_id), data.get("referencia"),
                                       data.get("alias", ""), _int(self.account_id))
            label = next((b["label"] for b in self.biller_options
                          if b["id"] == self.biller_id), "")
            self.message = f"Servicio inscrito: {label}, referencia {row.reference}."
            self.form_open, self.tab = False, TAB_GRID
            db.flush()
            self._reload_grid(actor, db)

        return self._guarded(work)

    # -- grid -------------------------------------------------------------------------

    @rx.event
    def set_filter_biller(self, value: str):
        self.filter_biller = "" if value == "todos" else (value if _int(value) else "")
        self.page = 1
        return self._guarded(self._reload_grid)

    @rx.event
    def set_filter_reference(self, value: str):
        self.filter_reference = value[:30] if isinstance(value, str) else ""
        self.page = 1
        return self._guarded(self._reload_grid)

    @rx.event
    def set_filter_state(self, value: str):
        self.filter_state = value if value in inscriptions.STATES else ""
        self.page = 1
        return self._guarded(self._reload_grid)

    @rx.event
    def set_page_size(self, value: str):
        size = _int(value)
        self.page_size = size if size in paging.PAGE_SIZES else 10
        self.page = 1
        return self._guarded(self._reload_grid)

    @rx.event
    def go_to_page(self, page: int):
        self.page = min(max(1, _int(page) or 1), self.page_count)
        return self._guarded(lambda actor, db: self._reload_grid(actor, db, page_turn=True))

    @rx.event
    def toggle_selected(self, enrollment_id: str):
        eid = _int(enrollment_id)
        if eid is None:
            return
        key = str(eid)
        if key in self.selected:
            self.selected = [i for i in self.selected if i != key]
        elif len(self.selected) < pay.MAX_BILLS_PER_PAYMENT:
            self.selected = [*self.selected, key]

    # -- modificar / eliminar -----------------------------------------------------------

    @rx.event
    def open_edit(self, enrollment_id: str):
        row = next((r for r in self.rows if r["id"] == str(_int(enrollment_id))), None)
        if row is None:
            return

        def work(actor: Actor, db):
            enrollment = inscriptions.own_enrollment(db, actor, int(row["id"]))
            self.edit_id, self.edit_alias = enrollment.id, enrollment.alias
            self.edit_account, self.error = str(enrollment.account_id), ""

        return self._guarded(work)

    @rx.event
    def set_edit_account(self, value: str):
        self.edit_account = value if isinstance(value, str) else ""

    @rx.event
    def close_dialogs(self):
        self.edit_id = self.delete_id = self.program_id = 0

    @rx.event
    def save_edit(self, form_data: dict):
        alias = form_data.get("alias", "") if isinstance(form_data, dict) else ""

        def work(actor: Actor, db):
            inscriptions.modify(db, actor, self.edit_id, alias, _int(self.edit_account))
            self.edit_id, self.message = 0, "La inscripción fue modificada."
            db.flush()
            self._reload_grid(actor, db)

        return self._guarded(work)

    @rx.event
    def ask_delete(self, enrollment_id: str):
        row = next((r for r in self.rows if r["id"] == str(_int(enrollment_id))), None)
        if row is not None:
            self.delete_id = int(row["id"])
            self.delete_label = f"{row['biller_name']} ref. {row['reference']}"

    @rx.event
    def confirm_delete(self):
        target, self.delete_id = self.delete_id, 0

        def work(actor: Actor, db):
            inscriptions.delete(db, actor, target)
            self.selected = [i for i in self.selected if i != str(target)]
            self.message = f"Se eliminó la inscripción {self.delete_label}."
            db.flush()
            self._reload_grid(actor, db)

        return self._guarded(work)

    # -- pagar --------------------------------------------------------------------------

    @rx.event
    def pay_one(self, enrollment_id: str):
        eid = _int(enrollment_id)
        return self._start_payment([eid] if eid else [])

    @rx.event
    def pay_selected(self):
        if not self.selected:
            self.error = "Seleccione una o varias inscripciones con factura pendiente."
            return
        return self._start_payment([int(i) for i in self.selected])

    def _start_payment(self, ids: list[int]):
        self.error = self.pay_error = ""

        def work(actor: Actor, db):
            lines = pay.payable_lines(db, actor, ids)
            self._selection = [(line.enrollment_id, line.bill_id, line.bill_version)
                               for line in lines]
            self._total_centavos = sum(line.amount for line in lines)
            self.pay_lines = [{"biller": line.biller_name, "reference": line.reference,
                               "alias": line.alias, "due": line.due_on, "state": line.state,
                               "amount": format_money(line.amount)} for line in lines]
            self.pay_total = format_money(self._total_centavos)
            if not self.pay_account and self.accounts:
                self.pay_account = self.accounts[-1]["id"]
            self._refresh_balance(actor, db)
            self.stage = "pay"

        return self._guarded(work)

    def _refresh_balance(self, actor: Actor, db) -> None:
        now_text, after_text = pay.balance_after(db, actor, _int(self.pay_account),
                                                      self._total_centavos)
        self.pay_available, self.pay_after = now_text, after_text

    @rx.event
    def set_pay_account(self, value: str):
        self.pay_account = value if isinstance(value, str) else ""
        return self._guarded(self._refresh_balance, "pay_error")

    @rx.event
    def back_to_grid(self):
        self.stage, self.pay_error = "grid", ""
        return self._guarded(self._reload_grid)

    @rx.event
    def confirm_payment(self, form_data: dict):
        code = form_data.get("token") if isinstance(form_data, dict) else None
        code = code.strip() if isinstance(code, str) else code
        self.pay_error = ""

        def work(actor: Actor, db):
            results = pay.pay_bills(db, actor, list(self._selection),
                                         _int(self.pay_account), code)
            self.results = [{"biller": r.biller_name, "reference": r.reference,
                             "amount": format_money(r.amount), "ok": "1" if r.ok else "",
                             "receipt": r.receipt, "reason": r.reason} for r in results]
            self.results_ok = sum(1 for r in results if r.ok)
            self.results_failed = len(results) - self.results_ok
            self.stage, self.selected, self._selection = "result", [], []

        return self._guarded(work, "pay_error")

    # -- programación automática ----------------------------------------------------

    @rx.event
    def open_program(self, enrollment_id: str):
        row = next((r for r in self.rows if r["id"] == str(_int(enrollment_id))), None)
        if row is None:
            return

        def work(actor: Actor, db):
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

        return self._guarded(work)

    def _apply_program_field(self, field: object, value: object) -> None:
        if isinstance(field, str) and field in PROGRAM_FIELDS and isinstance(value, str):
            setattr(self, field, value[:20])

    @rx.event
    def set_program_field(self, field: str, value: str):
        self._apply_program_field(field, value)

    @rx.event
    def save_program(self, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        code = data.get("token")
        code = code.strip() if isinstance(code, str) else code
        self.program_error = ""
        for field in ("program_days", "program_max", "program_start", "program_end"):
            if field in data:
                self._apply_program_field(field, data[field])
        try:
            max_amount = money.amount(self.program_max, "monto máximo")
        except ValidationError as exc:
            self.program_error = exc.message
            return
        days = 0 if self.program_mode == "vencimiento" else _int(self.program_days)
        start = _date(self.program_start)
        if days is None:
            self.program_error = "Ingrese cuántos días antes del vencimiento se paga (1 a 10)."
            return
        if start is None:
            self.program_error = "Ingrese la fecha de inicio."
            return
        end = _date(self.program_end)
        if self.program_end and end is None:
            self.program_error = "La fecha final no es válida."
            return
        values = autopay.RuleInput(_int(self.program_account) or 0, days, max_amount, start, end)

        def work(actor: Actor, db):
            autopay.set_rule(db, actor, self.program_id, values, code)
            self.message = f"Programación automática guardada para {self.program_label}."
            self.program_id = 0
            db.flush()
            self._reload_grid(actor, db)

        return self._guarded(work, "program_error")

    @rx.event
    def cancel_program(self):
        def work(actor: Actor, db):
            autopay.cancel_rule(db, actor, self.program_id)
            self.message = f"Se canceló la programación automática de {self.program_label}."
            self.program_id = 0
            db.flush()
            self._reload_grid(actor, db)

        return self._guarded(work, "program_error")


def billers_fold(text: str) -> str:
    return fold(text) if isinstance(text, str) else ""


def _hint(minimum: int, maximum: int, numeric: bool) -> str:
    size = f"{minimum}" if minimum == maximum else f"{minimum} a {maximum}"
    kind = "dígitos" if numeric else "letras o dígitos"
    return f"{size} {kind}; los ceros a la izquierda cuentan"

