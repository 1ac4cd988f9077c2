"""The rules of one row of a bulk file: every column checked, every problem reported
(row, column, value, reason), with the same field rules as the screen (``fields``,
``money``) and the same programming rules as one-by-one (``autopay.validate_rule``).

A file's values repeat from row to row (payment mode, days, amount, dates, the
programming rule): each distinct value is parsed once and remembered.
"""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

from sqlmodel import Session, select

from occireflex.domain import fields, money
from occireflex.domain.access import Actor, require, valid_id
from occireflex.domain.bulk.layout import LABEL, NUMERIC_REF, ROW, SERVICE, Progress, RowError, name_key
from occireflex.domain.errors import ValidationError
from occireflex.domain.fields import SPACES
from occireflex.domain.payments.accounts import company_accounts
from occireflex.domain.payments.autopay import MAX_DAYS_BEFORE, RuleInput, validate_rule
from occireflex.models import Biller, Enrollment

_DMY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")  # ASCII digits: never «١٢»
_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LOOKS_NUMERIC = re.compile(r"[0-9]+(?:[.,][0-9]*)?(?:[eE][+-]?[0-9]+)?")


def _as_text(value: object) -> str:
    if value is None:
        return ""
    return value.strip(SPACES) if isinstance(value, str) else str(value).strip(SPACES)


def _date(text: str) -> date | None:
    try:
        if _ISO.fullmatch(text):
            return date.fromisoformat(text)
        match = _DMY.fullmatch(text)
        if match:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        return None
    return None


def _number_like(text: str) -> bool:
    """«1.23E+09», «123456.0», «123456,0»: what a spreadsheet writes for a number."""
    return ("e" in text.lower() or "." in text or "," in text) and bool(
        _LOOKS_NUMERIC.fullmatch(text))


class Planned(NamedTuple):
    """A checked row, ready to inscribe and program."""

    row: int
    biller: Biller
    reference: str
    alias: str
    account_id: int
    rule: RuleInput
    biller_id: int


_MSG_NUMERIC_REF = ("La hoja de cálculo guardó la referencia como número (o en notación "
                    "científica): pudo perder los ceros a la izquierda. Escríbala como texto, "
                    "tal como aparece en la factura.")
_MSG_DATE = "Fecha no válida: use AAAA-MM-DD o DD/MM/AAAA."


def _text(row: dict, key: str) -> str:
    value = row.get(key)
    return value.strip(SPACES) if type(value) is str else _as_text(value)


def _fail(bad: list[RowError], number: int, key: str, value: str, reason: str) -> None:
    bad.append(RowError(number, LABEL[key], value[:100], reason))


def _text(row: dict, key: str) -> str:
    value = row.get(key)
    return value.strip(SPACES) if type(value) is str else _as_text(value)


class _Biller(NamedTuple):
    """A plain snapshot of a Biller: ORM attribute reads cost ~0.5 µs each."""

    row: Biller
    id: int
    name: str
    is_active: bool
    rule: fields.ReferenceRule


class _Row:
    """One row being checked: its number and the problems found so far."""

    def __init__(self, raw: object, index: int) -> None:
        self.values = raw if isinstance(raw, dict) else {}
        number = self.values.get(ROW)
        self.number = number if valid_id(number) else index + 2
        self.bad: list[RowError] = []

    def text(self, key: str) -> str:
        return _text(self.values, key)

    def fail(self, key: str, value: str, reason: str) -> None:
        self.bad.append(RowError(self.number, LABEL[key], value[:100], reason))


