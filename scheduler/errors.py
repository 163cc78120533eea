"""Typed domain errors: each carries the sentence a hub manager needs to act on it.

Owns: the error hierarchy raised by services and rules. The CLI prints `str(error)` and exits 2; the GUI
shows it in a dialog. Nothing here is a programming error: those stay ordinary exceptions.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations


class HubSchedError(Exception):
    """Base of every error a user can cause and fix."""


class InvalidInput(HubSchedError):
    """A value is malformed or out of range (a date, a time, an end before a start)."""


class NotFound(HubSchedError):
    """A named thing (hub, room, organisation, term, series) does not exist."""


class BookingRefused(HubSchedError):
    """A booking or change breaks a booking rule; the message names the rule and the details."""


class BookingClash(BookingRefused):
    """The room is already taken; the message names the clashing booking."""


class ClosedError(BookingRefused):
    """The session would fall on a closure or bank holiday."""


class OutsideOpeningHours(BookingRefused):
    """The session would run while the hub is closed."""


class CapacityExceeded(BookingRefused):
    """More people expected than the room holds."""


class StaleEdit(HubSchedError):
    """Someone else changed the record since it was read; reload and try again."""


class DatabaseUnavailable(HubSchedError):
    """The database cannot be reached or opened."""


class InvalidRequest(InvalidInput):
    """A request form has problems; `fields` maps each field name to the sentence shown next to it."""

    def __init__(self, fields: dict[str, str]):
        self.fields = dict(fields)
        super().__init__("; ".join(self.fields.values()))


class RoomUnsuitable(BookingRefused):
    """The room lacks what the session needs: it is not bookable, or lacks a facility or step-free access."""


class InvalidReference(InvalidInput):
    """A hub, room, organisation, team or term form has problems; `fields` maps field name to sentence."""

    def __init__(self, fields: dict[str, str]):
        self.fields = dict(fields)
        super().__init__("; ".join(self.fields.values()))


class NeedsConfirmation(HubSchedError):
    """A change would affect booked sessions: `affected` lists them; repeat with confirm=True to go ahead."""

    def __init__(self, what: str, affected: list[str]):
        self.what = what
        self.affected = tuple(affected)
        shown = "; ".join(self.affected[:5]) + (
            f"; and {len(self.affected) - 5} more" if len(self.affected) > 5 else ""
        )
        super().__init__(f"{what} affects {len(self.affected)} booked session(s): {shown}")


class InUse(HubSchedError):
    """A record cannot be deleted because sessions, requests or rooms still refer to it."""


class ValidationError(InvalidInput):
    """One field's value breaks a domain rule (too long, control characters, out of range, has an offset).

    `field` names the field (for a form to show the sentence next to it); `str(error)` is the sentence.
    """

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(message)


class NewerSchema(DatabaseUnavailable):
    """The database was upgraded by a newer Hub Scheduler; this version neither reads nor writes it."""

    def __init__(self, revision: str):
        self.revision = revision
        super().__init__(
            f"This database was upgraded by a newer Hub Scheduler (schema {revision}); please upgrade Hub Scheduler"
        )


class ConcurrentSave(HubSchedError):
    """A transient conflict (deadlock, serialization failure, locked database) outlasted every retry."""

    MESSAGE = "Another manager was saving at the same moment; nothing was changed. Try again."

    def __init__(self, message: str = MESSAGE):
        super().__init__(message)


class BackupError(HubSchedError):
    """A backup cannot be written, or a file offered for restore is not a usable backup."""


class DatabaseBusy(ConcurrentSave):
    """An SQLite database stayed locked by another program's long write beyond every retry."""

    MESSAGE = (
        "The database is busy: another program has been writing to it for longer than we wait; "
        "nothing was changed. Try again when it has finished."
    )

    def __init__(self, message: str = MESSAGE):
        super().__init__(message)
