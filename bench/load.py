"""Many treasurers at once: N logged-in websocket clients against the production server.

Seeds (or reuses) the database of ``bench/load_seed.py``, starts ``reflex run --env prod
--single-port`` on it (or uses ``--url``), opens one fresh session per client (a different
user and company each, the session id in the handshake's Cookie header as the browser's
HttpOnly cookie sends it) and speaks Reflex's socket.io protocol as the compiled page does:
the hydrate event in the CONNECT packet, then ``event`` messages carrying the handler's full
substate path, its payload and ``router_data`` (pathname). Each client opens the home,
Inscripciones and Transacciones Realizadas (their on_load handlers), then every
``--interval`` seconds sends one event of the mix — home balances, an Inscripciones page or
filter, a Transacciones query, or the trivial ``set_tab`` (no database: the floor) — and
once a minute pays one pending bill with its token code. An event counts when the delta it
must produce arrives and says what it must (rows, balances, the payment's result); payments
are then counted in the database.

    .venv/bin/python bench/load.py --clients 50 --duration 60      # SQLite, own server
    .venv/bin/python bench/load.py --seed-only                      # prints the server env
    .venv/bin/python bench/load.py --url http://host:port --clients 200 [--server-pid PID]
    .venv/bin/python bench/load.py --clients 200 --background bulk|sweep   # heavy work too

Prints per event kind n, errors, p50/p95/p99 and the ratio to the floor; events/s; the
server's CPU (user+sys of its process tree / wall) and RSS; the payments confirmed by the
clients against the rows written.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load_seed as seeding  # noqa: E402, I001  (sets the instance dir and sys.path first)
import load_background  # noqa: E402
from load_wire import Socket, free_port, start_server, stop_server, tree_usage  # noqa: E402

ROOT = seeding.ROOT
EVENT_TIMEOUT = 60.0
PAY_EVERY = 60.0
TRIVIAL = "trivial: set_tab (sin BD)"
MIX = [(TRIVIAL, 2), ("inicio: saldos", 2), ("Inscripciones: página", 3),
       ("Inscripciones: filtro", 2), ("Transacciones: consulta", 2)]
FILTERS = ["Por vencer", "Vencida", "Pagada", ""]


def _state_names() -> dict[str, str]:
    os.chdir(ROOT)  # rxconfig.py
    import reflex as rx
    from reflex_base import constants

    from occireflex import catalog
    from occireflex.state.balances import BalancesState
    from occireflex.state.bulk import BulkUploadState
    from occireflex.state.payments import PaymentsState
    from occireflex.state.portal import PortalState
    from occireflex.state.transactions import TransactionsState

    return {"root": rx.State.get_full_name(), "portal": PortalState.get_full_name(),
            "balances": BalancesState.get_full_name(), "payments": PaymentsState.get_full_name(),
            "tx": TransactionsState.get_full_name(), "version": constants.Reflex.VERSION,
            "bulk": BulkUploadState.get_full_name(),
            "upload_handler": f"{BulkUploadState.get_full_name()}.handle_upload",
            "pay_route": catalog.SERVICES_BY_CODE[catalog.SERVICIOS_PUBLICOS].route,
            "pay_code": catalog.SERVICIOS_PUBLICOS,
            "tx_route": catalog.SERVICES_BY_CODE[catalog.TRANSACCIONES_REALIZADAS].route,
            "tx_code": catalog.TRANSACCIONES_REALIZADAS}


# --------------------------------------------------------------------------- clients


class Stats:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: dict[str, str] = {}
        self.paid = 0
        self.recording = False
        self.background = False  # the heavy job is running: events also go to ``during``
        self.during: dict[str, list[float]] = defaultdict(list)
        self.job: dict | None = None

    def add(self, kind: str, seconds: float | None, error: str = "") -> None:
        if kind.startswith("abrir") or self.recording:
            if error:
                self.errors[kind] += 1
                self.samples.setdefault(kind, error)
            else:
                self.times[kind].append(seconds)
                if self.background and self.recording:
                    self.during[kind].append(seconds)


def _var(delta: dict, state: str, name: str, default=None):
    return delta.get(state, {}).get(f"{name}_rx_state_", default)


class Treasurer:
    """One browser tab of one user of one company."""

    def __init__(self, client: seeding.Client, url: str, names: dict, stats: Stats, seq: int):
        self.client, self.url, self.n, self.stats = client, url, names, stats
        self.token = f"bench-{os.getpid()}-{seq}"
        self.rng = random.Random(seq)
        self.rows: list[dict] = []
        self.page, self.page_count, self.paid_ids, self.last_step = 1, 1, set(), 0

    async def _wait(self, kind: str | None, state: str, check, started: float) -> dict | None:
        """The update carrying ``state``'s delta; ``check`` says what is wrong with it."""
        problem = ""
        while True:
            left = EVENT_TIMEOUT - (time.perf_counter() - started)
            try:
                update = await asyncio.wait_for(self.sock.updates.get(), max(left, 0.001))
            except TimeoutError:
                problem = "sin respuesta en 60 s"
                break
            if update is None:
                problem = "conexión cerrada"
                break
            delta = update.get("delta") or {}
            if any(e.get("name") == "_redirect" for e in update.get("events") or []):
                problem = "redirigido (sin sesión)"
                break
            if state in delta:
                if (rows := _var(delta, self.n["payments"], "rows")) is not None:
                    self.rows = rows
                    self.page = _var(delta, self.n["payments"], "page", self.page)
                    self.page_count = _var(delta, self.n["payments"], "page_count",
                                           self.page_count)
                problem = check(delta)
                if problem != "-":  # "-": not this update yet
                    break
        if kind:
            self.stats.add(kind, time.perf_counter() - started, problem or "")
        return None if problem else delta

    async def send(self, kind: str | None, state: str, handler: str, payload: dict, path: str,
                   check=lambda _d: "") -> dict | None:
        while not self.sock.updates.empty():  # late updates of a timed-out event
            self.sock.updates.get_nowait()
        started = time.perf_counter()
        self.sock.emit({"name": f"{self.n[state]}.{handler}", "payload": payload,
                        "router_data": {"pathname": path, "asPath": path}})
        return await self._wait(kind, self.n[state], check, started)

    async def open(self) -> bool:
        """Connect and open the three pages (their on_load handlers), as a user would."""
        self.sock = Socket(self.url, self.n["version"])
        kind = "abrir: inicio (hydrate + on_load)"
        started = time.perf_counter()
        try:
            await self.sock.connect(self.token, f"occi_sid={self.client.session_id}", {
                "name": f"{self.n['root']}.hydrate_and_load", "payload": {},
                "router_data": {"pathname": "/", "asPath": "/"}})
        except (OSError, TimeoutError) as exc:
            self.stats.add(kind, None, repr(exc))
            return False
        # the snapshot, guard_home, load_balances, and last is_hydrated = True
        if await self._wait(kind, self.n["root"], lambda d: "" if _var(
                d, self.n["root"], "is_hydrated") else "-", started) is None:
            return False
        pages = (("payments", "pay_route", "pay_code", "abrir: Inscripciones (guard + load)"),
                 ("tx", "tx_route", "tx_code", "abrir: Transacciones (guard + load)"))
        for state, route, code, kind in pages:
            started = time.perf_counter()
            if await self.send(None, "portal", "guard", {"service_code": self.n[code]},
                               self.n[route]) is None:
                self.stats.add(kind, None, "guard sin respuesta")
                return False
            if await self.send(None, state, "load", {}, self.n[route],
                               lambda d, s=state: self._rows_ok(d, s)) is None:
                self.stats.add(kind, None, "load sin filas o con error")
                return False
            self.stats.add(kind, time.perf_counter() - started)
        return True

    def _rows_ok(self, delta: dict, state: str) -> str:
        rows = _var(delta, self.n[state], "rows")
        error = _var(delta, self.n[state], "error" if state == "payments" else "message", "")
        return error or ("" if rows else "sin filas")

    def _grid_ok(self, delta: dict) -> str:
        if _var(delta, self.n["payments"], "rows") is None:
            return "sin filas en el delta"
        return _var(delta, self.n["payments"], "error", "")

    async def tick(self) -> None:
        kind = self.rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
        pay, tx, home = self.n["pay_route"], self.n["tx_route"], "/"
        if kind == TRIVIAL:
            await self.send(kind, "payments", "set_tab", {"tab": "inscripciones"}, pay,
                            lambda d: "" if _var(d, self.n["payments"], "tab") else "sin tab")
        elif kind == "inicio: saldos":
            await self.send(kind, "balances", "load_balances", {}, home,
                            lambda d: "" if _var(d, self.n["balances"], "checking")
                            else "sin saldos")
        elif kind == "Inscripciones: página":
            page = (self.rng.randint(1, self.page_count) if self.rng.random() < 0.1
                    else self.page % self.page_count + 1)
            await self.send(kind, "payments", "go_to_page", {"page": page}, pay, self._grid_ok)
        elif kind == "Inscripciones: filtro":
            await self.send(kind, "payments", "set_filter_state",
                            {"value": self.rng.choice(FILTERS)}, pay, self._grid_ok)
        else:
            await self.send(kind, "tx", "apply_filters", {}, tx,
                            lambda d: self._rows_ok(d, "tx"))

    async def pay(self) -> None:
        """One pending bill of the visible page: summary, token, result, back to the grid."""
        route = self.n["pay_route"]
        target = [r for r in self.rows if r.get("payable") and r["id"] not in self.paid_ids]
        if not target:
            await self.send("Inscripciones: filtro", "payments", "set_filter_state",
                            {"value": "Por vencer"}, route)
            target = [r for r in self.rows if r.get("payable") and r["id"] not in self.paid_ids]
        if not target:
            self.stats.add("pago: resumen (pay_one)", None, "ninguna factura pendiente")
            return
        row = self.rng.choice(target)
        self.paid_ids.add(row["id"])
        summary = await self.send("pago: resumen (pay_one)", "payments", "pay_one",
                                  {"enrollment_id": row["id"]}, route,
                                  lambda d: "" if _var(d, self.n["payments"], "stage") == "pay"
                                  else _var(d, self.n["payments"], "error", "sin resumen"))
        if summary is None:
            return
        from occireflex.domain.security import code_at_step, time_step
        from occireflex.models import utcnow

        step = max(time_step(utcnow()), self.last_step + 1)
        while step > time_step(utcnow()) + 1:  # a fresh step: each is accepted once
            await asyncio.sleep(1)
        self.last_step = step
        code = code_at_step(self.client.token_seed, step)

        def paid(delta: dict) -> str:
            if _var(delta, self.n["payments"], "results_ok") == 1:
                return ""
            results = _var(delta, self.n["payments"], "results") or [{}]
            return (_var(delta, self.n["payments"], "pay_error")
                    or results[0].get("reason") or "pago no confirmado")

        if await self.send("pago: confirmar (token)", "payments", "confirm_payment",
                           {"form_data": {"token": code}}, route, paid) is not None:
            self.stats.paid += self.stats.recording
        await self.send("pago: volver a la grilla", "payments", "back_to_grid", {}, route,
                        self._grid_ok)

    async def run(self, start_at: float, stop_at: float, interval: float) -> None:
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        next_pay = time.monotonic() + self.rng.uniform(0, PAY_EVERY)
        while not self.sock.closed:
            now = time.monotonic()
            if now >= stop_at:
                break
            if now >= next_pay:
                next_pay += PAY_EVERY
                await self.pay()
            else:
                await self.tick()
            await asyncio.sleep(max(0.0, start_at + interval * (
                int((time.monotonic() - start_at) / interval) + 1) - time.monotonic()))


