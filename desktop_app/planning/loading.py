"""What the planning window shows when it opens, read on a worker thread so that opening it never blocks the
GUI thread.

Owns: `PlanningData` (terms, hubs, organisations, and the chosen term's requests, closures and feed links)
and `load_planning_data`, which reads it through the services and imports the planning widgets' modules
(OR-Tools and icalendar come with them) so that building the window afterwards only creates widgets.
Must not create or touch any widget or QObject: it runs off the GUI thread. The window is built from the
result on the GUI thread (`PlanningWindow(..., data=...)`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from scheduler.errors import HubSchedError

if TYPE_CHECKING:  # importing these is the slow part, done by `load_planning` on the worker thread
    from desktop_app.planning.services import PlanningServices
    from desktop_app.services import AppServices
    from scheduler.feeds.service import FeedLink
    from scheduler.services.closures import ClosureRow
    from scheduler.services.directory import HubRow, OrganisationRow, TermRow
    from scheduler.services.requests import RequestRow

# The modules the planning window is built from; importing them is a third of a second (OR-Tools, icalendar).
WIDGET_MODULES = ("desktop_app.planning.planning_window",)
# Where published feeds are served unless the planning window's Feeds tab was told otherwise.
DEFAULT_BASE_URL = "https://feeds.example.org/hubs"


@dataclass(frozen=True)
class PlanningData:
    services: PlanningServices
    term_id: int | None  # the term the window opens on; None: the first one
    terms: list[TermRow]
    hubs: list[HubRow]
    organisations: list[OrganisationRow]
    requests: list[RequestRow]  # of the chosen term
    closures: list[ClosureRow]  # within the chosen term
    feed_links: list[FeedLink] | str  # a message when the links cannot be made (a bad base URL)


def load_planning(app: AppServices, *, today: date, base_url: str) -> PlanningData:
    """The planning services on the app's database and what the window shows on opening it (runs off the GUI
    thread)."""
    from desktop_app.planning.services import PlanningServices

    return load_planning_data(PlanningServices.from_app(app), today=today, base_url=base_url)


def load_planning_data(
    services: PlanningServices, *, today: date, base_url: str, term_id: int | None = None
) -> PlanningData:
    """Everything the planning window shows on opening. `term_id` None: the next term with requests."""
    for module in WIDGET_MODULES:
        importlib.import_module(module)
    terms = services.directory.terms()
    if term_id is None:
        try:
            term_id = services.directory.next_term_with_requests(today)
        except HubSchedError:
            term_id = None
    term = next((t for t in terms if t.id == term_id), terms[0] if terms else None)
    term_id = None if term is None else term.id
    try:
        links: list[FeedLink] | str = services.feeds.links(base_url)
    except HubSchedError as exc:
        links = str(exc)
    return PlanningData(
        services=services,
        term_id=term_id,
        terms=terms,
        hubs=services.directory.hubs(),
        organisations=services.directory.organisations(),
        requests=services.requests.list(term.id) if term is not None else [],
        closures=services.closures.list(term.first_day, term.last_day) if term is not None else [],
        feed_links=links,
    )
