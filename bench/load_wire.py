"""The plumbing of ``bench/load.py``: the production server it starts and measures, and a
minimal client of Reflex's socket.io (Engine.IO 4 over a websocket, no polling) speaking
the protocol of the compiled page (``reflex_base/.templates/web/utils/state.js``,
``reflex/app.py`` ``EventNamespace``) with only ``wsproto`` (already in the venv).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Message,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)

ROOT = Path(__file__).resolve().parent.parent
NS = "/_event"


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status == 200
    except OSError:
        return False


def start_server(seeded, port: int, log_path: Path) -> subprocess.Popen:
    """``reflex run --env prod --single-port`` on the seeded database, as ``make run`` and
    tests/e2e/conftest.py start it (build dir ``.web-load`` kept between runs)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("OCCIREFLEX_SEED_KEY", "OCCIREFLEX_DB_URL")}
    bin_dir = Path(sys.executable).parent
    env["PATH"] = os.pathsep.join([str(ROOT / ".tools" / "node_modules" / ".bin"),
                                   str(Path("/work/main/.tools/node_modules/.bin")),
                                   str(bin_dir), env.get("PATH", "")])
    states = Path(tempfile.mkdtemp(prefix="occi-load-states-"))
    env.update({"OCCIREFLEX_DB_URL": seeded.db_url,
                "OCCIREFLEX_INSTANCE_DIR": str(seeded.instance_dir),
                "OCCIREFLEX_ALLOWED_ORIGINS": f"http://localhost:{port},http://127.0.0.1:{port}",
                "REFLEX_USE_SYSTEM_BUN": "1", "REFLEX_TELEMETRY_ENABLED": "false",
                "REFLEX_CHECK_LATEST_VERSION": "0", "REFLEX_WEB_WORKDIR": str(ROOT / ".web-load"),
                "REFLEX_STATES_WORKDIR": str(states), "PYTHONUNBUFFERED": "1"})
    if not env.get("NPM_CONFIG_REGISTRY") and shutil.which("npm"):
        env["NPM_CONFIG_REGISTRY"] = subprocess.run(
            ["npm", "config", "get", "registry"], capture_output=True, text=True).stdout.strip()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(bin_dir / "reflex"), "run", "--env", "prod", "--single-port",
             "--frontend-port", str(port), "--backend-port", str(port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
    proc.states_dir = states  # removed by stop_server
    deadline = time.monotonic() + 300
    while not (_ok(f"http://127.0.0.1:{port}/ping") and _ok(f"http://127.0.0.1:{port}/login")):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_server(proc)
            tail = log_path.read_text(errors="replace").splitlines()[-30:]
            raise SystemExit("el servidor no arrancó:\n" + "\n".join(tail))
        time.sleep(1)
    return proc


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    shutil.rmtree(getattr(proc, "states_dir", ""), ignore_errors=True)


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children[int(stat.rsplit(")", 1)[1].split()[1])].append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def tree_usage(root: int) -> tuple[dict[int, float], int]:
    """(cpu seconds user+sys per pid, total RSS bytes) of the process tree at ``root``."""
    tick, page = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE")
    cpu, rss = {}, 0
    for pid in _tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            rss += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
        except OSError:
            continue
        cpu[pid] = (int(fields[11]) + int(fields[12])) / tick
    return cpu, rss


# --------------------------------------------------------------------------- socket.io


class Socket:
    """Reflex's socket.io (Engine.IO 4, websocket only) as the compiled page speaks it."""

    def __init__(self, url: str, version: str):
        self.url, self.version = urlsplit(url), version
        self.updates: asyncio.Queue = asyncio.Queue()
        self.opened = asyncio.Event()
        self.closed = False

    async def connect(self, token: str, cookie: str, boot: dict) -> None:
        secure = self.url.scheme in ("https", "wss")
        port = self.url.port or (443 if secure else 80)
        self.reader, self.writer = await asyncio.open_connection(
            self.url.hostname, port, ssl=True if secure else None)
        self.ws = WSConnection(ConnectionType.CLIENT)
        origin = f"{'https' if secure else 'http'}://{self.url.netloc}"
        self.writer.write(self.ws.send(Request(
            host=self.url.netloc, target=f"{NS}/?EIO=4&transport=websocket&token={token}",
            subprotocols=[self.version],
            extra_headers=[(b"origin", origin.encode()), (b"cookie", cookie.encode()),
                           (b"user-agent", b"occireflex-bench/load")])))
        self.task = asyncio.create_task(self._read())
        await asyncio.wait_for(self.opened.wait(), 60)  # Engine.IO's open packet
        self._send(f"40{NS}," + json.dumps({"event": boot}))

    def _send(self, text: str) -> None:
        if not self.closed:
            self.writer.write(self.ws.send(Message(data=text)))

    def emit(self, event: dict) -> None:
        self._send(f"42{NS}," + json.dumps(["event", event]))

    async def _read(self) -> None:
        parts: list[str] = []
        try:
            while data := await self.reader.read(65536):
                self.ws.receive_data(data)
                for ev in self.ws.events():
                    if isinstance(ev, TextMessage):
                        parts.append(ev.data)
                        if ev.message_finished:
                            self._packet("".join(parts))
                            parts = []
                    elif isinstance(ev, Ping):
                        self.writer.write(self.ws.send(ev.response()))
                    elif isinstance(ev, RejectConnection | CloseConnection):
                        return
                    elif isinstance(ev, AcceptConnection):
                        pass
        except (ConnectionError, OSError):
            pass
        finally:
            self.closed = True
            self.opened.set()
            self.updates.put_nowait(None)

    def _packet(self, text: str) -> None:
        if text == "2":  # Engine.IO ping from the server
            self._send("3")
        elif text.startswith("0{"):
            self.opened.set()
        elif text.startswith(f"42{NS},"):
            name, *args = json.loads(text[len(NS) + 3:])
            if name == "event" and args:
                self.updates.put_nowait(args[0])

    async def close(self) -> None:
        if not self.closed:
            self.writer.close()
        self.task.cancel()
