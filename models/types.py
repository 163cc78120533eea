"""Column types and enumerations shared by the entities.

Owns: the closed vocabularies (sector, visibility, frequency, statuses) and the UTC timestamp type.
Must not import: scheduler, desktop_app, PySide6.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum
from sqlalchemy.types import TypeDecorator


class Sector(enum.StrEnum):
    COUNCIL = "council"
    PARTNER = "partner"
    RESIDENT = "resident"


class Visibility(enum.StrEnum):
    PUBLIC = "public"  # shown as is in public feeds
    GENERIC = "generic"  # public feeds show a neutral title
    PRIVATE = "private"  # never in public feeds


class Frequency(enum.StrEnum):
    ONCE = "once"
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"  # on the nth weekday of the month (nth -1 = last)


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    PLACED = "placed"
    UNMET = "unmet"
    WITHDRAWN = "withdrawn"


class OccurrenceStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    MOVED = "moved"


class Outcome(enum.StrEnum):
    """What happened to a past session (attendance recording)."""

    TOOK_PLACE = "took_place"
    LATE_CANCEL = "late_cancel"  # called off by the group too late for the room to be re-let
    NO_SHOW = "no_show"  # nobody came and nobody said


class SizeSource(enum.StrEnum):
    """Which size the allocation uses for room fit in a term (chosen per term by the hub manager)."""

    REQUESTED = "requested"  # the size on the request
    RECORDED = "recorded"  # the median recorded attendance of the series last term, where there is one


class ClosureScope(enum.StrEnum):
    BOROUGH = "borough"
    HUB = "hub"
    ROOM = "room"


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