# --------------------------------------------------------------------------- report


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * len(s)) - 1))] * 1e3


def _table(kinds: list[str], times: dict, errors: dict, floor: float | None) -> None:
    print(f"{'evento':40} {'n':>6} {'err':>4} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'máx ms':>8} {'p50/piso':>8}")
    for kind in kinds:
        t = times.get(kind, [])
        if t:
            p50 = statistics.median(t) * 1e3
            ratio = f"{p50 / floor:8.1f}" if floor else f"{'—':>8}"
            print(f"{kind:40} {len(t):6} {errors.get(kind, 0):4} {p50:8.1f} "
                  f"{_pct(t, .95):8.1f} {_pct(t, .99):8.1f} {max(t) * 1e3:8.1f} {ratio}")
        else:
            print(f"{kind:40} {0:6} {errors.get(kind, 0):4}")


def report(stats: Stats, wall: float, cpu: float | None, rss: tuple[int, int] | None,
           own_cpu: float, args, made: int | None, marked: int | None) -> None:
    kinds = sorted(set(stats.times) | set(stats.errors), key=lambda k: (
        not k.startswith("abrir"), k != TRIVIAL, k))
    floor = statistics.median(stats.times[TRIVIAL]) * 1e3 if stats.times[TRIVIAL] else None
    done = sum(len(v) for k, v in stats.times.items() if not k.startswith("abrir"))
    errors = sum(v for k, v in stats.errors.items() if not k.startswith("abrir"))
    print(f"\n{args.clients} clientes, un evento cada {args.interval:g} s por cliente, "
          f"{wall:.0f} s medidos ({args.db}{', ' + args.url if args.url else ''})")
    _table(kinds, stats.times, stats.errors, floor)
    print(f"eventos (sin «abrir»): {done:,} en {wall:.1f} s = {done / wall:.1f} eventos/s; "
          f"errores {errors}")
    if stats.job is not None:
        print(f"\ndurante el trabajo de fondo ({json.dumps(stats.job, ensure_ascii=False)}):")
        _table([k for k in kinds if not k.startswith("abrir")], stats.during, {}, floor)
        slowest = max((max(v) for v in stats.during.values() if v), default=0.0) * 1e3
        print(f"evento más lento durante el trabajo: {slowest:.1f} ms")
    for kind, sample in stats.samples.items():
        print(f"  error en {kind}: {sample} (×{stats.errors[kind]})")
    if cpu is not None:
        print(f"servidor: CPU {cpu:.1f} s en {wall:.1f} s = {cpu / wall:.2f} núcleos; "
              f"RSS {rss[0] / 2**20:.0f} MiB al empezar, pico {rss[1] / 2**20:.0f} MiB")
    print(f"este proceso (clientes): CPU {own_cpu:.1f} s = {own_cpu / wall:.2f} núcleos; "
          f"carga del sistema {os.getloadavg()[0]:.2f}")
    if made is not None:
        print(f"pagos: {stats.paid} confirmados a los clientes; en la base {made} filas nuevas "
              f"(exitosas, manuales, de estos usuarios) y {marked} facturas pagadas"
              + ("" if made == stats.paid == marked else "  ← NO CUADRA"))


