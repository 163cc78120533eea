"""DemoService: load the demo borough (resources/demo/borough.yaml) into an empty database.

Owns: reading the demo data file, checking every reference in it with a message naming the bad entry,
and writing it in one transaction. The running series are booked through the BookingService so they
obey the same rules as any booking (bank holidays skipped, no clash); the closures are then added through
the ClosureService, as if two weeks before each, so the sessions they displace are re-homed and recorded.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import (
    Base,
    Facility,
    Hub,
    OpeningHours,
    Organisation,
    Request,
    RequestHub,
    RequestWindow,
    Room,
    Team,
    Term,
    TermBreak,
)
from models.types import ClosureScope, Frequency, RequestStatus, Sector, Visibility
from scheduler.errors import HubSchedError, InvalidInput
from scheduler.recurrence import to_utc
from scheduler.services.booking import BookingService, NewBooking
from scheduler.services.common import audit

NOTICE_DAYS = 14  # the demo's closures were added two weeks before each starts
REHOMING_LIMIT = 30.0  # seconds for each closure's re-homing choice (it finishes far sooner)
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


class AlreadyLoaded(HubSchedError):
    """The database already holds a borough; loading the demo would mix the two."""


@dataclass(frozen=True)
class DemoSummary:
    hubs: int
    rooms: int
    organisations: int
    series: int
    sessions: int
    requests: int


# libyaml's safe loader when PyYAML was built with it (its wheels are): the pure-Python one took a third of
# a second of every demo load.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_demo_file(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput(f"cannot read demo data {path}: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"demo data {path} is not a mapping")
    return data


def _time(value: str, where: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{where}: {value!r} is not a time (HH:MM)") from None


def _date(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def _weekday(value: str, where: str) -> int:
    try:
        return WEEKDAYS[str(value).lower()[:3]]
    except KeyError:
        raise InvalidInput(f"{where}: {value!r} is not a weekday (mon..sun)") from None


def _window(text: str, where: str) -> tuple[time, time]:
    try:
        opens, closes = str(text).split("-")
    except ValueError:
        raise InvalidInput(f"{where}: {text!r} is not a window like 09:00-17:00") from None
    return _time(opens, where), _time(closes, where)


class _Index:
    """Name -> entity maps with a message that names the entry that refers to something missing."""

    def __init__(self) -> None:
        self.maps: dict[str, dict[str, Any]] = {}

    def add(self, kind: str, key: str, value: Any) -> None:
        self.maps.setdefault(kind, {})[key] = value

    def get(self, kind: str, key: Any, where: str) -> Any:
        try:
            return self.maps[kind][str(key)]
        except KeyError:
            raise InvalidInput(f"{where}: unknown {kind} {key!r}") from None


class DemoService:
    def __init__(self, sessions: sessionmaker[Session], booking: BookingService):
        self._sessions = sessions
        self._booking = booking
        self._operator = booking.operator

    def load(self, data: dict[str, Any], *, reset: bool = False) -> DemoSummary:
        """Load the demo into an empty database (or, with `reset`, after deleting everything)."""
        with self._sessions.begin() as session:
            if not reset and session.scalar(select(Hub.id).limit(1)) is not None:
                raise AlreadyLoaded(
                    "the database already holds a borough; `hubsched demo --reset` replaces it with the demo"
                )
            if reset:
                for table in reversed(Base.metadata.sorted_tables):
                    session.execute(delete(table))
            index = _Index()
            summary = self._load(session, data, index)
            audit(
                session,
                self._operator,
                "load-demo",
                "borough",
                None,
                f"Loaded the demo borough: {summary.hubs} hubs, {summary.rooms} rooms, "
                f"{summary.series} series, {summary.requests} requests",
                at=self._booking.clock(),
            )
            return summary

    def _load(self, session: Session, data: dict[str, Any], index: _Index) -> DemoSummary:
        for item in data.get("facilities", []):
            facility = Facility(key=item["key"], name=item["name"])
            session.add(facility)
            index.add("facility", item["key"], facility)

        rooms = 0
        for hub_data in data.get("hubs", []):
            name = hub_data["name"]
            hub = Hub(
                name=name,
                area=hub_data.get("area", ""),
                address=hub_data.get("address", ""),
                postcode=hub_data.get("postcode", ""),
                latitude=hub_data.get("latitude"),
                longitude=hub_data.get("longitude"),
            )
            for day, windows in (hub_data.get("opening_hours") or {}).items():
                for text in windows:
                    opens, closes = _window(text, f"hub {name} opening hours")
                    hub.opening_hours.append(OpeningHours(weekday=_weekday(day, name), opens=opens, closes=closes))
            session.add(hub)
            index.add("hub", name, hub)
            for room_data in hub_data.get("rooms", []):
                where = f"room {room_data['name']} of {name}"
                room = Room(
                    hub=hub,
                    name=room_data["name"],
                    capacity=int(room_data["capacity"]),
                    step_free=bool(room_data.get("step_free", True)),
                    bookable=bool(room_data.get("bookable", True)),
                    facilities=[index.get("facility", f, where) for f in room_data.get("facilities", [])],
                )
                session.add(room)
                index.add("room", f"{name}/{room.name}", room)
                rooms += 1

        for item in data.get("organisations", []):
            organisation = Organisation(
                name=item["name"], sector=Sector(item["sector"]), contact=item.get("contact", "")
            )
            session.add(organisation)
            index.add("organisation", item["name"], organisation)
        for item in data.get("teams", []):
            team = Team(name=item["name"], description=item.get("description", ""))
            session.add(team)
            index.add("team", item["name"], team)
        for item in data.get("terms", []):
            where = f"term {item['name']}"
            term = Term(
                name=item["name"],
                first_day=_date(item["first_day"], where),
                last_day=_date(item["last_day"], where),
            )
            term.breaks = [
                TermBreak(
                    name=b.get("name", "Break"),
                    first_day=_date(b["first_day"], where),
                    last_day=_date(b["last_day"], where),
                )
                for b in item.get("breaks", [])
            ]
            session.add(term)
            index.add("term", item["name"], term)
        session.flush()

        booking = self._booking
        series = sessions = 0
        for number, item in enumerate(data.get("series", []), start=1):
            result = booking.book_within(session, self._series_booking(item, index, f"series #{number}"))
            series += 1
            sessions += result.sessions

        # Closures after the series, through ClosureService as a hub manager adds them, so the sessions they
        # displace are re-homed (or cancelled) and that is recorded: the term report shows what happened.
        for item in data.get("closures", []):
            self._add_closure(session, item, index)

        history = data.get("attendance_history")  # illustrative: invented turnout of the running term so far
        if history:
            from scheduler.services.attendance import AttendanceService  # only when a demo is loaded

            AttendanceService(self._sessions, self._operator, self._booking.clock).seed_illustrative(
                session, index.get("term", history["term"], "attendance_history"), seed=int(history.get("seed", 2026))
            )

        requests = 0
        arrival = self._booking.clock() - timedelta(days=30)
        for number, item in enumerate(data.get("requests", []), start=1):
            session.add(
                self._request(
                    item,
                    index,
                    f"request #{number} ({item.get('title', '?')})",
                    arrival + timedelta(minutes=number),
                )
            )
            requests += 1
        session.flush()
        return DemoSummary(
            hubs=len(index.maps.get("hub", {})),
            rooms=rooms,
            organisations=len(index.maps.get("organisation", {})),
            series=series,
            sessions=sessions,
            requests=requests,
        )

    def _add_closure(self, session: Session, item: dict[str, Any], index: _Index) -> None:
        """Add one closure as a manager would have, NOTICE_DAYS before it starts: the sessions it displaces
        are re-homed by the same plan and gate as in the app, the rest cancelled, each effect recorded."""
        from scheduler.services.closures import ClosureDraft, ClosureService  # only when a demo is loaded

        where = f"closure {item.get('reason', '')!r}"
        scope = ClosureScope(item["scope"])
        hub = index.get("hub", item["hub"], where) if scope is not ClosureScope.BOROUGH else None
        room = index.get("room", f"{item['hub']}/{item['room']}", where) if scope is ClosureScope.ROOM else None
        draft = ClosureDraft(
            scope,
            _date(item["first_day"], where),
            _date(item["last_day"], where),
            item.get("reason", ""),
            hub_id=hub.id if hub is not None else None,
            room_id=room.id if room is not None else None,
            start=_time(item["start"], where) if item.get("start") else None,
            end=_time(item["end"], where) if item.get("end") else None,
        )
        # never later than now: a closure still to come was added today
        added_at = min(to_utc(draft.first_day - timedelta(days=NOTICE_DAYS), time(9)), self._booking.clock())
        booking = BookingService(self._sessions, self._operator, clock=lambda: added_at)
        closures = ClosureService(self._sessions, booking)
        # A generous limit: the choice is proved optimal well within it, so every fresh demo re-homes alike.
        closures.add_within(session, draft, closures.plan_within(session, draft, time_limit=REHOMING_LIMIT))

    def _series_booking(self, item: dict[str, Any], index: _Index, where: str) -> NewBooking:
        term: Term = index.get("term", item["term"], where)
        room: Room = index.get("room", f"{item['hub']}/{item['room']}", where)
        organisation: Organisation = index.get("organisation", item["organisation"], where)
        day = _weekday(item["weekday"], where)
        first = term.first_day + timedelta(days=(day - term.first_day.weekday()) % 7)
        frequency = Frequency(item.get("frequency", "weekly"))
        return NewBooking(
            room_id=room.id,
            organisation_id=organisation.id,
            title=item["title"],
            public_title=item.get("public_title") or "",
            visibility=Visibility(item.get("visibility", "public")),
            hide_location=bool(item.get("hide_location", False)),
            attendance=int(item.get("attendance", 1)),
            first_date=first,
            last_date=term.last_day,
            start=_time(item["start"], where),
            duration_min=int(item["duration"]),
            frequency=frequency,
            nth=item.get("nth"),
            term_id=term.id,
            runs_in_breaks=bool(item.get("runs_in_breaks", True)),
            team_ids=tuple(index.get("team", t, where).id for t in item.get("teams", [])),
        )

    def _request(self, item: dict[str, Any], index: _Index, where: str, arrival: datetime) -> Request:
        acceptable = item.get("acceptable_hubs") or []
        preferred = set(item.get("preferred_hubs") or [])
        if not acceptable:
            raise InvalidInput(f"{where}: needs at least one acceptable hub")
        if not preferred <= set(acceptable):
            raise InvalidInput(f"{where}: preferred hubs must also be acceptable")
        request = Request(
            term=index.get("term", item["term"], where),
            organisation=index.get("organisation", item["organisation"], where),
            title=item["title"],
            public_title=item.get("public_title") or "",
            visibility=Visibility(item.get("visibility", "public")),
            hide_location=bool(item.get("hide_location", False)),
            attendance=int(item["attendance"]),
            duration_min=int(item["duration"]),
            frequency=Frequency(item.get("frequency", "weekly")),
            nth=item.get("nth"),
            step_free=bool(item.get("step_free", False)),
            priority=int(item.get("priority", 3)),
            runs_in_breaks=bool(item.get("runs_in_breaks", False)),
            status=RequestStatus.PENDING,
            created_at=arrival,
        )
        request.windows = [
            RequestWindow(
                weekday=_weekday(w["weekday"], where),
                start=_time(w["start"], where),
                end=_time(w["end"], where),
            )
            for w in item.get("windows", [])
        ]
        if not request.windows:
            raise InvalidInput(f"{where}: needs at least one allowed window")
        request.hubs = [
            RequestHub(hub=index.get("hub", name, where), preferred=name in preferred) for name in acceptable
        ]
        request.facilities = [index.get("facility", f, where) for f in item.get("facilities", [])]
        request.teams = [index.get("team", t, where) for t in item.get("teams", [])]
        return request
