"""Reflex's disk state manager (one worker, no Redis) purges expired states at most once a
minute.

Its write-queue task scans the whole ``.states`` folder (a ``stat`` per file, about 12 files
per browser tab) on every round, and under a steady stream of events a round comes every
few milliseconds: with 200 tabs the scan took about 30 % of the worker's samples, holding
the GIL the event loop needs. Expiry is measured in hours (``token_expiration``), so once a
minute loses nothing.
"""

from __future__ import annotations

import time

from reflex.istate.manager.disk import StateManagerDisk

PURGE_EVERY_SECONDS = 60.0
_scan = StateManagerDisk._purge_expired_states


def _purge_expired_states_now_and_then(self: StateManagerDisk) -> None:
    now = time.monotonic()
    last = getattr(self, "_occi_last_purge", None)
    if last is not None and now - last < PURGE_EVERY_SECONDS:
        return
    self._occi_last_purge = now
    _scan(self)


def throttle_disk_state_purge() -> None:
    StateManagerDisk._purge_expired_states = _purge_expired_states_now_and_then
