"""Heavy work while ``bench/load.py`` measures: a 100,000-row bulk file or a 100,000-payment
sweep, started ``--background-after`` seconds into the measured window.

- ``bulk``: one more tab (a second session of the last measured company's administrator)
  names the file, uploads a 100,000-row CSV through the server's ``/_upload`` as the page
  does, and waits for the outcome the background task pushes: so the file is parsed,
  validated and written inside the server process, as in production.
- ``sweep``: 100,000 programmed payments due today are added beforehand for 100 more
  companies (1,000 accounts), and ``autopay.run_sweep`` runs in its own process, as the
  scheduler sidecar runs it.

Both write a lot, so they run on a scratch copy of the cached seed (a file copy on SQLite,
``CREATE DATABASE … TEMPLATE`` on PostgreSQL), dropped afterwards; against a server already
running on the seed (``--url``) they write into it, and the next run seeds afresh.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import bulk_upload
import httpx
import load_seed as seeding
import scheduler_sweep
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from occireflex.domain import bogota
from occireflex.models import Account, utcnow

ROWS = 100_000
FIRST_REFERENCE = 7_000_000_000  # clear of the seed's references


def scratch_copy(seeded: seeding.Seeded) -> seeding.Seeded:
    if seeded.db_url.startswith("sqlite"):
        source = Path(make_url(seeded.db_url).database)
        with seeded.engine().connect() as conn:  # everything in the main file first
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        target = source.with_name("scratch.db")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(source, target)
        return dataclasses.replace(seeded, db_url=f"sqlite:///{target}")
    url = make_url(seeded.db_url)
    scratch = f"{url.database}_scratch"
    _pg_admin(seeded, f'DROP DATABASE IF EXISTS "{scratch}"',
              f'CREATE DATABASE "{scratch}" TEMPLATE "{url.database}"')
    return dataclasses.replace(seeded, db_url=url.set(database=scratch)
                               .render_as_string(hide_password=False))


def spend(seeded: seeding.Seeded) -> seeding.Seeded:
    """Run on the cached seed itself (a server already started on it, ``--url``): later
    runs with ``--url`` keep using it, the next run that starts its own server seeds afresh."""
    _spent_marker(seeded).write_text("trabajo de fondo escrito en esta base\n")
    print("la base sembrada recibe el trabajo de fondo: la próxima corrida con su propio "
          "servidor la siembra de nuevo")
    return seeded


def forget_if_spent(seeded: seeding.Seeded) -> bool:
    """Drop a seed that received a background job (``spend``); True if it was dropped."""
    if not _spent_marker(seeded).exists():
        return False
    (seeded.instance_dir.parent / "manifest.json").unlink(missing_ok=True)
    _spent_marker(seeded).unlink()
    return True


def _spent_marker(seeded: seeding.Seeded) -> Path:
    return seeded.instance_dir.parent / "spent"


def drop_scratch(scratch: seeding.Seeded) -> None:
    if scratch.db_url.startswith("sqlite"):
        target = Path(make_url(scratch.db_url).database)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    else:
        _pg_admin(scratch, f'DROP DATABASE IF EXISTS "{make_url(scratch.db_url).database}"')


def _pg_admin(seeded: seeding.Seeded, *statements: str) -> None:
    admin = create_engine(seeded.manifest["plan"]["pg_url"], isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        admin.dispose()


def prepare(kind: str, scratch: seeding.Seeded) -> dict:
    """What the job needs, made before the server starts."""
    engine = scratch.engine()
    try:
        if kind == "sweep":
            t0 = time.perf_counter()
            pop = scheduler_sweep.populate(engine, accounts=1000, payments=ROWS,
                                           today=bogota.local_today(utcnow()), tag="L")
            print(f"barrido: {pop.due_pairs:,} pagos programados para hoy añadidos en "
                  f"{time.perf_counter() - t0:.1f} s")
            return {"due": pop.due_pairs}
        company = scratch.manifest["plan"]["companies"]  # the last measured company
        with engine.connect() as conn:
            accounts = list(conn.execute(select(Account.number).where(
                Account.company_id == company)).scalars())
        return {"company": company,
                "csv": bulk_upload.make_csv(ROWS, accounts, FIRST_REFERENCE)}
    finally:
        engine.dispose()


def start_sweep(scratch: seeding.Seeded) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, __file__, "--sweep", scratch.db_url],
                            stdout=subprocess.PIPE, text=True)


async def run(kind: str, scratch: seeding.Seeded, job: dict, uploader, url: str) -> dict:
    """Run the job; returns its figures (seconds, rows or payments, outcome)."""
    t0 = time.perf_counter()
    if kind == "sweep":
        proc = start_sweep(scratch)
        out, _ = await asyncio.to_thread(proc.communicate)
        figures = json.loads(out.strip().splitlines()[-1])
        return {"trabajo": "barrido", "s": time.perf_counter() - t0,
                "pagados": figures["paid"], "fallidos": figures["failed"],
                "esperados": job["due"]}
    outcome = await upload(uploader, url, job["csv"])
    return {"trabajo": "carga masiva", "s": time.perf_counter() - t0, **outcome}


async def upload(tab, url: str, data: bytes) -> dict:
    """Name the file, upload it as the page does, wait for the background task's outcome."""
    n = tab.n
    name = "Carga de fondo"  # a fresh scratch copy each run: the name is free
    route = n["pay_route"]
    await tab.send(None, "bulk", "set_file_name", {"value": name}, route)
    headers = {"reflex-client-token": tab.token, "reflex-event-handler": n["upload_handler"],
               "cookie": f"occi_sid={tab.client.session_id}"}
    async with httpx.AsyncClient(timeout=600) as http:
        response = await http.post(f"{url}/_upload", headers=headers,
                                   files={"files": ("carga.csv", data, "text/csv")})
    if response.status_code != 200:
        return {"estado": f"HTTP {response.status_code}: {response.text[:200]}"}
    # the upload's response streams the deltas of the upload event and of the background
    # task it chains (Reflex sends them there, not on the socket): the last outcome wins
    state: dict = {}
    for line in response.text.splitlines():
        state.update((json.loads(line).get("delta") or {}).get(n["bulk"], {}))
    return {"estado": state.get("outcome_rx_state_") or "sin resultado",
            "filas": state.get("outcome_rows_rx_state_"),
            "inscritas": state.get("outcome_inscribed_rx_state_"),
            "mensaje": state.get("outcome_message_rx_state_", "")}


def _sweep_child(db_url: str) -> None:
    from sqlmodel import Session

    from occireflex.db import make_engine
    from occireflex.domain.payments import autopay

    engine = make_engine(db_url)
    with Session(engine, expire_on_commit=False) as db:
        report = autopay.run_sweep(db, utcnow())
    print(json.dumps({"paid": report.paid, "failed": report.failed}))


if __name__ == "__main__":
    _sweep_child(sys.argv[2])
