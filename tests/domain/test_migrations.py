"""The alembic migrations build exactly the schema of the SQLModel tables, on SQLite and
PostgreSQL, so ``occireflex init-db`` and ``create_all`` never drift apart."""

from __future__ import annotations

import os

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

import occireflex.models  # noqa: F401  (registers the tables)
from occireflex import cli
from occireflex.db import make_engine
from occireflex.settings import PROJECT_ROOT
from tests.conftest import PG_AVAILABLE, PG_URL


def _config() -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return cfg


def _head() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head()


def _schema_diff(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)


def _current_revision(engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_sqlite_migrations_match_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    cli.migrate(url)
    engine = make_engine(url)
    try:
        assert _current_revision(engine) == _head()
        assert set(inspect(engine).get_table_names()) >= set(SQLModel.metadata.tables)
        assert _schema_diff(engine) == []
        cli.migrate(url)  # running it again is harmless
        assert _current_revision(engine) == _head()
    finally:
        engine.dispose()


@pytest.mark.skipif(not PG_AVAILABLE, reason="PostgreSQL is not reachable")
def test_postgresql_migrations_match_the_models():
    schema = f"occi_migrate_{os.getpid()}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        cfg = _config()
        cfg.attributes["engine"] = engine
        command.upgrade(cfg, "head")
        assert _current_revision(engine) == _head()
        assert set(inspect(engine).get_table_names()) >= set(SQLModel.metadata.tables)
        assert _schema_diff(engine) == []
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def test_schema_comparison_detects_a_missing_column(tmp_path):
    """The check above can fail: a schema one column short is reported."""
    url = f"sqlite:///{tmp_path / 'short.db'}"
    cli.migrate(url)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE favorite DROP COLUMN created_at"))
        diff = _schema_diff(engine)
        assert [(d[0], d[2], d[3].name) for d in diff] == [
            ("add_column", "favorite", "created_at")]
    finally:
        engine.dispose()


def test_biller_gln_migration_fills_the_catalog_billers(tmp_path):
    """0015 gives the billers already in a database their catalog GLN (and only those)."""
    from occireflex.domain.payments import billers

    url = f"sqlite:///{tmp_path / 'billers.db'}"
    cfg = _config()
    cfg.set_main_option("sqlalchemy.url", url)
    command.upgrade(cfg, "0013")
    engine = make_engine(url)
    try:
        columns = ("code, name, category, sector, ref_label, ref_min, ref_max, ref_numeric, "
                   "cycle_months, issue_day, due_days, partial_allowed, amount_min, amount_max, "
                   "is_active")
        with engine.begin() as conn:
            for code in ("1001", "2006", "9999"):
                conn.execute(text(f"INSERT INTO biller ({columns}) VALUES (:code, 'x', 'publico', "
                                  "'x', 'x', 1, 9, 1, 1, 1, 10, 0, 100, 200, 1)"), {"code": code})
        command.upgrade(cfg, "head")
        with engine.connect() as conn:
            glns = dict(conn.execute(text("SELECT code, gln FROM biller")).all())
        catalog = {spec.code: spec.gln for spec in billers.BILLERS}
        assert glns == {"1001": catalog["1001"], "2006": catalog["2006"], "9999": None}
    finally:
        engine.dispose()
