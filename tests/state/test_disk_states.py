"""Reflex's disk state manager scans ``.states`` for expired states at most once a minute
(occireflex/web/disk_states.py): the scan held the worker's GIL on every write round."""

from __future__ import annotations

import os

from reflex.istate.manager.disk import StateManagerDisk

from occireflex.web import disk_states


def test_expired_states_are_purged_at_most_once_a_minute(tmp_path, monkeypatch):
    monkeypatch.setattr(StateManagerDisk, "states_directory", tmp_path, raising=False)
    disk_states.throttle_disk_state_purge()
    assert StateManagerDisk._purge_expired_states is \
        disk_states._purge_expired_states_now_and_then
    clock = [1000.0]
    monkeypatch.setattr(disk_states.time, "monotonic", lambda: clock[0])

    def expired(name: str):
        path = tmp_path / f"{name}.pkl"
        path.write_bytes(b"x")
        os.utime(path, (1, 1))  # written in 1970: long expired
        return path

    first = expired("a")
    manager = StateManagerDisk(token_expiration=3600)  # its start-up scan purges «a»
    assert not first.exists()
    second = expired("b")
    clock[0] += 30
    manager._purge_expired_states()  # a write round 30 s later: no scan
    assert second.exists()
    clock[0] += 31
    manager._purge_expired_states()  # a minute after the last scan: purged
    assert not second.exists()
