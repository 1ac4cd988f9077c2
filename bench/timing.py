"""What the domain benchmarks share: a median in milliseconds and a fresh database."""

from __future__ import annotations

import statistics
import tempfile
import time

from sqlalchemy import create_engine, text

from occireflex import db as dbmod

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def median_ms(call, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e3


def fresh_engine(kind: str, schema: str):
    """SQLite in a temporary directory, or a new PostgreSQL ``schema`` of 127.0.0.1/test."""
    if kind == "sqlite":
        return dbmod.make_engine(f"sqlite:///{tempfile.mkdtemp(prefix='occi-db-')}/bench.db")
    with create_engine(PG_URL).begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    return create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
