"""Money: integer centavos, never float. One parse of an amount as a person writes it
(the programming form and the bulk file's «Monto máximo» alike) and the formats shown
at the edges.
"""

from __future__ import annotations

import re

from occireflex.domain.errors import ValidationError
from occireflex.domain.fields import FOREIGN_DIGITS, SPACES, has_foreign_digits, strip

MAX_CENTAVOS = 10**13  # $ 100.000.000.000
MAX_AMOUNT_TEXT = 30

_AMOUNT = re.compile(
    rf"(?:\$[{re.escape(SPACES)}]*)?([0-9]{{1,3}}(?:\.[0-9]{{3}})+|[0-9]{{1,15}})"
    r"(?:,([0-9]{1,2}))?")


# Formats -----------------------------------------------------------------------------

def thousands(number: int) -> str:
    """«1.500.000»: a whole number with the Colombian thousands separator."""
    return f"{number:,}".replace(",", ".")


def whole_pesos(centavos: int) -> str:
    """«1.500.000»: the whole pesos of an amount, as the programming form shows them."""
    return thousands(centavos // 100)


def format_pesos(centavos: int) -> str:
    """«$ 1.500.000», «$ 1.500.000,50»: an amount as the user writes it."""
    return f"$ {whole_pesos(centavos)}" + (f",{centavos % 100:02d}" if centavos % 100 else "")


def format_money(centavos: int) -> str:
    """«$302.43», «-$1,250,000.00» — the format of seed 001 (balances, lists, exports)."""
    sign = "-" if centavos < 0 else ""
    pesos, cents = divmod(abs(int(centavos)), 100)
    return f"{sign}${pesos:,}.{cents:02d}"


# Parsing -----------------------------------------------------------------------------

def centavos(value: object, label: str = "monto máximo") -> int:
    """An amount already in centavos (a programming rule, a forged event): an ``int``
    (not a bool) greater than zero and at most $ 100.000.000.000."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationError(f"Ingrese un {label} mayor que cero.")
    if value > MAX_CENTAVOS:
        raise ValidationError(f"El {label} no puede superar {format_pesos(MAX_CENTAVOS)}.")
    return value


def amount(value: object, label: str = "monto máximo") -> int:
    """An amount in pesos as a person writes it → centavos.

    Accepted: «1500000», «1.500.000», «$ 1.500.000», «1.500.000,50» (centavos after a
    comma, one or two digits). Refused: other separators («1,500,000.50», «1 500 000»),
    signs, digits of other scripts, zero, more than $ 100.000.000.000."""
    example = f"Ingrese un {label} mayor que cero, en pesos: 1500000, 1.500.000 o 1.500.000,50."
    if not isinstance(value, str) or not strip(value):
        raise ValidationError(example)
    text = strip(value)
    if has_foreign_digits(text):
        raise ValidationError(f"El {label} admite solo dígitos del 0 al 9; {FOREIGN_DIGITS}.")
    match = _AMOUNT.fullmatch(text) if len(text) <= MAX_AMOUNT_TEXT else None
    if match is None:
        raise ValidationError(example)
    whole, cents = match.group(1), match.group(2) or ""
    result = int(whole.replace(".", "")) * 100 + int((cents + "00")[:2])
    if result <= 0:
        raise ValidationError(example)
    return centavos(result, label)
