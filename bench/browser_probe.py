"""Shared pieces of the browser benchmarks: login with a real token code, and timing of
event → delta round trips over the app's websocket, measured inside the page."""

from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WS_HOOK = """
window.__ws = [];
const Orig = window.WebSocket;
function Hooked(...args) {
  const ws = new Orig(...args);
  ws.addEventListener('message', e => window.__ws.push(
    {dir: 'in', t: performance.now(),
     n: typeof e.data === 'string' ? e.data.length : e.data.byteLength,
     d: typeof e.data === 'string' ? e.data : ''}));
  const send = ws.send.bind(ws);
  ws.send = data => {
    window.__ws.push({dir: 'out', t: performance.now(), n: data.length, d: String(data)});
    return send(data);
  };
  return ws;
}
Hooked.prototype = Orig.prototype;
Object.assign(Hooked, Orig);
window.WebSocket = Hooked;
"""


def token_code(username: str) -> str:
    db = Path(os.environ.get("OCCIREFLEX_INSTANCE_DIR", ROOT / "instance")) / "occireflex.db"
    con = sqlite3.connect(db)
    last = con.execute("select max(t.last_step) from token t join user u on u.id = t.user_id "
                       "where u.username = ?", (username,)).fetchone()[0] or 0
    con.close()
    while int(time.time()) // 30 <= last:
        time.sleep(1)
    return subprocess.check_output([sys.executable, "-m", "occireflex", "token-code", username],
                                   cwd=ROOT, text=True).strip()


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#usuario", username)
    page.get_by_role("button", name="Siguiente").click()
    page.fill("#token", token_code(username))
    page.get_by_role("button", name="Siguiente").click()
    page.get_by_role("checkbox").click()
    page.get_by_role("button", name="Continuar").click()
    page.fill("#clave", "Demo2026*")
    page.get_by_role("button", name="Ingresar").click()
    page.wait_for_url(f"{base}/")


def round_trip(page, click, marker: str) -> tuple[float, int]:
    """Time from the event frame containing ``marker`` to the delta frame, and its size."""
    page.evaluate("window.__ws.length = 0")
    click()
    page.wait_for_function(
        "m => { const o = window.__ws.findIndex(f => f.dir === 'out' && f.d.includes(m));"
        " return o >= 0 &&"
        " window.__ws.slice(o).some(f => f.dir === 'in' && f.d.includes('delta')); }",
        arg=marker, timeout=10_000)
    frames = page.evaluate("window.__ws")
    out = next(f for f in frames if f["dir"] == "out" and marker in f["d"])
    delta = next(f for f in frames if f["dir"] == "in" and f["t"] >= out["t"] and "delta" in f["d"])
    return delta["t"] - out["t"], delta["n"]


def stats(values: list[float]) -> str:
    s = sorted(values)
    return (f"median {statistics.median(s):.2f} ms, p95 {s[int(len(s) * .95) - 1]:.2f} ms, "
            f"min {s[0]:.2f} ms")


