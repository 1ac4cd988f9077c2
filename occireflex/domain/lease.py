"""A lease in the database, so that exactly one scheduler sidecar sweeps at a time.

The holder renews its lease well before it expires; a second sidecar finds the lease held
and waits; when the holder stops (it releases the lease) or dies (the lease expires), the
next one takes it. Every step is one atomic statement, correct on SQLite and PostgreSQL:
a conditional UPDATE (``expires_at < now OR holder = me``), or an INSERT that does nothing
if the row appeared meanwhile. Times are the machines' real UTC clocks: keep the lease
several times longer than any clock skew between them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from occireflex.models import SchedulerLease

SWEEP = "sweep"


def acquire(db: Session, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease until ``now + ttl``; False if someone else holds it.
    The caller commits."""
    t = SchedulerLease.__table__
    expires = now + ttl
    taken = db.execute(update(t).where(t.c.name == name,
                                       or_(t.c.expires_at < now, t.c.holder == holder))
                       .values(holder=holder, expires_at=expires))
    if taken.rowcount == 1:
        return True
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    created = db.execute(insert(t).values(name=name, holder=holder, expires_at=expires)
                         .on_conflict_do_nothing(index_elements=["name"]).returning(t.c.name))
    return created.first() is not None  # (psycopg reports no rowcount for this INSERT)


def release(db: Session, name: str, holder: str) -> bool:
    """Give the lease up (clean shutdown), only if still ours. The caller commits."""
    t = SchedulerLease.__table__
    return db.execute(delete(t).where(t.c.name == name, t.c.holder == holder)).rowcount == 1


def current(db: Session, name: str) -> tuple[str, datetime] | None:
    """(holder, expires_at) of the lease, or None."""
    t = SchedulerLease.__table__
    row = db.execute(select(t.c.holder, t.c.expires_at).where(t.c.name == name)).first()
    return None if row is None else (row.holder, row.expires_at)