class RowChecker:
    """Checks the rows of one file against the catalog and the company, as of ``today``."""

    def __init__(self, db: Session, actor: Actor, today: date) -> None:
        self.today = today
        self.billers = {b.code: _Biller(b, b.id, b.name, b.is_active, fields.reference_rule(b))
                        for b in db.exec(select(Biller)).all()}
        self.accounts = {a.number: a.id for a in company_accounts(db, actor)}
        self.inscribed = set(db.exec(select(Enrollment.biller_id, Enrollment.reference).where(
            Enrollment.company_id == actor.company_id, Enrollment.deleted_at.is_(None))).all())
        self.modes: dict[str, str] = {}
        self.dates: dict[str, date | None] = {}
        self.amounts: dict[str, int | str] = {}  # centavos, or why the text is refused
        self.rules: dict[tuple, RuleInput | str] = {}
        self.first_seen: dict[tuple[int, str], int] = {}

    # one function per column ---------------------------------------------------------

    def biller(self, row: _Row) -> _Biller | None:
        code = row.text("convenio")
        entry = self.billers.get(code)
        if not code:
            row.fail("convenio", code, "Ingrese el código del convenio.")
        elif entry is None:
            row.fail("convenio", code, f"El convenio {code[:20]} no existe.")
        elif not entry.is_active:
            row.fail("convenio", code, f"El convenio {code} ({entry.name}) no está activo.")
        else:
            return entry
        return None

    def reference(self, row: _Row, biller: _Biller | None) -> tuple[str, str]:
        """(the text as written, the clean reference or "")."""
        raw = row.text("referencia")
        if raw.isdigit() and raw.isascii():
            numeric_like = False  # no «e», «.» or «,»: never what _number_like looks for
        else:
            numeric_like = _number_like(raw)
        if row.values.get(NUMERIC_REF) is True or numeric_like:
            row.fail("referencia", raw, _MSG_NUMERIC_REF)
        elif biller is not None:
            try:
                return raw, fields.reference(raw, biller.rule)
            except ValidationError as exc:
                row.fail("referencia", raw, exc.message)
        elif not raw:
            row.fail("referencia", raw, "Ingrese la referencia de pago.")
        return raw, ""

    def alias(self, row: _Row) -> str:
        alias = row.text("alias")
        try:
            return fields.alias(alias)
        except ValidationError as exc:
            row.fail("alias", alias, exc.message)
            return alias

    def account(self, row: _Row) -> int | None:
        text = row.text("cuenta").replace(" ", "")
        account_id = self.accounts.get(text)
        if account_id is None:
            row.fail("cuenta", text, "La cuenta no pertenece a su empresa."
                     if text else "Ingrese la cuenta débito.")
        return account_id

    def days_before(self, row: _Row) -> int | None:
        """«Pago» and «Días antes»: 0 at the due date, 1..MAX_DAYS_BEFORE days before."""
        pago = row.text("pago")
        mode = self.modes.get(pago)
        if mode is None:
            mode = self.modes[pago] = name_key(pago).upper().replace("_", "")
        days_text = row.text("dias_antes")
        if mode == "VENCIMIENTO":
            if days_text not in ("", "0"):
                row.fail("dias_antes", days_text,
                         "Con pago al VENCIMIENTO deje «Días antes» vacío o en 0.")
            return 0
        if mode == "DIASANTES":
            value = fields.ascii_int(days_text, max_digits=3)
            if value is None or not 1 <= value <= MAX_DAYS_BEFORE:
                row.fail("dias_antes", days_text,
                         f"Con pago DIAS_ANTES indique entre 1 y {MAX_DAYS_BEFORE} días.")
                return None
            return value
        row.fail("pago", pago, "Indique VENCIMIENTO o DIAS_ANTES.")
        return None

    def max_amount(self, row: _Row) -> int | str:
        """Centavos (``money.amount``, as on the screen), or the refusal."""
        text = row.text("monto_maximo")
        amount = self.amounts.get(text)
        if amount is None:
            try:
                amount = self.amounts[text] = money.amount(text)
            except ValidationError as exc:
                amount = self.amounts[text] = exc.message
        if type(amount) is str:
            row.fail("monto_maximo", text, amount)
        return amount

    def _day(self, text: str) -> date | None:
        if text in self.dates:
            return self.dates[text]
        day = self.dates[text] = _date(text)
        return day

    def start_end(self, row: _Row) -> tuple[date | None, date | None]:
        start_text = row.text("fecha_inicio")
        start = self._day(start_text) if start_text else self.today
        if start is None:
            row.fail("fecha_inicio", start_text, _MSG_DATE)
        elif start < self.today:
            row.fail("fecha_inicio", start_text, "La fecha de inicio no puede ser anterior a hoy.")
        end_text = row.text("fecha_fin")
        end = self._day(end_text) if end_text else None
        if end_text and end is None:
            row.fail("fecha_fin", end_text, _MSG_DATE)
        elif end is not None and start is not None and end < start:
            row.fail("fecha_fin", end_text,
                     "La fecha final debe ser posterior a la fecha de inicio.")
        return start, end

    def unique(self, row: _Row, biller: _Biller, raw: str, reference: str) -> None:
        """Not inscribed in the company already, nor twice in the file."""
        pair = (biller.id, reference)
        if pair in self.inscribed:
            row.fail("referencia", raw,
                     f"La referencia {reference} de {biller.name} ya está inscrita en su empresa.")
        elif pair in self.first_seen:
            row.fail("referencia", raw, f"Referencia repetida en el archivo (ya está en la fila "
                                        f"{self.first_seen[pair]}).")
        else:
            self.first_seen[pair] = row.number

    def rule(self, key: tuple) -> RuleInput | str:
        """The same rules as the one-by-one programming, once per distinct value set."""
        rule = self.rules.get(key)
        if rule is None:
            account_id, days, max_amount, start, end = key
            rule = RuleInput(account_id=account_id, days_before=days, max_amount=max_amount,
                             start_on=start, end_on=end)
            try:
                validate_rule(rule, self.today)
            except ValidationError as exc:
                rule = exc.message
            self.rules[key] = rule
        return rule

    # the row -------------------------------------------------------------------------

    def check(self, raw: object, index: int) -> tuple[list[RowError], Planned | None]:
        row = _Row(raw, index)
        biller = self.biller(row)
        raw_reference, reference = self.reference(row, biller)
        alias = self.alias(row)
        account_id = self.account(row)
        days = self.days_before(row)
        max_amount = self.max_amount(row)
        start, end = self.start_end(row)
        if biller is not None and reference:
            self.unique(row, biller, raw_reference, reference)
        if row.bad:
            return row.bad, None
        rule = self.rule((account_id, days, max_amount, start, end))
        if type(rule) is str:
            return [RowError(row.number, LABEL["pago"], "", rule)], None
        return [], Planned(row.number, biller.row, reference, alias, account_id, rule, biller.id)


def check_rows(db: Session, actor: Actor, rows: object, today: date,
               progress: Progress | None = None) -> tuple[list[RowError], list[Planned]]:
    """Every row checked once: (every problem of every row, the rows to inscribe)."""
    if not isinstance(rows, list):
        raise ValidationError("Datos del archivo no válidos.")
    if not isinstance(today, date):
        raise ValidationError("Fecha no válida.")
    checker = RowChecker(db, actor, today)
    errors: list[RowError] = []
    planned: list[Planned] = []
    total = len(rows) or 1
    for index, raw in enumerate(rows):
        if progress is not None and index and index % 20_000 == 0:
            progress(0.1 + 0.4 * index / total, f"Validando fila {money.thousands(index)}")
        bad, plan = checker.check(raw, index)
        if plan is None:
            errors.extend(bad)
        else:
            planned.append(plan)
    return errors, planned


def validate(db: Session, actor: Actor, rows: object, today: date) -> list[RowError]:
    """Every problem of every row (an empty list means the file can be enrolled)."""
    require(db, actor, SERVICE)
    errors, _ = check_rows(db, actor, rows, today)
    return errors
