"""What a user's data may be, shared by the bank's back office and Configuración de
Usuarios; each check raises a ValidationError naming the field in Spanish."""

from __future__ import annotations

import re
import secrets

from occireflex.domain import fields
from occireflex.domain.auth import normalize_username
from occireflex.domain.errors import ValidationError

USERNAME_RULE = ("El usuario debe tener entre 6 y 20 caracteres: letras, dígitos, punto, "
                 "guion o guion bajo, y empezar por letra o dígito.")
DOCUMENT_TYPES = {
    "CC": "Cédula de Ciudadanía",
    "CE": "Cédula de Extranjería",
    "PA": "Pasaporte",
    "PPT": "Permiso por Protección Temporal",
}
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{5,19}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_SERIAL = re.compile(r"[A-Z0-9][A-Z0-9-]{3,29}")
_DOCUMENT = {"CC": re.compile(r"[0-9]{5,10}"), "CE": re.compile(r"[0-9]{5,10}"),
             "PA": re.compile(r"[A-Z0-9]{5,15}"), "PPT": re.compile(r"[0-9]{5,15}")}
_PHONE = re.compile(r"3[0-9]{9}")


def username(value: object) -> str:
    login = normalize_username(value)
    if not _USERNAME.fullmatch(login):
        raise ValidationError(USERNAME_RULE)
    return login


def full_name(value: object) -> str:
    return fields.name(value, label="el nombre completo", min_len=3, max_len=120)


def email(value: object) -> str:
    mail = value.strip() if isinstance(value, str) else ""
    if not _EMAIL.fullmatch(mail) or len(mail) > 120:
        raise ValidationError("Escriba un correo válido, por ejemplo tesoreria@empresa.com.")
    return mail


def document(kind: object, number: object) -> tuple[str, str]:
    if kind not in DOCUMENT_TYPES:
        raise ValidationError("Elija el tipo de documento.")
    clean = "".join(number.split()).replace(".", "").upper() if isinstance(number, str) else ""
    if not _DOCUMENT[kind].fullmatch(clean):
        shape = ("entre 5 y 15 letras o dígitos" if kind == "PA" else
                 "entre 5 y 15 dígitos" if kind == "PPT" else "entre 5 y 10 dígitos")
        raise ValidationError(f"El número de {DOCUMENT_TYPES[kind]} debe tener {shape}.")
    return kind, clean


def phone(value: object) -> str:
    """A Colombian celular: 10 digits starting with 3 (a leading +57 and blanks are dropped)."""
    digits = re.sub(r"[\s-]", "", value) if isinstance(value, str) else ""
    if digits.startswith("+57"):
        digits = digits[3:]
    if not _PHONE.fullmatch(digits):
        raise ValidationError("El celular debe tener 10 dígitos y empezar por 3, por ejemplo "
                              "3001234567.")
    return digits


def serial(value: object) -> str:
    clean = value.strip().upper() if isinstance(value, str) else ""
    if not _SERIAL.fullmatch(clean):
        raise ValidationError("El serial del token debe tener entre 4 y 30 letras, dígitos o "
                              "guiones, por ejemplo OCC-200001.")
    return clean


def temporary_password() -> str:
    """Four groups of four characters from an unambiguous alphabet (~80 bits)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))
