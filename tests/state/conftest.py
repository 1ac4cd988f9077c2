"""State-layer fixtures: real State instances, as the websocket handler would build them."""

from __future__ import annotations

import inspect
import json
import os

import pytest
import reflex as rx
from reflex.istate.data import RouterData

import occireflex.occireflex  # noqa: F401  (registers every page and state)
from occireflex import api
from occireflex.domain import deferred
from occireflex.settings import settings
from occireflex.state.accumulated import AccumulatedState
from occireflex.state.activity import ActivityState
from occireflex.state.app import (
    AppApprovalsState,
    AppBalancesState,
    AppState,
    AppTokenState,
    AppTransactionsState,
)
from occireflex.state.app_password import AppPasswordState
from occireflex.state.balances import BalancesState
from occireflex.state.bulk import BulkUploadState
from occireflex.state.first_access import FirstAccessState
from occireflex.state.ip_rules import IpRulesState
from occireflex.state.login import LoginState
from occireflex.state.movements import MovementsState
from occireflex.state.own_account import OwnAccountState
from occireflex.state.payments import PaymentsState
from occireflex.state.pending_ops import PendingOpsState
from occireflex.state.portal import PortalState
from occireflex.state.profiles import ProfileFormState, ProfilesListState, ProfileViewState
from occireflex.state.token_admin import TokenAdminState, TokenHistoryState
from occireflex.state.transactions import TransactionDetailState, TransactionsState
from occireflex.state.users import ActivationState, ResetState, UserFormState, UsersListState
from occireflex.web.cookies import cookie_name
from tests.helpers import app_login, login, run_async

DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0 Safari/537.36"
PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile"


class Driven:
    """A state as the websocket drives it: an event that is a coroutine (``@handler``,
    ``@blocking``: work in the event threads) runs to its end, as Reflex awaits it; then
    the sessions' activity notes are written, as the flusher does within a second."""

    def __init__(self, state):
        object.__setattr__(self, "_state", state)

    def __getattr__(self, name: str):
        value = getattr(self._state, name)
        if not callable(value) or isinstance(value, type):
            return value

        def call(*args, **kwargs):
            result = value(*args, **kwargs)
            if inspect.isawaitable(result):
                # Reflex awaits a coroutine event; a coroutine returned by a plain one is
                # dropped and never runs
                assert inspect.iscoroutinefunction(value), f"{name} returned a coroutine"
                result = run_async(result)
            deferred.flush()
            return result

        return call

    def __setattr__(self, name: str, value) -> None:
        setattr(self._state, name, value)

    @property
    def unwrapped(self):
        return self._state


