"""State-layer fixtures: real State instances, as the websocket handler would build them."""

from __future__ import annotations

import os

import pytest
import reflex as rx
from reflex.istate.data import RouterData

import occireflex.occireflex  # noqa: F401  (registers every page and state)
from occireflex.state.balances import BalancesState
from occireflex.state.login import LoginState
from occireflex.state.portal import PortalState
from tests.helpers import login

DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0 Safari/537.36"
PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile"


class Browser:
    """One browser tab: a root state plus its substates."""

    def __init__(self, user_agent: str = DESKTOP_UA, ip: str = "10.9.9.9"):
        os.environ.setdefault("PYTEST_CURRENT_TEST", "state")
        self.root = rx.State()
        router = RouterData.from_router_data({"ip": ip, "headers": {"user-agent": user_agent}})
        self.root.router = router
        for cls in (LoginState, PortalState, BalancesState):
            sub = self.get(cls)
            sub.router = router

    def get(self, cls):
        return self.root.get_substate(cls.get_full_name().split(".")[1:])

    @property
    def login(self) -> LoginState:
        return self.get(LoginState)

    @property
    def portal(self) -> PortalState:
        return self.get(PortalState)

    @property
    def balances(self) -> BalancesState:
        return self.get(BalancesState)

    def set_sid(self, sid: str) -> None:
        for cls in (LoginState, PortalState, BalancesState):
            self.get(cls).sid = sid


@pytest.fixture
def browser(demo):
    return Browser()


@pytest.fixture
def logged_in(demo, db):
    """Factory: a Browser whose cookie holds a live session for ``username``."""

    def make(username: str, user_agent: str = DESKTOP_UA) -> Browser:
        b = Browser(user_agent=user_agent)
        b.set_sid(login(db, username).session_token)
        return b

    return make
