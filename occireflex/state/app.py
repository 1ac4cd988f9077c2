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
from occireflex.domain import auth, money, sessions
from occireflex.domain.access import Actor, load_actor
from occireflex.domain.errors import DomainError, LoginFailed, SessionExpired
from occireflex.domain.payments import accounts, transactions
from occireflex.domain.tokens import admin as ta
from occireflex.domain.tokens import device as token_device
from occireflex.settings import settings
from occireflex.state.paging import id_or_raw, to_int
from occireflex.state.session import BrowserMixin, assign_changed

APP_HOME = "/app"
# service code → (tile label, icon) of the App's home
TILES = {catalog.SALDOS_POR_PRODUCTO: ("Saldos", "wallet"),
         catalog.TRANSACCIONES_REALIZADAS: ("Transacciones Realizadas", "receipt-text")}


class AppState(BrowserMixin, rx.State):
    checked: bool = False  # the session was looked at (login form or home may show)
    ready: bool = False  # a live App session
    notice: str = ""
    login_error: str = ""
    user_name: str = ""
    username: str = ""
    company_name: str = ""
    is_admin: bool = False
    tiles: list[dict[str, str]] = []
    coming_count: int = 0  # services granted «Acceso App» that have no App screen yet

    def _sid(self) -> str:
        return self._cookie(settings.app_session_cookie)

    def _actor(self, touch: bool = True) -> Actor | None:
        sid = self._sid()
        if not sid:
            self.ready = False
            return None
        user_agent, ip = self._client_meta()
        try:
            with session_scope() as db:
                return load_actor(db, sid, app=True, user_agent=user_agent, ip=ip,
                                  touch=touch)
        except SessionExpired as exc:
            self.notice, self.ready = exc.message, False
            return None

    def _load_shell(self, actor: Actor) -> None:
        tiles = [{"label": "Token Virtual", "route": "/app/token", "icon": "key-round",
                  "badge": ""}]
        if actor.is_admin:
            with session_scope() as db:
                pending = ta.pending_count(db, actor)
            tiles.append({"label": "Autorizaciones pendientes", "route": "/app/autorizaciones",
                          "icon": "shield-check", "badge": str(pending) if pending else ""})
        for code, route in catalog.APP_SCREENS.items():
            if actor.can(code):
                label, icon = TILES.get(code, (catalog.SERVICES_BY_CODE[code].name, "circle"))
                tiles.append({"label": label, "route": route, "icon": icon, "badge": ""})
        assign_changed(
            self, tiles=tiles,
            coming_count=sum(1 for s in actor.visible_services()
                             if s.code not in catalog.APP_SCREENS and s.code != ta.SERVICE),
            user_name=actor.full_name, username=actor.username,
            company_name=actor.company_name, is_admin=actor.is_admin, ready=True)

    def _require(self) -> Actor | None:
        """The App actor with the shell loaded, or None (then send the user to log in)."""
        actor = self._actor()
        if actor is not None:
            self._load_shell(actor)
        return actor

    @rx.event
    def open_home(self):
        """on_load of ``/app``: the home when a session is live, else the login form."""
        self.login_error = ""
        self._require()
        self.checked = True

    @rx.event
    def login(self, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        user_agent, ip = self._client_meta()
        try:
            with session_scope() as db:
                try:
                    result = auth.app_login(db, data.get("usuario"), data.get("clave"),
                                            data.get("factor"), ip=ip, user_agent=user_agent)
                except LoginFailed:
                    db.commit()  # the failure counters and audit persist
                    raise
        except DomainError as exc:
            self.login_error = exc.message
            return
        self.notice, self.login_error = "", ""
        self._run_in_page("redeem", result.ticket, "app")

    @rx.event
    def logout(self):
        with session_scope() as db:
            sessions.logout(db, self._sid())
        self.ready, self.tiles = False, []
        self.notice = "Su sesión en la App se cerró correctamente."
        self._run_in_page("logout", "app")

    @rx.event
    def check_session(self, _tick: str = ""):
        """Every minute: a blocked token or an idle session ends the App's screen."""
        if self.ready and self._actor(touch=False) is None:
            return rx.redirect(APP_HOME, replace=True)


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

    def _show(self, actor: Actor) -> None:
        with session_scope() as db:
            status = token_device.status(db, actor)
        self.virtual, self.virtual_label = status.virtual, status.virtual_label
        self.active = status.active
        self.device, self.physical = status.device, status.physical
        self.can_enroll, self.reason = status.can_enroll, status.message
        self.enroll_expires = status.enroll_expires
        if not status.enrolling and self.phase == "enrolando":
            self.phase = ""

    @rx.event
    def load(self):
        self.error, self.message = "", ""
        actor = self._require()
        if actor is None:
            return rx.redirect(APP_HOME, replace=True)
        self._show(actor)
        if not self.active:  # a released or blocked seed is worthless: drop it
            self._run_in_page("forgetActive", actor.username)

    @rx.event
    def start(self, form_data: dict):
        actor = self._require()
        if actor is None:
            return rx.redirect(APP_HOME, replace=True)
        device = form_data.get("dispositivo") if isinstance(form_data, dict) else None
        try:
            with session_scope() as db:
                started = token_device.begin(db, actor, device)
        except DomainError as exc:
            self.error = exc.message
            return
        self.error, self.message = "", ""
        self.phase, self.enroll_expires = "enrolando", started.expires
        self._run_in_page("enroll", started.ticket, actor.username)

    @rx.event
    def activate(self, form_data: dict):
        actor = self._require()
        if actor is None:
            return rx.redirect(APP_HOME, replace=True)
        code = form_data.get("codigo") if isinstance(form_data, dict) else None
        try:
            with session_scope() as db:
                done = token_device.activate(db, actor, code)
        except DomainError as exc:
            self.error = exc.message
            self._show(actor)
            return
        self.phase, self.error = "", ""
        self.message = (f"Token virtual activo en «{done.device}». "
                        + ("Su token físico quedó inhabilitado: desde ahora use solo el token "
                           "virtual." if done.physical_disabled else ""))
        self._show(actor)
        self._run_in_page("confirm", actor.username)


class AppApprovalsState(AppState):
    """«Autorizaciones pendientes»: the administrator authorizes releases (seed 002 step 9)."""

    requests: list[dict[str, str]] = []
    error: str = ""
    confirm_id: int = 0
    confirm_verb: str = ""  # autorizar | rechazar
    confirm_name: str = ""
    # the outcome of the last authorization; the activation code is shown once
    done_name: str = ""
    done_code: str = ""
    done_expires: str = ""
    done_message: str = ""

    def _reload(self, actor: Actor) -> None:
        with session_scope() as db:
            pending = ta.pending_requests(db, actor)
        self.requests = [{
            "id": str(p.id), "username": p.username, "name": p.full_name, "reason": p.reason,
            "by": p.requested_by, "at": p.requested_at, "expires": p.expires,
            "verification": p.verification} for p in pending]

    @rx.event
    def load(self):
        self.error, self.confirm_id = "", 0
        actor = self._require()
        if actor is None:
            return rx.redirect(APP_HOME, replace=True)
        try:
            self._reload(actor)
        except DomainError as exc:
            self.requests, self.error = [], exc.message

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

    @rx.event
    def decide(self, request_id: int | str, verb: str):
        """«Autorizar» / «Rechazar»: the domain checks administrator, company and state."""
        actor = self._require()
        if actor is None:
            return rx.redirect(APP_HOME, replace=True)
        self.confirm_id = 0
        try:
            with session_scope() as db:
                if verb == "autorizar":
                    approval = ta.approve(db, actor, id_or_raw(request_id))
                elif verb == "rechazar":
                    username = ta.reject(db, actor, id_or_raw(request_id))
                else:
                    raise DomainError("Seleccione autorizar o rechazar.")
        except DomainError as exc:
            self.error = exc.message
            try:
                self._reload(actor)
            except DomainError:
                self.requests = []
            return
        self.error = ""
        if verb == "autorizar":
            self.done_name, self.done_code = approval.full_name, approval.activation_code
            self.done_expires = approval.activation_expires
            self.done_message = (f"Liberación autorizada: {approval.full_name} ya puede enrolar "
                                 "su nuevo dispositivo en la App.")
        else:
            self.done_name, self.done_code, self.done_expires = username, "", ""
            self.done_message = f"Solicitud rechazada: el token de {username} sigue como estaba."
        self._reload(actor)

    @rx.event
    def dismiss(self):
        self.done_name = self.done_code = self.done_expires = self.done_message = ""


class AppBalancesState(AppState):
    checking: list[dict[str, str]] = []
    savings: list[dict[str, str]] = []
    error: str = ""

    @rx.event
    def load(self):
        self.checking, self.savings, self.error = [], [], ""
        actor = self._require()
        if actor is None:
            return rx.redirect(APP_HOME, replace=True)
        try:
            with session_scope() as db:
                data = accounts.balances(db, actor)
        except DomainError as exc:
            self.error = exc.message
            return

        def rows(items):
            return [{"number": accounts.mask_account(r.number), "name": r.name,
                     "available": money.format_money(r.available),
                     "current": money.format_money(r.current)} for r in items]

        self.checking, self.savings = rows(data[accounts.CORRIENTE]), rows(data[accounts.AHORROS])


class AppTransactionsState(AppState):
    """Transacciones Realizadas of the last 30 days, newest first, 10 per page."""

    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    error: str = ""
    detail: list[dict[str, str]] = []
    detail_title: str = ""

    def _fetch(self, actor: Actor, page: object) -> None:
        with session_scope() as db:
            result = transactions.search(db, actor, None, page, 10)
        self.rows = [{"id": str(r.id), "when": r.when, "biller": r.biller,
                      "reference": r.reference, "amount": money.format_money(r.amount),
                      "status": r.status, "channel": r.channel} for r in result.rows]
        self.total, self.page = result.total, result.page
        self.pages = max(1, -(-result.total // result.page_size))

    @rx.event
    def load(self):
        self.error, self.detail = "", []
        actor = self._require()
        if actor is None:
            return rx.redirect(APP_HOME, replace=True)
        try:
            self._fetch(actor, 1)
        except DomainError as exc:
            self.rows, self.total, self.error = [], 0, exc.message

    @rx.event
    def go(self, page: int):
        actor = self._require()
        if actor is None:
            return rx.redirect(APP_HOME, replace=True)
        try:
            self._fetch(actor, to_int(page) or 1)
        except DomainError as exc:
            self.error = exc.message

    @rx.event
    def open_detail(self, payment_id: str):
        actor = self._require()
        if actor is None:
            return rx.redirect(APP_HOME, replace=True)
        try:
            with session_scope() as db:
                detail = transactions.get_detail(db, actor, id_or_raw(payment_id))
        except DomainError as exc:
            self.error = exc.message
            return
        self.detail_title = f"{detail.biller_name} · {money.format_money(detail.amount)}"
        self.detail = [{"label": k, "value": v} for k, v in detail.lines()]

    @rx.event
    def close_detail(self):
        self.detail = []
