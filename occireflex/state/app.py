"""The App Banco de Occidente Empresas (``/app``): its own login and session, the
«Token Virtual», «Autorizaciones pendientes» and the services granted «Acceso App».

The App's session cookie is not the portal's: an App login (which may rest on an
activation code) never opens the portal, and the portal's never opens the App. Every
handler resolves the actor again and the domain checks it; the seed of a new token never
enters a var (it travels once from ``occireflex/api.py`` to the page's script).
"""

from __future__ import annotations

import reflex as rx

from occireflex import catalog
from occireflex.db import session_scope
from occireflex.domain import auth, money, own_account, sessions
from occireflex.domain.access import Actor
from occireflex.domain.dual import inbox
from occireflex.domain.errors import DomainError
from occireflex.domain.payments import accounts, transactions
from occireflex.domain.tokens import admin as ta
from occireflex.domain.tokens import device as token_device
from occireflex.settings import settings
from occireflex.state.handler import HandlerMixin, blocking, handler
from occireflex.state.inputs import id_or_raw, to_int
from occireflex.state.pending_ops import PendingOpsMixin
from occireflex.state.session import BrowserMixin, assign_changed
from occireflex.state.token_releases import pending_rows

APP_HOME = "/app"
APP_TOKEN = "/app/token"
APP_PASSWORD = catalog.APP_SCREENS[catalog.CAMBIO_CLAVE_IMAGEN]
# service code → (tile label, icon) of the App's home
TILES = {catalog.SALDOS_POR_PRODUCTO: ("Saldos", "wallet"),
         catalog.TRANSACCIONES_REALIZADAS: ("Transacciones Realizadas", "receipt-text"),
         catalog.CAMBIO_CLAVE_IMAGEN: ("Cambio de Clave", "lock-keyhole")}


