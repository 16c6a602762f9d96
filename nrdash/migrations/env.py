"""Alembic environment of nrdash's store: run programmatically by nrdash.store.ensure_schema (which passes its
own connection, already holding the migration lock), or by the alembic command with sqlalchemy.url set."""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

config = context.config


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=None,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.begin() as conn:
        _run(conn)
