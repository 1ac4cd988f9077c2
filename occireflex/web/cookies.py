"""The session cookies: set only by an HTTP response (HttpOnly, SameSite=Strict, Secure
over HTTPS), read on the server from request and websocket handshake headers."""

from __future__ import annotations

from starlette.responses import Response

from occireflex.settings import settings


def cookie_value(header: object, name: str) -> str:
    """The value of cookie ``name`` in a raw ``Cookie`` header ("" when absent)."""
    if not isinstance(header, str):
        return ""
    for part in header.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            return value.strip().strip('"')
    return ""


def is_https(scheme: str) -> bool:
    """Whether the browser reached us over HTTPS (always, when settings say so)."""
    return settings.https_only or scheme in ("https", "wss")


def cookie_name(app: bool) -> str:
    return settings.app_session_cookie if app else settings.session_cookie


def set_session_cookie(response: Response, *, app: bool, session_id: str, https: bool) -> None:
    """A browser-session cookie (no Max-Age): scripts cannot read it, other sites never
    send it, and over HTTPS it never travels in clear."""
    response.set_cookie(cookie_name(app), session_id, path="/", httponly=True,
                        samesite="strict", secure=https)


def clear_session_cookie(response: Response, *, app: bool, https: bool) -> None:
    response.delete_cookie(cookie_name(app), path="/", httponly=True, samesite="strict",
                           secure=https)