class Browser:
    """One browser tab: a root state plus its substates."""

    STATES = (LoginState, PortalState, BalancesState, ProfilesListState, ProfileFormState,
              ProfileViewState, PaymentsState, BulkUploadState, TransactionsState, TransactionDetailState,
              MovementsState, TokenAdminState, TokenHistoryState, AppState, AppTokenState,
              AppApprovalsState, AppBalancesState, AppTransactionsState, FirstAccessState,
              UsersListState, UserFormState, ResetState, ActivationState, OwnAccountState,
              AppPasswordState, ActivityState, IpRulesState, PendingOpsState,
              AccumulatedState)

    def __init__(self, user_agent: str = DESKTOP_UA, ip: str = "10.9.9.9"):
        os.environ.setdefault("PYTEST_CURRENT_TEST", "state")
        self.root = rx.State()
        self.user_agent, self.ip = user_agent, ip
        self.cookies: dict[str, str] = {}  # the jar, sent in the websocket's handshake
        self.extra_headers: dict[str, str] = {}  # e.g. a forged X-Forwarded-For
        self.path = "/"
        self.navigate("/")

    def navigate(self, path: str) -> None:
        """Set the router as the browser would when opening ``path`` (query included)."""
        self.path = path
        headers = {"user-agent": self.user_agent, "origin": "http://localhost:3000"}
        headers.update(self.extra_headers)
        if self.cookies:
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        router = RouterData.from_router_data({
            "ip": self.ip, "asPath": path, "pathname": path.split("?")[0],
            "headers": headers,
        })
        self.root.router = router
        for cls in self.STATES:
            self.get(cls).router = router

    def get(self, cls):
        return Driven(self.root.get_substate(cls.get_full_name().split(".")[1:]))

    @property
    def login(self) -> LoginState:
        return self.get(LoginState)

    @property
    def portal(self) -> PortalState:
        return self.get(PortalState)

    @property
    def balances(self) -> BalancesState:
        return self.get(BalancesState)

    @property
    def profiles(self) -> ProfilesListState:
        return self.get(ProfilesListState)

    @property
    def form(self) -> ProfileFormState:
        return self.get(ProfileFormState)

    @property
    def view(self) -> ProfileViewState:
        return self.get(ProfileViewState)

    @property
    def bulk(self) -> BulkUploadState:
        return self.get(BulkUploadState)

    @property
    def payments(self) -> PaymentsState:
        return self.get(PaymentsState)

    @property
    def transactions(self) -> TransactionsState:
        return self.get(TransactionsState)

    @property
    def first_access(self) -> FirstAccessState:
        return self.get(FirstAccessState)

    @property
    def own_account(self) -> OwnAccountState:
        return self.get(OwnAccountState)

    @property
    def app_password(self) -> AppPasswordState:
        return self.get(AppPasswordState)

    @property
    def tx_detail(self) -> TransactionDetailState:
        return self.get(TransactionDetailState)

    @property
    def movements(self) -> MovementsState:
        return self.get(MovementsState)

    @property
    def token_admin(self) -> TokenAdminState:
        return self.get(TokenAdminState)

    @property
    def token_history(self) -> TokenHistoryState:
        return self.get(TokenHistoryState)

    @property
    def app(self) -> AppState:
        return self.get(AppState)

    @property
    def app_token(self) -> AppTokenState:
        return self.get(AppTokenState)

    @property
    def approvals(self) -> AppApprovalsState:
        return self.get(AppApprovalsState)

    @property
    def app_balances(self) -> AppBalancesState:
        return self.get(AppBalancesState)

    @property
    def app_transactions(self) -> AppTransactionsState:
        return self.get(AppTransactionsState)

    def _set_cookie(self, name: str, value: str | None) -> None:
        """The jar changed: the page reloads and its new socket carries the cookies."""
        if value is None:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value
        self.navigate(self.path)

    def set_sid(self, sid: str) -> None:
        self._set_cookie(settings.session_cookie, sid)

    def set_app_sid(self, sid: str) -> None:
        self._set_cookie(settings.app_session_cookie, sid)

    @property
    def sid(self) -> str:
        return self.cookies.get(settings.session_cookie, "")

    @property
    def app_sid(self) -> str:
        return self.cookies.get(settings.app_session_cookie, "")

    def command(self, state) -> dict:
        """The last one-shot command the state gave the page's script."""
        return json.loads(state.command) if state.command else {}

    def run_command(self, state) -> dict:
        """Do what ``assets/occireflex.js`` does with the state's command, through the same
        HTTP-side functions (redeem the login ticket, or log out and clear the cookie)."""
        command = self.command(state)
        if command.get("name") == "redeem":
            redeemed = api._redeem(command["args"][0])
            self._set_cookie(cookie_name(redeemed.app), redeemed.session_id)
        elif command.get("name") == "logout":
            name = cookie_name(command["args"][0] == "app")
            api._logout(self.cookies.get(name, ""))
            self._set_cookie(name, None)
        return command


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


@pytest.fixture
def in_app(demo, db):
    """Factory: a phone Browser whose App cookie holds a live App session."""

    def make(username: str, factor: str | None = None) -> Browser:
        b = Browser(user_agent=PHONE_UA)
        b.set_app_sid(app_login(db, username, factor).session_token)
        return b

    return make
