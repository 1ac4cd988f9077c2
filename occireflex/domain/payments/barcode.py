"""«Inscribir con código de barras» and «Pagar con código de barras».

Colombian bills carry a GS1-128 barcode with four element strings:

| AI     | what                                   | here                       |
|--------|----------------------------------------|----------------------------|
| (415)  | GLN of the biller (13 digits, mod 10)  | ``Biller.gln``             |
| (8020) | payment reference (up to 25 characters)| ``Enrollment.reference``   |
| (3900) | amount payable, pesos (390n: n decimals)| ``Bill.amount`` (centavos) |
| (96)   | due date AAAAMMDD (a company-internal AI the billers use) | ``Bill.due_on`` |

``parse_line`` reads the line printed under the bars, «(415)7709998010017(8020)0045123987
(3900)98558100(96)20261220» (blanks anywhere), or what a scanner sends: the same without
parentheses, the variable-length fields ended by the FNC1 separator (GS, \\x1d; a blank
also ends one) and perhaps the symbology prefix «]C1». ``biip`` splits the element strings
(it knows AI 96: variable, up to 90 characters) and checks the GLN's check digit; this module
adds the bill's rules. ``barcode_image.decode_image`` reads a photo or scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import biip
from biip.gs1_messages import GS1Message
from sqlmodel import Session, select

from occireflex.domain import fields
from occireflex.domain.access import Actor, require
from occireflex.domain.bogota import day_text, local_today
from occireflex.domain.errors import ValidationError
from occireflex.domain.money import format_pesos
from occireflex.domain.payments import billers, inscriptions, pay
from occireflex.domain.payments.barcode_image import decode_image
from occireflex.models import Bill, Biller, Enrollment

__all__ = ["BarcodeData", "decode_image", "inscribe_from_barcode", "parse_line",
           "payable_from_barcode", "biller_of"]

MAX_LINE = 300
SYMBOLOGY_GS1_128 = "]C1"
GS = "\x1d"
GLN, REFERENCE, AMOUNT, DUE = "415", "8020", "390", "96"  # AMOUNT: 3900 … 3909
FIELD_NAMES = {GLN: "el código del convenio (415)", REFERENCE: "la referencia de pago (8020)",
               AMOUNT: "el valor a pagar (3900)", DUE: "la fecha límite de pago (96)"}
EXAMPLE = "(415)…(8020)…(3900)…(96)…"

EMPTY = "Ingrese el código de barras de la factura."
TOO_LONG = f"El código de barras puede tener como máximo {MAX_LINE} caracteres."
NOT_GS1 = "El código leído no es el código de barras de una factura (GS1-128)."
BAD_CHARACTERS = ("El código de barras solo puede tener los caracteres de un GS1-128 (dígitos, "
                  "letras sin tildes, paréntesis y separadores).")
UNREADABLE = ("No se pudo leer el código de barras. Escríbalo como aparece bajo las barras, con "
              f"los paréntesis: {EXAMPLE}")
NO_SEPARATORS = ("Sin paréntesis, los campos del código de barras deben ir separados (carácter "
                 f"FNC1 o un espacio). Escríbalo con los paréntesis: {EXAMPLE}")
BAD_FORMAT = {
    GLN: "El código del convenio (415) debe tener 13 dígitos.",
    REFERENCE: ("La referencia de pago (8020) debe tener entre 1 y 25 caracteres (dígitos, "
                "letras sin tildes y signos de GS1)."),
    AMOUNT: "El valor a pagar ({ai}) debe tener solo dígitos, hasta 15.",
    DUE: "La fecha límite de pago (96) del código de barras no es válida.",
}
_FAILED_AI = re.compile(r"GS1 AI \((\d{2,4})\)")
BAD_GLN = "El dígito de verificación del código del convenio (415) no es válido."
UNKNOWN_BILLER = "El código de barras no corresponde a ningún convenio del catálogo."


@dataclass(frozen=True)
class BarcodeData:
    """What a bill's barcode says."""

    gln: str
    reference: str  # as printed: the biller's rules are applied with the biller (biller_of)
    amount_centavos: int
    due_on: date


# Parsing -----------------------------------------------------------------------------

def parse_line(text: object) -> BarcodeData:
    """The bill data of a barcode's text; ValidationError naming what is wrong."""
    message = _message(_clean(text))
    values: dict[str, tuple[str, str]] = {}  # field → (AI as read, value)
    for element in message.element_strings:
        ai = element.ai.ai
        field = AMOUNT if ai.startswith(AMOUNT) and len(ai) == 4 else ai
        if field in values:
            raise ValidationError(f"El código de barras trae dos veces el campo ({ai}).")
        values[field] = (ai, element.value)
        if field == GLN and element.gln is None:
            raise ValidationError(BAD_GLN)
    missing = [FIELD_NAMES[f] for f in FIELD_NAMES if f not in values]
    if missing:
        listed = missing[0] if len(missing) == 1 else (
            ", ".join(missing[:-1]) + " y " + missing[-1])
        raise ValidationError(f"Al código de barras le falta {listed}.")
    return BarcodeData(gln=values[GLN][1], reference=values[REFERENCE][1],
                       amount_centavos=_centavos(*values[AMOUNT]),
                       due_on=_due_date(values[DUE][1]))


