"""A full, comparable dump of every table: what "the database is unchanged" means in the tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, select

from models.entities import Base


def dump(bind: Engine | Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order, as plain tuples (through `bind`'s transaction)."""
    if isinstance(bind, Engine):
        with bind.connect() as connection:
            return dump(connection)
    tables: dict[str, list[tuple[Any, ...]]] = {}
    for table in Base.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        tables[table.name] = [tuple(row) for row in bind.execute(select(table).order_by(*order))]
    return tables
