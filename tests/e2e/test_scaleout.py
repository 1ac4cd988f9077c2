"""Scale-out mode end to end: two backends with their state in Redis behind nginx, started by
``python -m occireflex.scaleout`` exactly as ``make run-scaled`` does, on a PostgreSQL
database and a Redis server of the test's own.

A logged-in user half-way through a form keeps working when the backend serving their
websocket is killed (SIGKILL): the browser reconnects through nginx to the other backend,
with no new login and nothing typed or chosen lost. The serving backend is found from the
kernel's socket table (``ss``): the one backend connection whose received bytes grow when
the page sends an event is the websocket's, and ``ss -p`` names the process that owns it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from tests.conftest import PG_AVAILABLE, PG_URL
from tests.e2e.conftest import (
    CHROMIUM,
    DEMO_PASSWORD,
    DESKTOP,
    ROOT,
    E2EServer,
    _port_free,
    _server_env,
    open_login,
)
from tests.redis_server import private_redis

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

MOVIMIENTOS = "/consultas/movimientos/detalles"
# a range of the user's own, not the default last 30 days (the server runs on the real clock)
FROM = (date.today() - timedelta(days=45)).isoformat()
TO = (date.today() - timedelta(days=3)).isoformat()
PORT = 3127  # nginx; the build in .web-scale-e2e is made for this address
BACKEND_PORT = 8127
READY_TIMEOUT = 420.0


@dataclass
class Scaled:
    server: E2EServer
    proc: subprocess.Popen
    lines: list[str]
    db_url: str
    redis_url: str
    backend_ports: tuple[int, ...]

    def wait_for(self, needle: str, timeout: float, after: int = 0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines[after:]:
                if needle in line:
                    return line
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"no apareció «{needle}»:\n{''.join(self.lines[-40:])}")


def _free_port(preferred: int) -> int:
    port = preferred
    while not _port_free(port):
        port += 1
    return port


def _need(binary: str, reason: str) -> str:
    found = shutil.which(binary) or next(
        (p for p in (f"/usr/sbin/{binary}", f"/usr/local/sbin/{binary}") if os.path.exists(p)),
        None)
    if found is None:
        print(f"\nSALTADA: {reason}")
        pytest.skip(reason)
    return found


@pytest.fixture(scope="module")
def scaled() -> Iterator[Scaled]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium no disponible en {CHROMIUM}")
    _need("nginx", "nginx no está instalado (make nginx)")
    _need("ss", "falta ss (iproute2) para identificar el backend del websocket")
    if not PG_AVAILABLE:
        reason = f"PostgreSQL no responde en {PG_URL} (el modo escalado lo exige)"
        print(f"\nSALTADA: {reason}")
        pytest.skip(reason)
    tmp = Path(tempfile.mkdtemp(prefix="occi-scale-"))
    database = f"occi_scale_{os.getpid()}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {database}"))
        conn.execute(text(f"CREATE DATABASE {database}"))
    db_url = str(admin.url.set(database=database).render_as_string(hide_password=False))
    port = _free_port(PORT)
    backend = _free_port(BACKEND_PORT)
    while not _port_free(backend + 1):
        backend = _free_port(backend + 2)
    proc = None
    with private_redis(tmp) as redis_url:
        instance = tmp / "instance"
        instance.mkdir()
        env = _server_env(instance, ROOT / ".web-scale-e2e", tmp / "states", port)
        env.update({"OCCIREFLEX_DB_URL": db_url, "OCCIREFLEX_REDIS_URL": redis_url})
        server = E2EServer(base_url=f"http://localhost:{port}", port=port, env=env,
                           instance_dir=instance, log_path=tmp / "scaled.log")
        try:
            server.cli("init-db")
            server.cli("seed-demo")
            proc = subprocess.Popen(
                [sys.executable, "-m", "occireflex.scaleout", "--workers", "2", "--port",
                 str(port), "--backend-port", str(backend), "--run-dir", str(tmp / "run"),
                 "--no-scheduler"],
                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                stdin=subprocess.DEVNULL, start_new_session=True)
            lines: list[str] = []
            threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True).start()
            scaled = Scaled(server, proc, lines, db_url, redis_url, (backend, backend + 1))
            scaled.wait_for("OcciReflex escalado en", READY_TIMEOUT)
            yield scaled
        finally:
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=40)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
            admin.dispose()
            with create_engine(PG_URL, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
            shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------- sockets


_SS_LINE = re.compile(r"ESTAB\s+\d+\s+\d+\s+(\S+):(\d+)\s+(\S+):(\d+)\s+(.*)")


def backend_sockets(ports: tuple[int, ...]) -> dict[tuple[int, int], tuple[int, int]]:
    """Established connections into the backends, seen from the backend side:
    (backend port, peer port) → (bytes received, owning pid)."""
    out = subprocess.run(["ss", "-tnpiH", "state", "established"], capture_output=True,
                         text=True, check=True).stdout
    found: dict[tuple[int, int], tuple[int, int]] = {}
    # ss prints each socket on one line and its -i details on the next
    rows = re.split(r"\n(?=\S)", out.strip())
    for row in rows:
        row = " ".join(row.split())
        m = re.match(r"\d+ \d+ (\S+):(\d+) (\S+):(\d+) (.*)", row)
        if not m or int(m.group(2)) not in ports:
            continue
        pid = re.search(r"pid=(\d+)", m.group(5))
        received = re.search(r"bytes_received:(\d+)", m.group(5))
        found[(int(m.group(2)), int(m.group(4)))] = (
            int(received.group(1)) if received else 0, int(pid.group(1)) if pid else 0)
    return found


def serving_backend(page: Page, ports: tuple[int, ...], action) -> tuple[int, int]:
    """(backend port, worker pid) of the websocket that carried ``action``'s event."""
    before = backend_sockets(ports)
    action()
    page.wait_for_timeout(600)
    after = backend_sockets(ports)
    grew = [(key, after[key][1]) for key in after
            if key in before and after[key][0] > before[key][0]]
    assert len(grew) == 1, f"se esperaba una conexión activa: {before} → {after}"
    (port, _peer), pid = grew[0]
    return port, pid


