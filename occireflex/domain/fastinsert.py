"""Bulk inserts without SQLAlchemy's per-row work, for the sweep and the bulk upload:
PostgreSQL COPY, SQLite one executemany over ready tuples, plain executemany elsewhere.
"""

from __future__ import annotations

from operator import itemgetter

from sqlalchemy import Connection, Table, insert
from sqlalchemy.exc import IntegrityError


def insert_rows(conn: Connection, table: Table, rows: list[dict]) -> None:
    """Bulk insert without SQLAlchemy's per-row work (it was half the sweep's time):
    PostgreSQL COPY, SQLite one executemany over ready tuples."""
    quote = conn.dialect.identifier_preparer.quote
    columns = list(rows[0])
    into = f"{quote(table.name)} ({', '.join(map(quote, columns))})"
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        try:
            with cursor.copy(f"COPY {into} FROM STDIN") as copy:
                for row in map(itemgetter(*columns), rows):
                    copy.write_row(row)
        except conn.dialect.dbapi.IntegrityError as exc:  # a raw driver error: wrap it
            raise IntegrityError(f"COPY {into}", None, exc) from exc
        finally:
            cursor.close()
        return
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), rows)
        return
    tuples = list(map(itemgetter(*columns), rows))  # columns ≥ 2: itemgetter gives tuples
    for i, column in enumerate(columns):  # the column types' own conversions (dates)
        process = table.c[column].type.bind_processor(conn.dialect)
        if process is not None:
            memo: dict = {}
            tuples = [t[:i] + (memo[t[i]] if t[i] in memo else memo.setdefault(t[i], process(t[i])),)
                      + t[i + 1:] for t in tuples]
    conn.exec_driver_sql(f"INSERT INTO {into} VALUES ({', '.join('?' * len(columns))})", tuples)
