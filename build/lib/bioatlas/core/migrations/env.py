"""Alembic environment: runs on the connection handed over by bioatlas.core.migrate."""

from alembic import context

from bioatlas.core.db import Base
from bioatlas.core.dialect import dialect_for
from bioatlas.core.migrate import import_all_models

import_all_models()
target_metadata = Base.metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through `bioatlas db upgrade` (bioatlas.core.migrate)")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=dialect_for(connection).alter_in_batches,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
