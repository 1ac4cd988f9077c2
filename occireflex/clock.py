"""The one clock: business «now», timezone-aware UTC.

Every business rule that needs the time (column defaults through ``models.utcnow``, token
codes, sessions, bills, the sweep, the CLI) reads ``now()``; nothing else in ``occireflex/``
reads the machine's clock (ruff's banned-api rule in ``pyproject.toml`` enforces it).
Tests pin it with ``pinned(at)``, so no test depends on the day it runs.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

_pin: tuple[datetime, float | None] | None = None  # (instant, monotonic start when ticking)


def now() -> datetime:
    """Business «now» (aware UTC): the machine's clock, unless pinned."""
    pin = _pin
    if pin is None:
        return datetime.now(UTC)
    at, since = pin
    return at if since is None else at + timedelta(seconds=time.monotonic() - since)


@contextmanager
def pinned(at: datetime, *, tick: bool = False) -> Iterator[datetime]:
    """Inside the block ``now()`` is ``at``: frozen, or running on from it with ``tick``.

    For tests and replays. The whole process sees it (every thread), and blocks nest.
    """
    global _pin
    if at.tzinfo is None:
        raise ValueError("pinned() needs an aware datetime")
    at = at.astimezone(UTC)
    previous, _pin = _pin, (at, time.monotonic() if tick else None)
    try:
        yield at
    finally:
        _pin = previous