# --------------------------------------------------------------------------- the test


def login(page: Page, server: E2EServer, username: str) -> None:
    open_login(page)
    page.locator("#usuario").fill(username)
    page.get_by_role("button", name="Siguiente").click()
    expect(page.locator("#token")).to_be_visible()
    page.locator("#token").fill(server.cli("token-code", username))  # fresh database
    page.get_by_role("button", name="Siguiente").click()
    page.get_by_role("checkbox", name="Acepto las condiciones de seguridad").click()
    page.get_by_role("button", name="Continuar").click()
    page.locator("#clave").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    page.wait_for_url(f"{server.base_url}/")


def wait_for_hydration(page: Page, frames: list[str]) -> None:
    """Until the reconnect's state has arrived and its on_load has answered: before that
    the page still shows what it showed before the kill, right or wrong."""
    deadline = time.monotonic() + 20
    while not any('"event"' in f for f in frames):
        assert time.monotonic() < deadline, f"sin estado tras reconectar: {frames}"
        page.wait_for_timeout(100)
    page.wait_for_timeout(1500)


def wait_for_echo(page: Page, frames: list[str], needles: list[str]) -> None:
    deadline = time.monotonic() + 20
    while not all(any(n in f for f in frames) for n in needles):
        assert time.monotonic() < deadline, f"el servidor no confirmó {needles}"
        page.wait_for_timeout(100)


def token(page: Page) -> str:
    return page.evaluate("() => window.sessionStorage.getItem('token')")


def test_sigkill_of_the_serving_backend_keeps_the_session_and_the_form(scaled: Scaled, browser):
    ctx = browser.new_context(base_url=scaled.server.base_url, locale="es-CO", **DESKTOP)
    ctx.set_default_timeout(20_000)
    try:
        page = ctx.new_page()
        received: list[str] = []  # every frame the server sends this tab
        page.on("websocket", lambda ws: ws.on("framereceived",
                                               lambda f: received.append(str(f))))
        login(page, scaled.server, "admin.demo")
        page.goto(MOVIMIENTOS)
        expect(page.get_by_text("256034567").first).to_be_visible()  # the default query
        # the form: another account and a date range, chosen but not yet consulted
        page.locator("#mov-cuenta").click()
        option = page.get_by_role("option", name=re.compile("256098765"))
        port, pid = serving_backend(page, scaled.backend_ports, option.click)
        page.locator("#mov-desde").fill(FROM)
        page.locator("#mov-hasta").fill(TO)
        # an event still in flight dies with its backend (README): the kill comes once the
        # server has echoed both dates, and its state write has had time to follow
        wait_for_echo(page, received, [f'"f_from_rx_state_":"{FROM}"', f'"f_to_rx_state_":"{TO}"'])
        page.wait_for_timeout(300)
        browser_token = token(page)

        # the backend serving this websocket dies without warning (worker and supervisor)
        lines_before = len(scaled.lines)
        frames: list[str] = []  # of the new websocket, listened to before it exists
        page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(str(f))))
        with page.expect_websocket(timeout=30_000):
            os.killpg(os.getpgid(pid), signal.SIGKILL)
        wait_for_hydration(page, frames)
        expect(page.locator("#mov-cuenta")).to_contain_text("256098765")
        # same token, so the same state in Redis: the form as the user left it, no new login
        assert token(page) == browser_token
        expect(page).to_have_url(re.compile(re.escape(MOVIMIENTOS)))
        expect(page.locator("#mov-desde")).to_have_value(FROM)
        expect(page.locator("#mov-hasta")).to_have_value(TO)

        # «Consultar» goes through nginx to the other backend, and its answer is the form's
        consult = page.get_by_role("button", name="Consultar")
        now_port, _ = serving_backend(page, scaled.backend_ports, consult.click)
        assert now_port == next(p for p in scaled.backend_ports if p != port)
        expect(page.get_by_text(f"{FROM.replace('-', '/')} a {TO.replace('-', '/')}")).to_be_visible()
        expect(page.get_by_text(re.compile(r"(Corriente|Ahorros) 256098765")).first).to_be_visible()

        # the launcher saw the death and brings the backend back
        scaled.wait_for(f"Backend {port} terminó (señal SIGKILL)", 10, after=lines_before)
        scaled.wait_for(f"Reiniciando backend {port}", 15, after=lines_before)
    finally:
        ctx.close()
    log = "".join(scaled.lines)
    assert "Traceback" not in log, log[-4000:]


def test_start_up_set_the_redis_setting_reflex_needs_and_said_so(scaled: Scaled):
    import redis

    first = next(line for line in scaled.lines if "notify-keyspace-events" in line)
    # a fresh server («» before), set by our start-up before any backend started
    assert "notify-keyspace-events = «K$sgxe» (antes: «»)" in first
    assert scaled.lines.index(first) < next(
        i for i, line in enumerate(scaled.lines) if "OcciReflex escalado en" in line)
    client = redis.Redis.from_url(scaled.redis_url)
    try:
        value = client.config_get("notify-keyspace-events")["notify-keyspace-events"]
    finally:
        client.close()
    assert set(value) == set("K$sgxe")  # and the backends, which set it again, left it so