async def drive(args, clients: list, names: dict, url: str, server_pid: int | None,
                background: tuple | None = None):
    stats = Stats()
    users = [Treasurer(c, url, names, stats, i) for i, c in enumerate(clients)]
    uploader = None
    if background and background[0] == "bulk":  # one more tab: the file's uploader
        uploader = Treasurer(background[3], url, names, stats, len(users))
        if not await uploader.open():
            raise SystemExit("la pestaña de la carga masiva no abrió sus páginas")
    spread = max(args.interval, len(users) / 50)  # open at most ~50 tabs a second

    async def opened(i: int, user: Treasurer) -> bool:
        await asyncio.sleep(spread * i / len(users))
        return await user.open()

    oks = await asyncio.gather(*(opened(i, u) for i, u in enumerate(users)))
    live = [u for u, ok in zip(users, oks, strict=True) if ok]
    print(f"{len(live)} de {len(users)} clientes abrieron sus páginas")
    peak = [0]

    async def sample_rss() -> None:
        while True:
            peak[0] = max(peak[0], tree_usage(server_pid)[1])
            await asyncio.sleep(1)

    start = time.monotonic()
    stop = start + args.duration
    cpu0, rss0 = tree_usage(server_pid) if server_pid else ({}, 0)
    own0 = resource.getrusage(resource.RUSAGE_SELF)
    sampler = asyncio.create_task(sample_rss()) if server_pid else None
    stats.recording = True

    async def heavy_job() -> None:
        await asyncio.sleep(args.background_after)
        kind, scratch, job, _ = background
        stats.background = True
        try:
            stats.job = await load_background.run(kind, scratch, job, uploader, url)
        finally:
            stats.background = False

    jobs = [heavy_job()] if background else []
    await asyncio.gather(*(u.run(start + args.interval * i / len(live), stop, args.interval)
                           for i, u in enumerate(live)), *jobs)
    stats.recording = False
    wall = time.monotonic() - start
    cpu = None
    if server_pid:
        cpu1, _ = tree_usage(server_pid)
        cpu = sum(v - cpu0.get(pid, 0.0) for pid, v in cpu1.items())
        sampler.cancel()
    own1 = resource.getrusage(resource.RUSAGE_SELF)
    own = own1.ru_utime + own1.ru_stime - own0.ru_utime - own0.ru_stime
    for u in users + ([uploader] if uploader else []):
        if getattr(u, "sock", None):
            await u.sock.close()
    return stats, wall, cpu, (rss0, peak[0]), own


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    seeding.add_plan_args(parser)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--url", help="un servidor ya en marcha sobre la base sembrada")
    parser.add_argument("--server-pid", type=int, help="con --url: medir CPU/RSS de su árbol")
    parser.add_argument("--seed-only", action="store_true")
    parser.add_argument("--background", choices=("bulk", "sweep"),
                        help="un archivo de 100.000 filas o un barrido de 100.000 pagos a la vez")
    parser.add_argument("--background-after", type=float, default=10.0)
    args = parser.parse_args()
    seeded, elapsed = seeding.ensure_seeded(seeding.plan_from_args(args))
    if not args.url and load_background.forget_if_spent(seeded):
        seeded, elapsed = seeding.ensure_seeded(seeding.plan_from_args(args))
    how = f"sembrada en {elapsed:.1f} s" if elapsed is not None else "reutilizada"
    print(f"base: {seeded.db_url} ({how}; filas {json.dumps(seeded.manifest['rows'])}; "
          f"inscripciones por empresa {seeded.manifest['shares']})")
    if args.seed_only:
        print(f"export OCCIREFLEX_DB_URL={seeded.db_url} "
              f"OCCIREFLEX_INSTANCE_DIR={seeded.instance_dir}")
        return
    names = _state_names()
    scratch = job = None
    if args.background:
        if args.url:  # that server's database is the seed itself: the job writes into it
            scratch = load_background.spend(seeded)
        else:
            seeded = scratch = load_background.scratch_copy(seeded)
        job = load_background.prepare(args.background, scratch)
    proc, pid, url = None, args.server_pid, args.url
    if not url:
        port = free_port()
        log = Path(tempfile.mkdtemp(prefix="occi-load-")) / "server.log"
        t0 = time.perf_counter()
        proc = start_server(seeded, port, log)
        pid, url = proc.pid, f"http://localhost:{port}"
        print(f"servidor listo en {time.perf_counter() - t0:.0f} s: {url} (registro {log})")
    try:
        clients = seeding.open_sessions(seeded, args.clients)
        background = None
        if args.background:
            uploader = seeding.open_sessions(seeded, 1, first=seeded.manifest["plan"][
                "companies"], end_earlier=False)[0]
            background = (args.background, scratch, job, uploader)
        since = seeding.utcnow()
        stats, wall, cpu, rss, own = asyncio.run(drive(args, clients, names, url, pid,
                                                       background))
        made, marked = seeding.payment_counts(seeded, since, args.clients)
    finally:
        if proc is not None:
            stop_server(proc)
        if scratch is not None and not args.url:
            load_background.drop_scratch(scratch)
    report(stats, wall, cpu, rss, own, args, made, marked)


if __name__ == "__main__":
    main()
