"""Tokens: the physical key fob and the virtual token in the App.

This package's own names are the primitives (``primitives.py``): kinds and row states,
issue a physical token, verify a code with replay protection, the current code. Its
modules: ``states`` (the virtual token's state machine), ``virtual`` (a user's virtual
token: reading, events, expiry), ``admin`` (Administración de Token), ``history``
(Consulta de Token), ``device`` (enrolling the App's device), ``activation``
(activation codes). Import them from here: ``from occireflex.domain.tokens import admin``.
"""

from occireflex.domain.tokens.primitives import (
    ACTIVO,
    BLOQUEADO,
    FISICO,
    INHABILITADO,
    LIBERADO,
    POR_ACTIVAR,
    VENCIDO,
    VIRTUAL,
    active_tokens,
    current_code,
    issue_physical_token,
    verify_code,
)

__all__ = ["ACTIVO", "BLOQUEADO", "FISICO", "INHABILITADO", "LIBERADO", "POR_ACTIVAR",
           "VENCIDO", "VIRTUAL", "active_tokens", "current_code", "issue_physical_token",
           "verify_code"]