class AppState(HandlerMixin, BrowserMixin, rx.State):
    checked: bool = False  # the session was looked at (login form or home may show)
    ready: bool = False  # a live App session
    login_error: str = ""
    user_name: str = ""
    username: str = ""
    company_name: str = ""
    is_admin: bool = False
    may_authorize: bool = False  # «Autorizaciones pendientes» (releases or operations)
    tiles: list[dict[str, str]] = []
    coming_count: int = 0  # services granted «Acceso App» that have no App screen yet
    # a temporary password: the App opens only «Token Virtual» and the first access
    must_change: bool = False
    token_missing: bool = False  # ... and the new token must be activated first

    def _sid(self) -> str:
        return self._cookie(settings.app_session_cookie)

    def _resolve_actor(self, db, touch: bool = True) -> Actor | None:
        """The App actor with the shell loaded, or None (then send the user to log in)."""
        actor = self._session_actor(db, settings.app_session_cookie, touch, app=True)
        if actor is not None:
            self._load_shell(actor, db)
        return actor

    def _no_session(self):
        self.ready = False
        return rx.redirect(APP_HOME, replace=True)

    def _load_shell(self, actor: Actor, db) -> None:
        """The home's tiles. A temporary password opens only «Token Virtual» and, once a
        token is active, the first access: a new user given a virtual token enrolls it
        first (enrollment needs no grant), then confirms the new password with it."""
        first_access = actor.must_change_password
        token_missing = first_access and own_account.token_kind(db, actor) == ""
        tiles = [{"label": "Token Virtual", "route": APP_TOKEN, "icon": "key-round",
                  "badge": ""}]
        may_authorize = (actor.is_admin or actor.can(catalog.PENDIENTES_AUTORIZAR)
                         ) and not first_access
        if may_authorize:
            pending = ((ta.pending_count(db, actor) if actor.is_admin else 0)
                       + inbox.badge_count(db, actor))
            tiles.append({"label": "Autorizaciones pendientes", "route": "/app/autorizaciones",
                          "icon": "shield-check", "badge": str(pending) if pending else ""})
        for code, route in catalog.APP_SCREENS.items():
            if code == catalog.PENDIENTES_AUTORIZAR:
                continue  # inside «Autorizaciones pendientes»
            if actor.can(code) or (code in catalog.SELF_SERVICE and first_access
                                   and not token_missing):
                label, icon = TILES.get(code, (catalog.SERVICES_BY_CODE[code].name, "circle"))
                tiles.append({"label": label, "route": route, "icon": icon, "badge": ""})
        assign_changed(
            self, tiles=tiles,
            coming_count=sum(1 for s in actor.visible_services()
                             if s.code not in catalog.APP_SCREENS and s.code != ta.SERVICE),
            user_name=actor.full_name, username=actor.username,
            company_name=actor.company_name, is_admin=actor.is_admin and not first_access,
            may_authorize=may_authorize,
            must_change=first_access, token_missing=token_missing, ready=True)

    @blocking
    def open_home(self):
        """on_load of ``/app``: the home when a session is live, else the login form; a
        temporary password whose token is active goes to the first access."""
        self.login_error = ""
        self._actor()  # loads the shell when the session is live
        self.checked = True
        if self.ready and self.must_change and not self.token_missing:
            return rx.redirect(APP_PASSWORD, replace=True)
        return None

    @blocking
    def login(self, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        user_agent, ip = self._client_meta()
        try:
            with session_scope() as db:
                result = auth.app_login(db, data.get("usuario"), data.get("clave"),
                                        data.get("factor"), ip=ip, user_agent=user_agent)
        except DomainError as exc:
            self.login_error = exc.message
            return
        self.notice, self.login_error = "", ""
        self._run_in_page("redeem", result.ticket, "app")

    @blocking
    def logout(self):
        with session_scope() as db:
            sessions.logout(db, self._sid())
        self.ready, self.tiles = False, []
        self.notice = "Su sesión en la App se cerró correctamente."
        self._run_in_page("logout", "app")

    @handler(touch=False)
    def check_session(self, actor: Actor, db, _tick: str = ""):
        """Every minute: a blocked token or an idle session ends the App's screen."""


class AppTokenState(AppState):
    """«Token Virtual»: the state of the user's tokens, enrollment and activation."""

    virtual: str = ""
    virtual_label: str = ""
    active: bool = False
    device: str = ""
    physical: str = ""
    can_enroll: bool = False
    reason: str = ""  # why the user cannot enroll now
    phase: str = ""  # "" | enrolando (QR shown, waiting for the first code)
    enroll_expires: str = ""
    error: str = ""
    message: str = ""

    def _show(self, actor: Actor, db) -> None:
        status = token_device.status(db, actor)
        self.virtual, self.virtual_label = status.virtual, status.virtual_label
        self.active = status.active
        self.device, self.physical = status.device, status.physical
        self.can_enroll, self.reason = status.can_enroll, status.message
        self.enroll_expires = status.enroll_expires
        if not status.enrolling and self.phase == "enrolando":
            self.phase = ""

    @handler
    def load(self, actor: Actor, db):
        self.error, self.message = "", ""
        self._show(actor, db)
        if not self.active:  # a released or blocked seed is worthless: drop it
            self._run_in_page("forgetActive", actor.username)

    @handler
    def start(self, actor: Actor, db, form_data: dict):
        device = form_data.get("dispositivo") if isinstance(form_data, dict) else None
        started = token_device.begin(db, actor, device)
        self.error, self.message = "", ""
        self.phase, self.enroll_expires = "enrolando", started.expires
        self._run_in_page("enroll", started.ticket, actor.username)

    def _not_activated(self, exc: DomainError):
        self.error = exc.message
        return self._perform(self._show)

    @handler(error=_not_activated)
    def activate(self, actor: Actor, db, form_data: dict):
        code = form_data.get("codigo") if isinstance(form_data, dict) else None
        done = token_device.activate(db, actor, code)
        self.phase, self.error = "", ""
        self.message = (f"Token virtual activo en «{done.device}». "
                        + ("Su token físico quedó inhabilitado: desde ahora use solo el token "
                           "virtual." if done.physical_disabled else ""))
        db.flush()
        self._show(actor, db)
        self._run_in_page("confirm", actor.username)


class AppApprovalsState(PendingOpsMixin, AppState):
    """«Autorizaciones pendientes»: the administrator authorizes token releases (seed 002
    step 9); a holder of «Transacciones Pendientes por Autorizar» the company's operations."""

    requests: list[dict[str, str]] = []
    error: str = ""
    confirm_id: int = 0
    confirm_verb: str = ""  # autorizar | rechazar
    app_may_approve: bool = True  # Parámetros Generales y de Seguridad
    confirm_name: str = ""
    # the outcome of the last authorization; the activation code is shown once
    done_name: str = ""
    done_code: str = ""
    done_expires: str = ""
    done_message: str = ""

    may_releases: bool = False
    may_operations: bool = False

    def _reload(self, actor: Actor, db) -> None:
        self.may_releases = actor.is_admin
        self.may_operations = actor.can(catalog.PENDIENTES_AUTORIZAR)
        if self.may_releases or not self.may_operations:  # neither: the domain refuses
            self.requests, self.app_may_approve = pending_rows(db, actor)
        if self.may_operations:
            self._ops_reload(actor, db)

    def _no_requests(self, exc: DomainError) -> None:
        self.requests, self.error = [], exc.message

    @handler(error=_no_requests)
    def load(self, actor: Actor, db):
        self.error, self.confirm_id, self.ops_error, self.ops_verb = "", 0, "", ""
        self._reload(actor, db)

    @rx.event
    def ask(self, request_id: str, verb: str):
        """Open the confirmation of one request shown on the screen."""
        chosen = next((r for r in self.requests if r["id"] == str(request_id)), None)
        if chosen is None or verb not in ("autorizar", "rechazar"):
            return
        self.confirm_id, self.confirm_verb = int(chosen["id"]), verb
        self.confirm_name = chosen["name"]

    @rx.event
    def cancel(self):
        self.confirm_id = 0

    def _not_decided(self, exc: DomainError):
        self.error = exc.message
        return self._perform(self._reload, error=lambda state, _exc: state._no_requests(exc))

    @handler(error=_not_decided)
    def decide(self, actor: Actor, db, request_id: int | str, verb: str):
        """«Autorizar» / «Rechazar»: the domain checks administrator, company and state."""
        self.confirm_id = 0
        if verb == "autorizar":
            approval = ta.approve(db, actor, id_or_raw(request_id))
            self.done_name, self.done_code = approval.full_name, approval.activation_code
            self.done_expires = approval.activation_expires
            self.done_message = (f"Liberación autorizada: {approval.full_name} ya puede enrolar "
                                 "su nuevo dispositivo en la App.")
        elif verb == "rechazar":
            username = ta.reject(db, actor, id_or_raw(request_id))
            self.done_name, self.done_code, self.done_expires = username, "", ""
            self.done_message = f"Solicitud rechazada: el token de {username} sigue como estaba."
        else:
            raise DomainError("Seleccione autorizar o rechazar.")
        self.error = ""
        db.flush()
        self._reload(actor, db)

    @rx.event
    def dismiss(self):
        self.done_name = self.done_code = self.done_expires = self.done_message = ""


def _balance_rows(items) -> list[dict[str, str]]:
    return [{"number": accounts.mask_account(r.number), "name": r.name,
             "available": money.format_money(r.available),
             "current": money.format_money(r.current)} for r in items]


class AppBalancesState(AppState):
    checking: list[dict[str, str]] = []
    savings: list[dict[str, str]] = []
    error: str = ""

    @handler
    def load(self, actor: Actor, db):
        self.checking, self.savings, self.error = [], [], ""
        data = accounts.balances(db, actor)
        self.checking = _balance_rows(data[accounts.CORRIENTE])
        self.savings = _balance_rows(data[accounts.AHORROS])


class AppTransactionsState(AppState):
    """Transacciones Realizadas of the last 30 days, newest first, 10 per page."""

    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    error: str = ""
    detail: list[dict[str, str]] = []
    detail_title: str = ""

    def _fetch(self, actor: Actor, db, page: object) -> None:
        result = transactions.search(db, actor, None, page, 10)
        self.rows = [{"id": str(r.id), "when": r.when, "biller": r.biller,
                      "reference": r.reference, "amount": money.format_money(r.amount),
                      "status": r.status, "channel": r.channel} for r in result.rows]
        self.total, self.page = result.total, result.page
        self.pages = max(1, -(-result.total // result.page_size))

    def _no_rows(self, exc: DomainError) -> None:
        self.rows, self.total, self.error = [], 0, exc.message

    @handler(error=_no_rows)
    def load(self, actor: Actor, db):
        self.error, self.detail = "", []
        self._fetch(actor, db, 1)

    @handler
    def go(self, actor: Actor, db, page: int):
        self._fetch(actor, db, to_int(page) or 1)

    @handler
    def open_detail(self, actor: Actor, db, payment_id: str):
        detail = transactions.get_detail(db, actor, id_or_raw(payment_id))
        self.detail_title = f"{detail.biller_name} · {money.format_money(detail.amount)}"
        self.detail = [{"label": k, "value": v} for k, v in detail.lines()]

    @rx.event
    def close_detail(self):
        self.detail = []
