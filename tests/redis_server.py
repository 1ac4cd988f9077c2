"""A private Redis server for the tests of the scale-out mode: its own port and no disk, so
the server-wide settings Reflex changes never touch a Redis someone else uses."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def private_redis(workdir: Path, db: int = 3) -> Iterator[str]:
    """``redis://127.0.0.1:PORT/db`` of a fresh redis-server, stopped on exit."""
    binary = shutil.which("redis-server")
    if binary is None:
        reason = "redis-server no está instalado (make scaled-deps)"
        print(f"\nSALTADA: {reason}")
        pytest.skip(reason)
    import redis

    port = _free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = redis.Redis(port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("redis-server no arrancó") from None
                time.sleep(0.05)
        client.close()
        yield f"redis://127.0.0.1:{port}/{db}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
