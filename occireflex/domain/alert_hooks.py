"""Alerts raised by other rules, kept apart so each of them calls one line: a login from an
address the user never used (``login_ip``) and a token released or blocked
(``token_changed``). Both only add rows to the caller's transaction (``alerts.emit``)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from occireflex.domain import alerts
from occireflex.domain.bogota import local_moment
from occireflex.models import LoginSession, User

_CHANNELS = {"web": "el portal", "responsive": "el portal (celular)", "app": "la App"}


def login_ip(db: Session, user: User, ip: str, channel: str, now: datetime) -> int:
    """Call before the new session is written. A user's first login ever has no address to
    compare with: it alerts nothing."""
    if not ip:
        return 0
    mine = select(LoginSession.id).where(LoginSession.user_id == user.id)
    if db.exec(mine.limit(1)).first() is None or db.exec(
            mine.where(LoginSession.ip == ip[:64]).limit(1)).first() is not None:
        return 0
    text = (f"Se ingresó con su usuario {user.username} a {_CHANNELS.get(channel, channel)} "
            f"desde la IP {ip}, que no había usado antes, el {local_moment(now)}. Si no fue "
            "usted, cambie su clave y avise al administrador de su empresa.")
    return alerts.emit(db, [user.id], alerts.IP_NUEVA, "Ingreso desde una IP nueva", text)


def token_changed(db: Session, user: User, blocked: bool, now: datetime) -> int:
    """The token of ``user`` was blocked, or its release authorized."""
    if blocked:
        subject, text = "Token bloqueado", (
            f"El token virtual de su usuario {user.username} fue bloqueado el "
            f"{local_moment(now)}; ya no sirve para ingresar ni confirmar operaciones.")
    else:
        subject, text = "Token liberado", (
            f"El token virtual de su usuario {user.username} fue liberado el "
            f"{local_moment(now)}: inscriba su nuevo dispositivo en la App.")
    return alerts.emit(db, [user.id], alerts.TOKEN, subject, text)
