"""Alembic environment: the engine comes from storage.migrate (config.attributes["engine"])."""

from __future__ import annotations

from alembic import context

import storage.tables  # noqa: F401  (registers every table on the metadata)
from storage.tables import metadata

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
