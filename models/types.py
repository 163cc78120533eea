"""Column types of the entities, and the domain vocabularies (models.vocabulary) they store.

Owns: the portable enum column and the UTC timestamp type; re-exports the vocabularies.
Must not import: scheduler, desktop_app, PySide6.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum
from sqlalchemy.types import TypeDecorator

from models.vocabulary import (  # noqa: F401 (re-exported: the entities' modules import them from here)
    ClosureScope,
    Frequency,
    OccurrenceStatus,
    Outcome,
    RequestStatus,
    Sector,
    SizeSource,
    Visibility,
)


def str_enum(enum_cls: type[enum.StrEnum], name: str) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, storing the lower-case values."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend.

    PostgreSQL stores `timestamptz`; SQLite stores text without an offset, so values are normalised to
    UTC on the way in and given back their UTC zone on the way out. Naive datetimes are refused: a
    wall-clock time without a zone is exactly the bug this type exists to prevent.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given for a UTC column")
        value = value.astimezone(UTC)
        if getattr(dialect, "name", "") == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
