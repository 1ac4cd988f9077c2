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
