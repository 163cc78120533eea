"""The columns of each spreadsheet kind: heading, whether it is required, what it takes, which list it offers.

Owns: one table per importable kind (requests, rooms, organisations). Templates, checks and exports all
read these, so the three cannot drift apart. Pure data.
Must not import: desktop_app, PySide6, models, sqlalchemy.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    heading: str
    required: bool
    help: str
    choices: str | None = None  # name of a list on the template's Lists sheet
    width: int = 16


REQUESTS = (
    Column("Title", True, "What the session is, as the hub team sees it, e.g. Housing advice surgery.", width=28),
    Column("Public title", False, "What public calendars show; needed when Visibility is generic.", width=22),
    Column("Organisation", True, "Who asks. A new one is added if you also give its Sector.", "organisations", 28),
    Column("Sector", False, "council, partner or resident (only needed for a new organisation).", "sectors", 10),
    Column("Size", True, "Expected attendance: number of people.", width=7),
    Column("Duration", True, "Minutes per session, e.g. 90.", width=9),
    Column("Frequency", True, "weekly, fortnightly or monthly.", "frequencies", 12),
    Column("Week of month", False, "For monthly: 1, 2, 3, 4 or last.", "weeks", 8),
    Column("Weekdays", True, "Days it can run, e.g. Mon, Wed or Mon-Fri.", "weekdays", 14),
    Column("Time windows", True, "When on those days, e.g. 09:00-12:00; 13:00-17:00 (2:30 PM works too).", width=22),
    Column("Acceptable hubs", True, "Hubs it can go to, separated by commas.", "hubs", 30),
    Column("Preferred hubs", False, "Hubs it would rather have (among the acceptable ones).", "hubs", 22),
    Column("Facilities", False, "Facilities the room must have, separated by commas.", "facilities", 20),
    Column("Step-free", False, "yes if the room must be step-free.", "yesno", 9),
    Column("Visibility", False, "public (default), generic (neutral public title) or private.", "visibilities", 10),
    Column("Shared person", False, "A shared person or team it needs, e.g. DWP work coach.", "teams", 18),
    Column("Priority", False, "1 (low) to 5 (high); default the organisation's.", "priorities", 8),
    Column("Runs in half-term", False, "yes if it also meets during half-term.", "yesno", 9),
    Column("Notes", False, "Anything else for the hub team.", width=30),
)

ROOMS = (
    Column("Hub", True, "The hub the room is in (add hubs first).", "hubs", 24),
    Column("Room", True, "The room's name, unique within its hub.", width=24),
    Column("Capacity", True, "How many people it holds.", width=9),
    Column("Facilities", False, "What it has, separated by commas.", "facilities", 24),
    Column("Step-free", False, "yes (default) or no.", "yesno", 9),
    Column("Bookable", False, "yes (default), or no for staff-only rooms.", "yesno", 9),
    Column("Retired", False, "yes if the room is no longer used.", "yesno", 8),
)

ORGANISATIONS = (
    Column("Name", True, "The organisation's name. One row per contact: repeat the name for more.", width=30),
    Column("Sector", True, "council, partner or resident.", "sectors", 10),
    Column("Default priority", False, "1 (low) to 5 (high); default 3.", "priorities", 9),
    Column("Active", False, "yes (default) or no.", "yesno", 8),
    Column("Notes", False, "For the hub team.", width=28),
    Column("Contact name", False, "Hub team only; never in public calendars.", width=20),
    Column("Contact role", False, "", width=16),
    Column("Contact email", False, "", width=24),
    Column("Contact phone", False, "", width=16),
)

KINDS = {"requests": REQUESTS, "rooms": ROOMS, "organisations": ORGANISATIONS}
SHEETS = {"requests": "Requests", "rooms": "Rooms", "organisations": "Organisations"}
# Export adds these after the request columns; import ignores them.
REQUEST_RESULT_COLUMNS = ("Status", "Allocated", "Reason if unmet")
