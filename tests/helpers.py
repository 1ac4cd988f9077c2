"""Test helpers: drive the login flow and read token codes like the key fob would."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from occireflex.domain import auth, security, sessions, tokens
from occireflex.domain.demo import DEMO_PASSWORD
from occireflex.models import Token, User, utcnow


def token_of(db: Session, username: str) -> Token:
    user = db.exec(select(User).where(User.username == username)).one()
    return tokens.active_tokens(db, user.id)[0]


def code_for(db: Session, username: str, now: datetime, offset_steps: int = 0) -> str:
    token = token_of(db, username)
    seed = security.decrypt_seed(token.seed_encrypted)
    return security.code_at_step(seed, security.time_step(now) + offset_steps)


@dataclass(frozen=True)
class LoggedIn:
    session_token: str  # what the HttpOnly cookie holds once the page redeemed its ticket
    user_id: int


def redeem(db: Session, result: auth.LoginResult, now: datetime) -> LoggedIn:
    """What the page's script does right after a login: trade the ticket for the cookie."""
    redeemed = sessions.redeem_ticket(db, result.ticket, now)
    db.commit()
    return LoggedIn(redeemed.session_id, result.user_id)


def login(db: Session, username: str, *, password: str = DEMO_PASSWORD,
          now: datetime | None = None, ip: str = "10.0.0.1", channel: str = "web",
          code: str | None = None) -> LoggedIn:
    """Run the four steps and redeem the ticket; raises like the real flow. Commits like
    the state layer does."""
    now = now or utcnow()
    flow = auth.submit_username(username, now)
    flow = auth.submit_token(db, flow, code or code_for(db, username, now), now, ip=ip,
                             channel=channel)
    flow = auth.accept_conditions(flow, True, now)
    try:
        result = auth.submit_password(db, flow, password, ip=ip, channel=channel, now=now)
    except Exception:
        db.commit()
        raise
    db.commit()
    return redeem(db, result, now)


def steps_apart(now: datetime, steps: int) -> datetime:
    return now + timedelta(seconds=30 * steps)


def actor_at(db: Session, username: str, now: datetime, *, channel: str = "web"):
    """A portal Actor for ``username``, logged in at ``now`` (commits the login)."""
    from occireflex.domain.access import load_actor

    raw = login(db, username, now=now, channel=channel).session_token
    return load_actor(db, raw, channel=channel, now=now)


def app_login(db: Session, username: str, factor: str | None = None, *,
              password: str = DEMO_PASSWORD, now: datetime | None = None,
              ip: str = "10.0.0.2") -> LoggedIn:
    """The App's one-screen login (ticket redeemed); ``factor`` defaults to the active
    token's code."""
    now = now or utcnow()
    try:
        result = auth.app_login(db, username, password,
                                factor if factor is not None else code_for(db, username, now),
                                ip=ip, now=now)
    except Exception:
        db.commit()
        raise
    db.commit()
    return redeem(db, result, now)


def app_actor(db: Session, username: str, now: datetime, factor: str | None = None):
    """An App Actor (channel ``app``) for ``username``, logged in at ``now``."""
    from occireflex.domain.access import load_actor

    raw = app_login(db, username, factor, now=now).session_token
    return load_actor(db, raw, app=True, now=now)


def run_async(coro):
    """asyncio.run in its own thread: the e2e tests' Playwright loop may be running here."""
    box: dict = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the test's thread
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box.get("value")
