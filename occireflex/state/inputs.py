"""What the browser sends, made safe for the domain: ids, page numbers, the token field.

A browser may send any event with any arguments; these never raise and never guess.
"""

from __future__ import annotations

from occireflex.domain import fields


def to_int(value: object) -> int | None:
    """A positive id or page number sent by the browser (ASCII digits only), or None."""
    number = fields.ascii_int(value)
    return number if number is not None and 0 < number < 2**63 else None


def to_id(value: object) -> int | None:
    """A positive id or count from the browser that fits a 32-bit column, or None."""
    number = fields.ascii_int(value, max_digits=10)
    return number if number is not None and 0 < number < 2**31 else None


def id_or_raw(value: object) -> object:
    """An id from the browser as an int when it is one, else as sent: the domain refuses
    it and its audit records what was actually forged."""
    number = to_int(value)
    return number if number is not None else value


def token_code(form_data: object, field: str = "token") -> object:
    """The «Ingrese Token» field as typed (trimmed); the domain judges it."""
    code = form_data.get(field) if isinstance(form_data, dict) else None
    return code.strip() if isinstance(code, str) else code
