"""The scheduler sidecar: ``python -m occireflex.scheduler`` (or ``occireflex scheduler``).

It plays the bank's batch side with ONE periodic job, the sweep (``autopay.run_sweep``):
billers issue due bills, due programmed payments are executed. Exactly one sidecar sweeps:
it must hold the ``sweep`` lease (``domain/lease.py``), checked before every sweep and
renewed by a light heartbeat; a second sidecar logs that another one holds it and waits to
take over. SIGTERM/SIGINT stop it cleanly: the batch in flight commits, the rest stays due
for the next sweep, the lease is released. A SIGKILL loses at most the uncommitted batch,
which the next sweep redoes (the sweep is idempotent by database keys).

``--once [--now 2026-12-15T08:00]`` runs exactly one sweep at that time (tests, demos)
and prints a summary. It does not take the lease: a one-off sweep beside a running
sidecar is safe, because a bill can be paid once and each rule × bill attempted once.

After each sweep it runs the jobs of ``scheduler_jobs``: stranded uploads, the «pago
programado mañana» reminders, the outbox, the audit anchors, and the expiry of token
release requests and of operations pending authorization.
Logs go to stdout, in Spanish. No OTP or seed is ever logged.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from occireflex.domain.bogota import BOGOTA, as_utc, local_today
from occireflex.scheduler_jobs import (  # noqa: F401 - scheduler.<job> is their public name
    STRANDED_AFTER,
    anchor_audit,
    deliver_outbox,
    expire_pending_operations,
    expire_token_requests,
    process_stranded_uploads,
    remind_programmed,
)

if TYPE_CHECKING:
    from occireflex.domain.payments.autopay import SweepReport

SWEEP_SECONDS = 60
LEASE_SECONDS = 90
JOB_ID = "barrido"

log = logging.getLogger("occireflex.programador")


class UsageError(ValueError):
    """A bad command-line value; the message is for the user (Spanish)."""


def parse_now(value: str) -> datetime:
    """``--now``: ISO date and time; without an offset it is Bogotá local time."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(
            f"--now no es una fecha y hora válida: «{value}». Use AAAA-MM-DDTHH:MM (hora de "
            "Bogotá), por ejemplo 2026-12-15T08:00, o indique la zona: "
            "2026-12-15T08:00-05:00.") from None
    if not 2000 <= moment.year <= 2099:
        raise UsageError("--now debe estar entre los años 2000 y 2099.")
    return as_utc(moment)


def _seconds(value: str, option: str, low: int, high: int) -> int:
    if not value.strip().isdigit() or not low <= int(value) <= high:
        raise UsageError(f"{option} debe ser un número entero de segundos entre {low} y {high}.")
    return int(value)


