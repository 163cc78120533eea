"""The closed vocabularies of the domain: sector, visibility, frequency, statuses, outcomes, scopes.

Owns: the enumerations alone, with nothing else imported, so that the command line can name them in its
help and parse its arguments without loading the database library. models.types re-exports them beside
the column types that store them.
Must not import: sqlalchemy, scheduler, desktop_app, PySide6.
"""

from __future__ import annotations

import enum


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
