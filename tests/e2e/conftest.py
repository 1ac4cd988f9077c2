"""End-to-end fixtures: a production OcciReflex server on a private instance, and Chromium.

The server is started once per session with ``reflex run --env prod --single-port`` on its
own SQLite database (``init-db`` + ``seed-demo``) and its own build directory (``.web-e2e``),
so a server already running from the repository (e.g. on port 3000) is left untouched.

Virtual token codes are computed here as the device does (``fresh_code``: the seed read from
the server's database, opened with its instance's key), not by a ``token-code`` process per
code; physical tokens' codes still come from that CLI. Tests that are not about the login
reuse a cached session (``logged_in``) instead of logging in through the UI.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from occireflex.domain import security

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
DEMO_PASSWORD = "Demo2026*"
DEFAULT_PORT = 3107
READY_TIMEOUT = 240.0
TOTP_STEP = 30
# a cached login is reused while the server's idle timeout (15 min) cannot have ended it
STATE_REUSE_S = 10 * 60
# where the lane's time goes (printed at the end of the run): logins, token codes, CLI calls
LANE_COSTS = {"codes": 0, "code_wait_s": 0.0, "cli_calls": 0, "cli_s": 0.0, "ui_logins": 0}

CHROMIUM = os.environ.get("OCCIREFLEX_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]

DESKTOP = {"viewport": {"width": 1366, "height": 768}}
PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": PHONE_UA,
}

expect.set_options(timeout=15_000)


# --------------------------------------------------------------------------- server


@dataclass(frozen=True)
class E2EServer:
    base_url: str
    port: int
    env: dict[str, str]
    instance_dir: Path
    log_path: Path

    @property
    def db_path(self) -> Path:
        return self.instance_dir / "occireflex.db"

    def cli(self, *args: str, env: dict[str, str] | None = None) -> str:
        """Run ``python -m occireflex ARGS`` against the server's instance (``env`` added to
        the server's environment); its stdout."""
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "occireflex", *args], cwd=ROOT, env={**self.env, **(env or {})},
            capture_output=True, text=True, timeout=60,
        )
        LANE_COSTS["cli_calls"] += 1
        LANE_COSTS["cli_s"] += time.monotonic() - started
        if result.returncode != 0:
            raise RuntimeError(f"occireflex {' '.join(args)} falló:\n{result.stderr}")
        return result.stdout.strip()


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def _pick_port() -> int:
    wanted = int(os.environ.get("OCCIREFLEX_E2E_PORT", DEFAULT_PORT))
    if _port_free(wanted):
        return wanted
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _npm_registry() -> str | None:
    if os.environ.get("NPM_CONFIG_REGISTRY"):
        return os.environ["NPM_CONFIG_REGISTRY"]
    npm = shutil.which("npm")
    if not npm:
        return None
    try:
        out = subprocess.run([npm, "config", "get", "registry"], capture_output=True,
                             text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out or None


def _server_env(instance: Path, web: Path, states: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("OCCIREFLEX_DB_URL", "OCCIREFLEX_SEED_KEY", "OCCIREFLEX_ARGON2_TIME_COST",
                 "OCCIREFLEX_ARGON2_MEMORY_KIB"):
        # the instance dir holds database and key; the server keeps production argon2
        env.pop(name, None)
    tools = ROOT / ".tools" / "node_modules" / ".bin"
    env["PATH"] = os.pathsep.join([str(tools), str(Path(sys.executable).parent),
                                   env.get("PATH", "")])
    env.update({
        "OCCIREFLEX_INSTANCE_DIR": str(instance),
        "OCCIREFLEX_ALLOWED_ORIGINS": f"http://localhost:{port},http://127.0.0.1:{port}",
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "0",
        # a private build dir: do not overwrite the .web of a server already running
        "REFLEX_WEB_WORKDIR": str(web),
        "REFLEX_STATES_WORKDIR": str(states),
        "PYTHONUNBUFFERED": "1",
        # the test server believes one proxy hop: a context may pose as another client by
        # sending X-Forwarded-For (test_ip_rules); without the header the peer counts
        "OCCIREFLEX_TRUSTED_PROXY_HOPS": "1",
    })
    registry = _npm_registry()
    if registry:
        env["NPM_CONFIG_REGISTRY"] = registry
    return env


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:  # follows /login → /login/
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(sin registro)"


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def e2e_server() -> Iterator[E2EServer]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium no disponible en {CHROMIUM}")
    tmp = Path(tempfile.mkdtemp(prefix="occi-e2e-"))
    # a build dir of its own, kept between runs (node_modules), never the dev server's .web
    instance, web, states = tmp / "instance", ROOT / ".web-e2e", tmp / "states"
    instance.mkdir()
    states.mkdir()
    port = _pick_port()
    env = _server_env(instance, web, states, port)
    server = E2EServer(base_url=f"http://localhost:{port}", port=port, env=env,
                       instance_dir=instance, log_path=tmp / "server.log")

    mp = pytest.MonkeyPatch()
    # tests read the same database (token last_step) as the server
    mp.setenv("OCCIREFLEX_INSTANCE_DIR", str(instance))
    proc: subprocess.Popen | None = None
    try:
        server.cli("init-db")
        server.cli("seed-demo", "--firma-unica")
        reflex = Path(sys.executable).with_name("reflex")
        with open(server.log_path, "wb") as log:
            proc = subprocess.Popen(
                [str(reflex), "run", "--env", "prod", "--single-port",
                 "--frontend-port", str(port), "--backend-port", str(port)],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"El servidor terminó (código {proc.returncode}):\n"
                            f"{_log_tail(server.log_path)}")
            if (_http_ok(f"http://127.0.0.1:{port}/ping")
                    and _http_ok(f"http://127.0.0.1:{port}/login")):
                break
            if time.monotonic() > deadline:
                pytest.fail(f"El servidor no respondió en {READY_TIMEOUT:.0f} s:\n"
                            f"{_log_tail(server.log_path)}")
            time.sleep(1)
        yield server
    finally:
        if proc is not None:
            _stop(proc)
        mp.undo()
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser: Browser, e2e_server: E2EServer):
    """Factory for browser contexts (closed after the test): ``new_context(phone=False)``."""
    contexts: list[BrowserContext] = []

    def make(*, phone: bool = False, storage_state: dict | None = None) -> BrowserContext:
        ctx = browser.new_context(
            base_url=e2e_server.base_url, locale="es-CO", storage_state=storage_state,
            **(PHONE if phone else DESKTOP),
        )
        ctx.set_default_timeout(20_000)
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def page(new_context) -> Page:
    return new_context().new_page()


# --------------------------------------------------------------------------- login helpers


def _device_token(server: E2EServer, username: str) -> tuple[bytes, int | None]:
    """The user's active token as the device holds it: (encrypted seed, last accepted step)."""
    con = sqlite3.connect(f"file:{server.db_path}?mode=ro", uri=True, timeout=10)
    try:
        row = con.execute(
            'SELECT t.seed_encrypted, t.last_step FROM token t JOIN "user" u ON u.id = t.user_id '
            "WHERE u.username = ? AND t.state = 'activo' AND t.seed_encrypted IS NOT NULL "
            "ORDER BY t.id LIMIT 1", (username,),
        ).fetchone()
    finally:
        con.close()
    if row is None:
        raise AssertionError(f"{username} no tiene un token activo")
    return row[0], row[1]


def fresh_code(server: E2EServer, username: str) -> str:
    """A code the user's token shows, for a time step the server has not accepted yet.

    The server accepts each step once, and one step either side of its clock
    (``security.TOTP_WINDOW``): a device running a step behind or ahead shows the earliest
    step not spent yet, so three codes go through within one 30-second step before one
    waits. The step behind is used only early in the step (it must still be inside the
    window when the server checks it). Computed here, as the device does, from the
    instance's seed key (no ``token-code`` process per code)."""
    started = time.monotonic()
    deadline = time.time() + 3 * TOTP_STEP
    while True:
        sealed, last = _device_token(server, username)
        now = time.time()
        now_step = int(now) // TOTP_STEP
        lowest = now_step - security.TOTP_WINDOW if now % TOTP_STEP < 20 else now_step
        step = lowest if last is None else max(lowest, last + 1)
        if step <= now_step + security.TOTP_WINDOW:
            break
        if time.time() > deadline:
            raise AssertionError(f"last_step de {username} no avanza ({last})")
        time.sleep(0.5)
    LANE_COSTS["codes"] += 1
    LANE_COSTS["code_wait_s"] += time.monotonic() - started
    seed = security.decrypt_seed(sealed, (server.instance_dir / "seed.key").read_bytes().strip())
    return security.code_at_step(seed, step)


def pytest_terminal_summary(terminalreporter) -> None:
    if LANE_COSTS["codes"] or LANE_COSTS["cli_calls"]:
        c = LANE_COSTS
        terminalreporter.write_line(
            f"e2e lane: {c['ui_logins']} UI logins; {c['codes']} token codes, "
            f"{c['code_wait_s']:.0f} s waiting for a fresh time step; "
            f"{c['cli_calls']} CLI calls, {c['cli_s']:.0f} s")


def open_login(page: Page) -> None:
    page.goto("/login")
    # React focuses #usuario on mount: the page is hydrated and its handlers are live
    expect(page.locator("#usuario")).to_be_focused()


def login_until_password(page: Page, server: E2EServer, username: str) -> None:
    """Steps 1-3 of seed 000; leaves the page at step 4 (clave)."""
    open_login(page)
    page.locator("#usuario").fill(username)
    page.get_by_role("button", name="Siguiente").click()
    expect(page.locator("#token")).to_be_visible()
    page.locator("#token").fill(fresh_code(server, username))
    page.get_by_role("button", name="Siguiente").click()
    page.get_by_role("checkbox", name="Acepto las condiciones de seguridad").click()
    page.get_by_role("button", name="Continuar").click()
    expect(page.locator("#clave")).to_be_visible()


def login(page: Page, server: E2EServer, username: str,
          password: str = DEMO_PASSWORD) -> None:
    LANE_COSTS["ui_logins"] += 1
    login_until_password(page, server, username)
    page.locator("#clave").fill(password)
    page.get_by_role("button", name="Ingresar").click()
    page.wait_for_url(f"{server.base_url}/")


@pytest.fixture(scope="session")
def auth_states(browser: Browser, e2e_server: E2EServer):
    """Logged-in storage states (the session cookie), one UI login per user and session.

    ``auth_states.get(username)`` logs in on first use; ``auth_states.remember`` stores a
    state obtained by a test's own login. Never use a cached state in a test that logs out.
    """

    class _States:
        def __init__(self) -> None:
            self._cache: dict[str, tuple[dict, float]] = {}  # state, when last handed out

        def remember(self, username: str, state: dict) -> None:
            self._cache[username] = (state, time.monotonic())

        def get(self, username: str) -> dict:
            state, used = self._cache.get(username, (None, 0.0))
            if state is None or time.monotonic() - used > STATE_REUSE_S:
                ctx = browser.new_context(base_url=e2e_server.base_url, **DESKTOP)
                ctx.set_default_timeout(20_000)
                try:
                    login(ctx.new_page(), e2e_server, username)
                    state = ctx.storage_state()
                finally:
                    ctx.close()
            self._cache[username] = (state, time.monotonic())
            return state

    return _States()


@pytest.fixture
def logged_in(new_context, auth_states) -> Callable[..., Page]:
    """``logged_in(username, phone=False)``: a new page in a context already logged in."""

    def make(username: str, *, phone: bool = False) -> Page:
        return new_context(phone=phone, storage_state=auth_states.get(username)).new_page()

    return make


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