def holder_id() -> str:
    """host:pid plus a random suffix: two containers can both be PID 1 on one host name."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:80]


def summary(report: SweepReport, now: datetime) -> str:
    local = now.astimezone(BOGOTA)
    text = (f"Barrido del {local:%Y-%m-%d %H:%M} (hora de Bogotá): "
            f"facturas emitidas: {report.bills_issued}, pagos exitosos: {report.paid}, "
            f"pagos fallidos: {report.failed}")
    if report.skipped_already_paid:
        text += f", omitidos por estar ya pagados: {report.skipped_already_paid}"
    if report.deferred:
        text += f", aplazados al próximo barrido: {report.deferred}"
    if report.interrupted:
        text += " (interrumpido: el resto queda para el próximo barrido)"
    return text + "."


def run_once(now: datetime | None = None, batch: int | None = None) -> SweepReport:
    """One sweep in a fresh session of the configured database."""
    from sqlmodel import Session

    from occireflex.db import get_engine
    from occireflex.domain.payments import autopay

    with Session(get_engine(), expire_on_commit=False) as db:
        return autopay.run_sweep(db, now, batch_size=batch)


class Sidecar:
    """The long-running scheduler: a BlockingScheduler with the sweep job and the lease."""

    def __init__(self, *, interval: int = SWEEP_SECONDS, lease_seconds: int = LEASE_SECONDS,
                 batch: int | None = None, holder: str | None = None) -> None:
        from apscheduler.schedulers.blocking import BlockingScheduler

        from occireflex.domain import lease  # noqa: F401  (imported before the first job)
        from occireflex.domain.payments import autopay  # noqa: F401  (imported before the first job)

        self.interval = interval
        self.batch = batch  # None: autopay.default_batch (per database)
        self.lease_ttl = timedelta(seconds=lease_seconds)
        self.renew_every = max(1, lease_seconds // 3)
        self.holder = holder or holder_id()
        self.stop = threading.Event()
        self.holding = False
        self._sweeping = threading.Lock()  # held while a sweep runs
        self._lease_lock = threading.Lock()
        self._waiting_for: str | None = None
        self._reminded_on: date | None = None  # the Bogotá day of the last reminders
        self.scheduler = BlockingScheduler(timezone=UTC)

    # the lease ---------------------------------------------------------------------

    def hold_lease(self) -> bool:
        """Take or renew the lease; log only when the situation changes."""
        from sqlmodel import Session

        from occireflex.db import get_engine
        from occireflex.domain import lease
        from occireflex.models import utcnow

        with self._lease_lock:  # never interleaved with release_lease()
            if self.stop.is_set():  # stopping: never take the lease again
                return False
            other = None
            try:
                with Session(get_engine()) as db:
                    ok = lease.acquire(db, lease.SWEEP, self.holder, utcnow(), self.lease_ttl)
                    if not ok:
                        other = lease.current(db, lease.SWEEP)
                    db.commit()
            except Exception as exc:  # the database is away: we cannot know, so we do not hold
                log.error("No se pudo consultar la concesión del barrido (%s); se reintenta.",
                          type(exc).__name__)
                ok = False
            if ok and not self.holding:
                log.info("Concesión del barrido obtenida por %s: este programador ejecuta los "
                         "barridos.", self.holder)
                self._waiting_for = None
            elif not ok and self.holding:
                log.warning("Se perdió la concesión del barrido: no se barre hasta recuperarla.")
            if other is not None and other[0] != self._waiting_for:
                until = other[1].astimezone(BOGOTA)
                log.info("Otro programador (%s) tiene la concesión del barrido hasta las "
                         "%s (hora de Bogotá); este queda en espera.", other[0], f"{until:%H:%M:%S}")
                self._waiting_for = other[0]
            self.holding = ok
            return ok

    def release_lease(self) -> None:
        """Give the lease up at shutdown (call after ``stop`` is set)."""
        from sqlmodel import Session

        from occireflex.db import get_engine
        from occireflex.domain import lease

        with self._lease_lock:
            self.holding = False
            try:
                with Session(get_engine()) as db:
                    released = lease.release(db, lease.SWEEP, self.holder)
                    db.commit()
            except Exception as exc:
                log.error("No se pudo liberar la concesión (%s); vencerá sola en %d s.",
                          type(exc).__name__, int(self.lease_ttl.total_seconds()))
                return
            if released:
                log.info("Concesión del barrido liberada.")

    # the sweep ---------------------------------------------------------------------

    def sweep(self) -> None:
        """The periodic job: sweep if (and only if) this sidecar holds the lease."""
        from sqlmodel import Session

        from occireflex.db import get_engine
        from occireflex.domain.payments import autopay
        from occireflex.models import utcnow

        with self._sweeping:
            if self.stop.is_set() or not self.hold_lease():
                return
            now, started = utcnow(), time.monotonic()
            try:
                with Session(get_engine(), expire_on_commit=False) as db:
                    report = autopay.run_sweep(
                        db, now, batch_size=self.batch,
                        should_stop=lambda: self.stop.is_set() or not self.holding)
            except Exception:
                log.exception("El barrido falló; se reintentará en el próximo ciclo.")
                return
            log.info("%s Duración: %.1f s.", summary(report, now), time.monotonic() - started)
            process_stranded_uploads(now)
            if self._reminded_on != local_today(now) and remind_programmed(now) >= 0:
                self._reminded_on = local_today(now)  # once a day (deduplicated anyway)
            deliver_outbox(now)
            anchor_audit(now)
            try:
                expire_token_requests(now)
            except Exception:
                log.exception("No fue posible vencer las solicitudes de token; se reintentará.")
            try:
                expire_pending_operations(now)
            except Exception:
                log.exception("No fue posible vencer las operaciones pendientes; se reintentará.")

    # running -----------------------------------------------------------------------

    def _on_signal(self, signum: int, _frame: object) -> None:
        if self.stop.is_set():
            log.info("El programador ya se está deteniendo.")
            return
        log.info("Señal %s recibida: se termina el lote en curso y se detiene el programador.",
                 signal.Signals(signum).name)
        self.stop.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def _on_event(self, event: object) -> None:
        from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED

        code = getattr(event, "code", 0)
        if getattr(event, "job_id", None) != JOB_ID:
            return
        if code == EVENT_JOB_MAX_INSTANCES:
            log.warning("El barrido anterior sigue en curso: se omite este ciclo.")
        elif code == EVENT_JOB_MISSED:
            log.warning("Se omitió un ciclo del barrido por retraso del programador.")

    def run(self) -> int:
        from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
        from apscheduler.triggers.interval import IntervalTrigger

        for signum in (signal.SIGTERM, signal.SIGINT):
            if signal.getsignal(signum) is not signal.SIG_IGN:  # `cmd &` in sh ignores SIGINT
                signal.signal(signum, self._on_signal)
        self.scheduler.add_listener(self._on_event, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED)
        # the one sweep job: never two at once, missed runs merged into one, late runs kept
        self.scheduler.add_job(self.sweep, IntervalTrigger(seconds=self.interval), id=JOB_ID,
                               name=JOB_ID, max_instances=1, coalesce=True,
                               misfire_grace_time=max(300, 5 * self.interval),
                               next_run_time=datetime.now(UTC))  # noqa: TID251 timer, not business time
        # the lease heartbeat (not a sweep): keeps the lease while a long sweep runs, and
        # lets a waiting sidecar take over soon after the holder is gone
        self.scheduler.add_job(self.hold_lease, IntervalTrigger(seconds=self.renew_every),
                               id="concesion", name="concesion", max_instances=1,
                               coalesce=True, misfire_grace_time=self.renew_every)
        log.info("Programador iniciado (%s): barrido cada %d s, concesión de %d s.",
                 self.holder, self.interval, int(self.lease_ttl.total_seconds()))
        if not self.stop.is_set():
            self.scheduler.start()  # blocks until a signal shuts it down
        with self._sweeping:  # the batch in flight commits; the sweep stops after it
            pass
        self.release_lease()
        log.info("Programador detenido.")
        return 0


def _configure_logging() -> None:
    logging.addLevelName(logging.WARNING, "AVISO")
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, force=True,
                        format="%(asctime)s %(levelname)s programador: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # its own messages are English


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true",
                        help="ejecuta un solo barrido, imprime el resumen y termina")
    parser.add_argument("--now", metavar="FECHA_HORA",
                        help="con --once: momento del barrido, AAAA-MM-DDTHH:MM en hora de "
                             "Bogotá (o con zona, p. ej. 2026-12-15T08:00-05:00)")
    parser.add_argument("--interval", metavar="SEGUNDOS", default=str(SWEEP_SECONDS),
                        help=f"segundos entre barridos (predeterminado {SWEEP_SECONDS})")
    parser.add_argument("--lease", metavar="SEGUNDOS", default=str(LEASE_SECONDS),
                        help="vigencia de la concesión que asegura un solo programador "
                             f"(predeterminado {LEASE_SECONDS})")
    parser.add_argument("--batch", metavar="PAGOS", default=None,
                        help="pagos por transacción del barrido (predeterminado: 5000 en "
                             "PostgreSQL; 2000 en SQLite, con una pausa breve entre lotes)")


def run(args: argparse.Namespace) -> int:
    """Run the sidecar, or one sweep with ``--once``; 2 on a bad argument."""
    try:
        if args.now is not None and not args.once:
            raise UsageError("--now solo se admite junto con --once.")
        now = parse_now(args.now) if args.now is not None else None
        interval = _seconds(args.interval, "--interval", 1, 86_400)
        lease_seconds = _seconds(args.lease, "--lease", 3, 86_400)
        if args.batch is not None and (not args.batch.strip().isdigit()
                                       or not 1 <= int(args.batch) <= 100_000):
            raise UsageError("--batch debe ser un número entero entre 1 y 100000.")
        batch = int(args.batch) if args.batch is not None else None
    except UsageError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    if args.once:
        from occireflex.models import utcnow

        now = now or utcnow()
        try:
            report = run_once(now, batch)
        except Exception as exc:
            print(f"Error: el barrido falló ({type(exc).__name__}: {str(exc).splitlines()[0]}).",
                  file=sys.stderr)
            return 1
        print(summary(report, now))
        expired = expire_token_requests(now)
        if expired:
            print(f"Solicitudes de liberación de token expiradas: {expired}.")
        if operations := expire_pending_operations(now):
            print(f"Operaciones pendientes de autorización vencidas: {operations}.")
        return 0
    _configure_logging()
    return Sidecar(interval=interval, lease_seconds=lease_seconds, batch=batch).run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m occireflex.scheduler",
        description="Programador de OcciReflex: emite facturas y ejecuta pagos programados.")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
