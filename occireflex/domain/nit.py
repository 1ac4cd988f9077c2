"""NIT (Número de Identificación Tributaria) with its DIAN check digit («dígito de
verificación»): each digit of the base, from the right, times 3, 7, 13, 17, 19, 23, 29, 37,
41, 43, 47, 53, 59, 67, 71; the sum modulo 11 gives the digit (0 and 1 stay, otherwise
11 minus it)."""

from __future__ import annotations

import re

from occireflex.domain.errors import ValidationError

_WEIGHTS = (3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71)
_SHAPE = re.compile(r"([0-9]{6,15})-([0-9])")
FORMAT = "Escriba el NIT con su dígito de verificación, por ejemplo 900123456-8."


def check_digit(base: str) -> int:
    total = sum(int(d) * w for d, w in zip(reversed(base), _WEIGHTS, strict=False))
    rest = total % 11
    return rest if rest < 2 else 11 - rest


def parse(text: object) -> str:
    """«900.123.456-8» or «900123456-8» → «900123456-8»; a Spanish error otherwise."""
    if not isinstance(text, str):
        raise ValidationError(FORMAT)
    found = _SHAPE.fullmatch(text.strip().replace(".", "").replace(" ", ""))
    if found is None:
        raise ValidationError(FORMAT)
    base, digit = found.group(1), int(found.group(2))
    if check_digit(base) != digit:
        raise ValidationError(f"El dígito de verificación del NIT {base} es "
                              f"{check_digit(base)}, no {digit}.")
    return f"{base}-{digit}"
