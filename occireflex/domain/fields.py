"""One validation rule per field: alias, payment reference, names (amounts: ``money``).

The inscription form, the bulk file's rows, the programming and any forged event call
these functions, so one input gets one verdict and one message wherever it comes from.
Each returns the clean value or raises ``ValidationError`` with a Spanish message that
names the field.

Rules shared by every field:
- Only the ASCII digits 0-9 are digits. Digits of other scripts (full-width «１２３»,
  Arabic-Indic «١٢٣», superscripts) are refused with their own message, never converted
  (Python's ``int()``, ``str.isdigit()`` and the regex ``\\d`` would accept them).
- Control and invisible characters (Unicode category C: NUL, ESC, DEL, C1 controls,
  zero-width and bidirectional marks…) are refused. Only spaces, tabs, line breaks and
  the Unicode spaces (no-break space…) are taken as blanks: trimmed at the ends, and in
  free text folded into one space.
- Free text that can reach an export or report (alias, names) may not begin like a
  spreadsheet formula: = + - @ (and their full-width forms), tab or carriage return.
- Money is integer centavos; its parse and formats are in ``domain/money.py``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from occireflex.domain.errors import ValidationError

# Blanks: space, tab, line breaks, and the Unicode space separators (NBSP, thin space…).
# Other characters Python's str.split()/strip() treat as blank (\x0b, \x0c, \x1c-\x1f,
# \x85) are control characters here, and refused.
SPACES = (" \t\n\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
          "\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
# What a spreadsheet may take as the start of a formula (also used by exports.neutralise).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

MAX_ALIAS = 60
MAX_FILE_NAME = 50
FILE_NAME_FORBIDDEN = "/\\<>"

_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ALNUM = re.compile(r"[A-Z0-9]+")

FOREIGN_DIGITS = "no se admiten dígitos de otros alfabetos (como １２３ o ١٢٣)"


# Building blocks ---------------------------------------------------------------------

def strip(text: str) -> str:
    """Trim blanks (see ``SPACES``) at both ends; control characters stay, to be refused."""
    return text.strip(SPACES)


def has_control(text: str) -> bool:
    """A control or invisible character (category C) other than tab and line breaks."""
    if _ASCII_CONTROL.search(text):
        return True
    if text.isascii():
        return False
    return any(unicodedata.category(c)[0] == "C" for c in text if c > "\x7f")


def has_foreign_digits(text: str) -> bool:
    """A digit that is not one of the ASCII 0-9 (full-width, Arabic-Indic, superscript…)."""
    return not text.isascii() and any(c.isdigit() for c in text if c > "\x7f")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def ascii_int(value: object, max_digits: int = 18) -> int | None:
    """A whole number written with ASCII digits only (an ``int`` passes as it is); None for
    anything else: «١٢», «１２», «+3», «3.0», «²», a bool."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        return None
    text = strip(value)
    if 0 < len(text) <= max_digits and text.isascii() and text.isdigit():
        return int(text)
    return None


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _free_text(value: object, *, label: str, max_len: int, required: bool,
               forbidden: str = "") -> str:
    """Free text with its blanks folded; ``label`` with its article («el alias»)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"{_capital(label)} no es válido.")
    if has_control(value):
        raise ValidationError(
            f"{_capital(label)} no puede tener caracteres de control ni invisibles.")
    text = " ".join(value.split())  # the blanks left are SPACES: the others were refused
    if not text:
        if required:
            raise ValidationError(f"Ingrese {label}.")
        return ""
    if len(text) > max_len:
        raise ValidationError(
            f"{_capital(label)} puede tener como máximo {max_len} caracteres.")
    if looks_like_formula(text):
        raise ValidationError(
            f"{_capital(label)} no puede empezar con =, +, - o @ (una hoja de cálculo lo "
            "tomaría como una fórmula).")
    if forbidden and any(c in forbidden for c in text):
        shown = " ".join(forbidden)
        raise ValidationError(f"{_capital(label)} no puede tener los caracteres {shown}.")
    return text


# Alias -------------------------------------------------------------------------------

def alias(value: object) -> str:
    """The inscription's «alias» (optional): at most 60 characters after folding blanks."""
    return optional_text(value, label="el alias", max_len=MAX_ALIAS)


def optional_text(value: object, *, label: str, max_len: int) -> str:
    """Optional free text shown in lists and reports (a description); ``label`` with its
    article."""
    return _free_text(value, label=label, max_len=max_len, required=False)


# Names -------------------------------------------------------------------------------

def name(value: object, *, label: str, max_len: int, min_len: int = 1,
         forbidden: str = "") -> str:
    """A required name shown in lists and reports; ``label`` with its article."""
    text = _free_text(value, label=label, max_len=max_len, required=True, forbidden=forbidden)
    if len(text) < min_len:
        raise ValidationError(
            f"{_capital(label)} debe tener entre {min_len} y {max_len} caracteres.")
    return text


def file_name(value: object) -> str:
    """The name a company gives to an uploaded bulk file (never reused)."""
    return name(value, label="el nombre del archivo", max_len=MAX_FILE_NAME,
                forbidden=FILE_NAME_FORBIDDEN)


# Payment reference -------------------------------------------------------------------

class ReferenceRule(NamedTuple):
    """A biller's reference rule as plain values (read once per biller, not per row)."""

    label: str  # «Número de cliente»
    biller_name: str
    numeric: bool  # only digits; otherwise letters A-Z and digits
    min_len: int
    max_len: int


def reference_rule(biller: object) -> ReferenceRule:
    """The rule of a ``Biller`` (or anything with the same attributes)."""
    return ReferenceRule(biller.ref_label, biller.name, biller.ref_numeric, biller.ref_min,
                         biller.ref_max)


def reference(value: object, rule: ReferenceRule) -> str:
    """The reference as the biller knows it: blanks at the ends trimmed, letters upper-cased
    (alphanumeric billers), leading zeros kept; refused otherwise with the biller's label."""
    text = value.strip(SPACES) if isinstance(value, str) else ""
    if not (text.isascii() and text.isdigit()):  # ASCII digits only: valid for every biller
        text = _reference_text(text, rule)
    if not rule.min_len <= len(text) <= rule.max_len:
        size = (f"{rule.min_len}" if rule.min_len == rule.max_len
                else f"entre {rule.min_len} y {rule.max_len}")
        raise ValidationError(
            f"«{rule.label}» de {rule.biller_name}: debe tener {size} caracteres.")
    return text


def _reference_text(text: str, rule: ReferenceRule) -> str:
    """A reference that is not plain ASCII digits: letters for alphanumeric billers."""
    if not text:
        raise ValidationError(f"Ingrese «{rule.label}» de {rule.biller_name}.")
    kind = ("solo dígitos del 0 al 9" if rule.numeric
            else "letras y dígitos, sin espacios (A-Z sin tildes ni ñ, y 0-9)")
    where = f"«{rule.label}» de {rule.biller_name}: admite {kind}"
    if not text.isascii():
        # before upper-casing: «ı».upper() is «I», «ſ».upper() is «S»
        extra = f"; {FOREIGN_DIGITS}" if has_foreign_digits(text) else ""
        raise ValidationError(f"{where}{extra}.")
    text = text.upper()
    if rule.numeric or not _ALNUM.fullmatch(text):
        raise ValidationError(f"{where}.")
    return text
