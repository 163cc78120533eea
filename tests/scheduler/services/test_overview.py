"""Term overview: hours requested, placed and open, utilisation and unmet demand, with hand-worked figures."""

from __future__ import annotations

import csv
import io
from datetime import date, time

from sqlalchemy.orm import Session, sessionmaker

from models.entities import Request
from models.types import Frequency, RequestStatus
from scheduler.services.booking import BookingService, NewBooking
from scheduler.services.overview import OverviewService
from scheduler.services.requests import RequestDraft, RequestService, WindowDraft
from tests.builders import make_borough


def test_overview_figures_by_hand(sessions: sessionmaker[Session]) -> None:
    b = make_borough(sessions)
    requests = RequestService(sessions, "Planner")
    pantry = requests.create(
        RequestDraft(
            term_id=b.term_id,
            organisation_id=b.pantry_id,
            title="Food pantry",
            attendance=40,
            duration_min=120,
            windows=(WindowDraft(4, time(10), time(16)),),
            acceptable_hub_ids=(b.civic_id,),
        )
    )
    advice = requests.create(
        RequestDraft(
            term_id=b.term_id,
            organisation_id=b.advice_id,
            title="Debt advice",
            attendance=4,
            duration_min=60,
            frequency=Frequency.FORTNIGHTLY,
            windows=(WindowDraft(1, time(10), time(12)),),
            acceptable_hub_ids=(b.hainault_id,),
        )
    )
    with sessions.begin() as s:
        s.get(Request, advice).status = RequestStatus.UNMET
    # The pantry is placed: Fridays 8 Jan - 19 Mar 2027 skipping half-term (19 Feb) = 10 sessions of 2 h.
    BookingService(sessions, "Planner").book(
        NewBooking(
            room_id=b.hall_id,
            organisation_id=b.pantry_id,
            title="Food pantry",
            first_date=date(2027, 1, 8),
            last_date=date(2027, 3, 19),
            start=time(12),
            duration_min=120,
            frequency=Frequency.WEEKLY,
            term_id=b.term_id,
            request_id=pantry,
            runs_in_breaks=False,
            attendance=40,
        )
    )

    overview = OverviewService(sessions).term_overview(b.term_id)
    civic = next(r for r in overview.hubs if r.name == "Ilford Civic Hub")
    hainault = next(r for r in overview.hubs if r.name == "Hainault Hub")
    # Requested: 12 Fridays in term (8 Jan - 26 Mar) minus half-term = 11 x 2 h.
    assert (civic.requests, civic.requested_hours, civic.placed_hours) == (1, 22.0, 20.0)
    # Open, per room: 60 weekdays x 8 h + 12 Tuesday evenings x 3 h + 11 Sundays (term ends on a Friday) x 12 h,
    # less Good Friday's 8 h.
    assert civic.open_hours == 2 * (60 * 8 + 12 * 3 + 11 * 12 - 8)
    assert civic.utilisation == 20.0 / civic.open_hours
    # Fortnightly Tuesdays in week A from 5 Jan: 5, 19 Jan, 2 Feb, (16 Feb half-term), 2, 16 Mar = 5 x 1 h, unmet.
    assert (hainault.unmet_requests, hainault.unmet_hours, hainault.placed_hours) == (1, 5.0, 0.0)
    sectors = {r.name: r for r in overview.sectors}
    assert sectors["resident"].placed_hours == 20.0 and sectors["partner"].unmet_requests == 1
    assert overview.total.requested_hours == 27.0

    rows = list(csv.DictReader(io.StringIO(overview.to_csv())))
    assert [(r["kind"], r["name"]) for r in rows][-1] == ("total", "All hubs")
    civic_csv = next(r for r in rows if r["name"] == "Ilford Civic Hub")
    assert (civic_csv["placed_hours"], civic_csv["unmet_requests"]) == ("20.00", "0")
