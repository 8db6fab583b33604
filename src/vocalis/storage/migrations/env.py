"""Alembic environment: migrations run on the connection ``vocalis.storage.migrate`` passes in
(``config.attributes["connection"]``), in its transaction."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the call history migrations with vocalis.storage.migrate.upgrade()")

context.configure(
    connection=connection,
    render_as_batch=connection.dialect.name == "sqlite",
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
