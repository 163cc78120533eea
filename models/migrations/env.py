"""Alembic environment: runs migrations on the engine that models.db passes in `config.attributes`."""

from __future__ import annotations

from alembic import context

from models.entities import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # pragma: no cover - only reached when someone runs the alembic CLI by hand
    raise RuntimeError("run migrations through `hubsched db upgrade` (models.db.upgrade)")

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
