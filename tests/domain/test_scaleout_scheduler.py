"""Scale-out mode starts one scheduler per machine: of two sidecars only the lease holder
sweeps, and when the holder is killed outright (SIGKILL: no release) the other takes the
lease over as soon as it expires. The clean hand-over (SIGTERM) is in test_sweep.py, on
both databases."""

from __future__ import annotations

import signal
import time

import pytest
from sqlmodel import Session

from occireflex.domain import lease
from tests.conftest import BACKENDS
from tests.domain.test_sweep import Sidecar

LEASE = 3  # the Sidecar helper runs with --interval 1 --lease 3 (heartbeat every 1 s)
HEARTBEAT = 1


def sweeps(sidecar: Sidecar) -> int:
    return sum("Barrido del " in line for line in sidecar.log)


def drain(sidecar: Sidecar, seconds: float) -> None:
    """Collect the sidecar's output for a while (wait_for only reads up to its match)."""
    try:
        sidecar.wait_for("\x00never\x00", timeout=seconds)
    except AssertionError:
        pass


# the scale-out mode runs on PostgreSQL (SQLite only where PostgreSQL is not available)
@pytest.mark.parametrize("engine", [BACKENDS[-1]], indirect=True)
def test_only_the_holder_sweeps_and_sigkill_hands_the_lease_over_within_its_time(engine):
    first = Sidecar(engine)
    second = None
    try:
        first.wait_for("Concesión del barrido obtenida")
        first.wait_for("Barrido del ")
        second = Sidecar(engine)
        second.wait_for("Otro programador")
        before = sweeps(first)
        drain(first, 3.5)
        drain(second, 0.1)
        assert sweeps(first) >= before + 2  # the holder keeps sweeping every second
        assert sweeps(second) == 0  # the other one only waits
        assert not any("Concesión del barrido obtenida" in line for line in second.log)

        first.proc.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        assert first.proc.wait(timeout=10) == -signal.SIGKILL
        second.wait_for("Concesión del barrido obtenida", timeout=LEASE + 10)
        took = time.monotonic() - killed
        # at most the lease's time plus one heartbeat of the waiting sidecar (and slack)
        assert took <= LEASE + HEARTBEAT + 1.5, f"tomó {took:.1f} s"
        second.wait_for("Barrido del ")
        with Session(engine) as db:
            holder, _ = lease.current(db, lease.SWEEP)
        assert f":{second.proc.pid}:" in holder
        assert second.stop() == 0
        assert "Traceback" not in "".join(first.log + second.log)
    finally:
        for sidecar in (first, second):
            if sidecar is not None and sidecar.proc.poll() is None:
                sidecar.proc.kill()