def _clean(text: object) -> str:
    """The text without its symbology prefix; blanks gone (parentheses) or separators."""
    if not isinstance(text, str) or not fields.strip(text).strip(GS):
        raise ValidationError(EMPTY)
    text = fields.strip(text).strip(GS)  # a leading GS is the FNC1 of the first position
    if len(text) > MAX_LINE:
        raise ValidationError(TOO_LONG)
    if text.startswith("]"):
        if not text.startswith(SYMBOLOGY_GS1_128):
            raise ValidationError(NOT_GS1)
        text = text[len(SYMBOLOGY_GS1_128):].lstrip(GS)
    if not text.isascii() or fields.has_control(text.replace(GS, "")):
        raise ValidationError(BAD_CHARACTERS)
    if "(" in text or ")" in text:
        return "".join(text.replace(GS, "").split())
    pieces = text.replace(GS, " ").split()  # blanks and GS both end a field
    if len(pieces) == 1 and len(text) > 17:  # (415) plus one more field, without a separator
        raise ValidationError(NO_SEPARATORS)
    return GS.join(pieces)


def _message(text: str) -> GS1Message:
    try:
        if text.startswith("("):
            return GS1Message.parse_hri(text)
        return GS1Message.parse(text)
    except (biip.ParseError, ValueError) as exc:
        raise ValidationError(_unreadable(str(exc))) from exc


def _unreadable(error: str) -> str:
    """The Spanish message for biip's error: the field it names, or the whole line."""
    found = _FAILED_AI.search(error)
    ai = found.group(1) if found else ""
    field = AMOUNT if ai.startswith(AMOUNT) and len(ai) == 4 else ai
    if field in BAD_FORMAT:
        return BAD_FORMAT[field].format(ai=ai)
    if ai:
        return f"El campo ({ai}) del código de barras no es válido."
    return UNREADABLE


def _centavos(ai: str, value: str) -> int:
    """(390n): the amount with n decimals, as whole centavos greater than zero."""
    if not (ai[3].isdigit() and value.isascii() and value.isdigit()):
        raise ValidationError(f"El valor a pagar ({ai}) del código de barras no es válido.")
    amount = Decimal(value).scaleb(-int(ai[3])) * 100
    if amount != amount.to_integral_value():
        raise ValidationError(
            f"El valor a pagar ({ai}) del código de barras tiene más de dos decimales.")
    if amount <= 0:
        raise ValidationError(
            f"El valor a pagar ({ai}) del código de barras debe ser mayor que cero.")
    return int(amount)


def _due_date(value: str) -> date:
    """(96): the due date as AAAAMMDD."""
    if len(value) == 8 and value.isascii() and value.isdigit():
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            pass
    raise ValidationError(f"La fecha límite de pago (96) del código de barras no es válida: "
                          f"«{value[:20]}» (debe ser una fecha AAAAMMDD).")


# The bill behind a barcode -------------------------------------------------------------

def biller_of(db: Session, data: BarcodeData) -> tuple[Biller, str]:
    """The active biller of the barcode's GLN and the reference checked by its rules."""
    biller = db.exec(select(Biller).where(Biller.gln == data.gln)).first()
    if biller is None or not biller.is_active:
        raise ValidationError(UNKNOWN_BILLER)
    try:
        return biller, billers.normalize_reference(biller, data.reference)
    except ValidationError as exc:
        raise ValidationError(f"La referencia {data.reference} del código de barras no es "
                              f"válida. {exc.message}") from exc


def _read(code: object) -> BarcodeData:
    """A barcode's data from its text or from a photo/scan of it (bytes)."""
    return parse_line(decode_image(code) if isinstance(code, bytes | bytearray) else code)


def inscribe_from_barcode(db: Session, actor: Actor, text_or_data: str | bytes,
                          account_id: object, alias: object,
                          now: datetime | None = None) -> Enrollment:
    """«Inscribir con código de barras»: the biller and the reference of a bill's barcode
    (its text, or a photo/scan as bytes) inscribed like «Inscribir nuevo servicio»."""
    require(db, actor, inscriptions.SERVICE)  # before any work: the image costs CPU
    biller, reference = biller_of(db, _read(text_or_data))
    return inscriptions.inscribe(db, actor, biller.id, reference, alias, account_id, now)


def payable_from_barcode(db: Session, actor: Actor, text_or_data: str | bytes,
                         now: datetime) -> list[pay.BillLine]:
    """«Pagar con código de barras»: the payment summary's line of the bill a barcode
    shows, when its reference is inscribed by the actor's company and the barcode is the
    one of the current pending bill (same amount and due date) and not past its due date.
    Nothing is inscribed here; paying goes on with ``pay.pay_bills``."""
    require(db, actor, inscriptions.SERVICE)
    data = _read(text_or_data)
    biller, reference = biller_of(db, data)
    if data.due_on < local_today(now):
        raise ValidationError(
            f"La fecha límite de pago del código de barras ({day_text(data.due_on)}) ya pasó: "
            f"pida a {biller.name} una factura vigente.")
    enrollment_id = db.exec(select(Enrollment.id).where(
        Enrollment.company_id == actor.company_id, Enrollment.biller_id == biller.id,
        Enrollment.reference == reference, Enrollment.deleted_at.is_(None))).first()
    if enrollment_id is None:
        raise ValidationError(
            f"La referencia {reference} de {biller.name} no está inscrita en su empresa: "
            "inscríbala antes de pagarla.")
    lines = pay.payable_lines(db, actor, [enrollment_id], now)
    bill = db.get(Bill, lines[0].bill_id)
    if bill.amount != data.amount_centavos:
        raise ValidationError(
            f"El valor del código de barras ({format_pesos(data.amount_centavos)}) no coincide "
            f"con el de la factura pendiente de {biller.name} ref. {reference} "
            f"({format_pesos(bill.amount)}).")
    if bill.due_on != data.due_on:
        raise ValidationError(
            f"El código de barras es de una factura que vence el {day_text(data.due_on)}; la "
            f"factura pendiente de {biller.name} ref. {reference} vence el "
            f"{day_text(bill.due_on)}.")
    return lines
