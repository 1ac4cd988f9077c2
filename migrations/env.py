"""Alembic environment: the schema is occireflex.models (SQLModel.metadata)."""

from alembic import context
from sqlmodel import SQLModel

import occireflex.models  # noqa: F401  (registers the tables)
from occireflex.db import get_engine, make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        url = config.get_main_option("sqlalchemy.url")
        engine = make_engine(url) if url else get_engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
