"""Alembic environment: runs migrations on the connection (or engine) that models.db passes in.

models.db.upgrade passes a connection already inside the one transaction that covers the whole schema
change (see models.db.schema_transaction), so every migration step runs in it: transaction_per_migration
stays False and nothing is committed until the last step and the version row are written.
"""

from __future__ import annotations

from alembic import context

from models.entities import Base

config = context.config
connection = config.attributes.get("connection")
engine = config.attributes.get("engine")
if connection is None and engine is None:  # pragma: no cover - only when someone runs the alembic CLI by hand
    raise RuntimeError("run migrations through `hubsched db upgrade` (models.db.upgrade)")


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        transaction_per_migration=False,
    )
    context.run_migrations()


if connection is not None:
    _run(connection)
else:
    from models.db import schema_transaction

    with schema_transaction(engine) as own_connection:
        _run(own_connection)
