"""The password policy, after NIST SP 800-63B (§5.1.1.2): length, not composition.

- at least ``MIN_LENGTH`` characters (a company may ask for more), at most ``MAX_LENGTH``;
  spaces and any Unicode allowed, counted after NFKC normalization;
- refused when it is one of the common passwords shipped in ``data/common_passwords.txt``,
  when it contains the username or the company's name, or when it equals one of the user's
  last ``HISTORY`` passwords;
- no composition rules (upper case, digits, symbols) and no periodic expiry by default.

``strength`` gives the on-screen meter (zxcvbn's score, 0–4) with a Spanish label.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from zxcvbn import zxcvbn

from occireflex.domain import security
from occireflex.domain.errors import ValidationError

MIN_LENGTH = 8
MAX_LENGTH = 64
HISTORY = 5
STRENGTH_LABELS = ("Muy débil", "Débil", "Aceptable", "Fuerte", "Muy fuerte")
_COMMON = Path(__file__).with_name("data") / "common_passwords.txt"


def normalize(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def _folded(text: str) -> str:
    """Lower case without accents: «Peña» and «pena» compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = _COMMON.read_text(encoding="utf-8").splitlines()
    return frozenset(_folded(w) for w in lines if w and not w.startswith("#"))


def check(password: object, *, username: str, company_name: str,
          min_length: int = MIN_LENGTH, previous_hashes: list[str] = ()) -> str:
    """The normalized password if the policy accepts it; else a ValidationError naming
    the first rule it breaks."""
    if not isinstance(password, str):
        raise ValidationError("Escriba la nueva clave.")
    clean = normalize(password)
    length = len(clean)
    if length < min_length:
        raise ValidationError(f"La clave debe tener al menos {min_length} caracteres "
                              f"(tiene {length}). Una frase de varias palabras es fácil de "
                              "recordar y difícil de adivinar.")
    if length > MAX_LENGTH:
        raise ValidationError(f"La clave puede tener hasta {MAX_LENGTH} caracteres "
                              f"(tiene {length}).")
    folded = _folded(clean)
    if folded in common_passwords():
        raise ValidationError("Esa clave está entre las más usadas y es fácil de adivinar: "
                              "elija otra.")
    if username and _folded(username) in folded:
        raise ValidationError("La clave no puede contener su nombre de usuario.")
    for word in _company_words(company_name):
        if word in folded:
            raise ValidationError("La clave no puede contener el nombre de su empresa.")
    for old in list(previous_hashes)[-HISTORY:]:
        if security.verify_password(old, clean):
            raise ValidationError(f"La clave no puede ser igual a ninguna de sus últimas "
                                  f"{HISTORY} claves.")
    return clean


def _company_words(company_name: str) -> list[str]:
    """The company's name and its distinctive words (4 letters or more, legal forms out)."""
    legal = {"s.a.s", "sas", "s.a", "ltda", "limitada", "y", "de", "la", "cia", "compania",
             "empresa", "grupo", "sociedad"}
    whole = _folded(company_name).strip()
    words = [w.strip(".,") for w in whole.split()]
    return [w for w in [whole.replace(" ", ""), *words]
            if len(w) >= 4 and w not in legal]


def strength(password: object, user_inputs: list[str] = ()) -> tuple[int, str]:
    """(score 0–4, Spanish label) for the meter; a refused password scores 0."""
    if not isinstance(password, str) or not password:
        return 0, STRENGTH_LABELS[0]
    clean = normalize(password)[:MAX_LENGTH]
    if _folded(clean) in common_passwords():
        return 0, STRENGTH_LABELS[0]
    score = int(zxcvbn(clean, user_inputs=list(user_inputs))["score"])
    return score, STRENGTH_LABELS[score]
