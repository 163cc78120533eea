"""The learning figures: each a pure function of the facts, each with its definition in its docstring
(the report's method notes quote the same definitions from `METHOD`).

Must not import: models, sqlalchemy, scheduler.services, desktop_app, PySide6.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from scheduler.reporting.facts import (
    LATE_CANCEL,
    NO_SHOW,
    SECTORS,
    TOOK_PLACE,
    LearningData,
    SessionFact,
    TermFacts,
)

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HOURS = tuple(range(7, 22))  # heatmap columns: 07:00 .. 21:00-22:00

# Thresholds, quoted in the method notes.
FALLING_MIN_SESSIONS = 4  # recorded sessions held before a trend is judged
FALLING_RATIO = 0.75  # second-half mean at most 75% of the first-half mean ...
FALLING_MIN_DROP = 2  # ... and at least 2 people fewer
UNDERUSE_RATIO = 0.4  # median attendance under 40% of the room's capacity ...
UNDERUSE_MIN_SEATS = 6  # ... and at least 6 seats empty at the median (a booth for 2 with 1 is fine)
RIGHTSIZE_MIN_SESSIONS = 3
LOW_SHARE = 0.5  # a held session with under half its expected size counts as low ...
LOW_WEEKS = 3  # ... and a series with at least 3 such sessions is flagged for review
NOT_HELD_WEEKS = 3  # a series with at least 3 late cancellations or no-shows is flagged too


def overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    return max(0, min(a_end, b_end) - max(a_start, b_start))


# -- summary ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    term: str
    sessions: int
    hours: float
    open_hours: float
    recorded: int
    held: int
    late_cancel: int
    no_show: int
    attendance: int
    unmet_requests: int
    not_named: int  # private or generic sessions: counted, never named
    illustrative: int  # records invented for the demo borough

    @property
    def utilisation(self) -> float | None:
        return self.hours / self.open_hours if self.open_hours else None

    @property
    def recorded_share(self) -> float | None:
        return self.recorded / self.sessions if self.sessions else None

    @property
    def mean_attendance(self) -> float | None:
        return self.attendance / self.held if self.held else None


def open_hours(term: TermFacts) -> float:
    """Every bookable room's opening hours on every open day of the term (bank holidays left out)."""
    by_weekday = Counter(day.weekday() for day in term.open_days)
    total = 0.0
    for hub in term.hubs:
        for weekday, opens, closes in hub.opening:
            total += by_weekday[weekday] * hub.bookable_rooms * (closes - opens) / 60
    return total


def summary(term: TermFacts) -> Summary:
    held = [s for s in term.sessions if s.held]
    return Summary(
        term=term.name,
        sessions=len(term.sessions),
        hours=sum(s.hours for s in term.sessions),
        open_hours=open_hours(term),
        recorded=sum(s.outcome is not None for s in term.sessions),
        held=len(held),
        late_cancel=sum(s.outcome == LATE_CANCEL for s in term.sessions),
        no_show=sum(s.outcome == NO_SHOW for s in term.sessions),
        attendance=sum(s.headcount or 0 for s in held),
        unmet_requests=sum(r.status == "unmet" for r in term.requests),
        not_named=sum(s.visibility != "public" for s in term.sessions),
        illustrative=sum(s.illustrative for s in term.sessions),
    )


# -- utilisation heatmap ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeatCell:
    hour: int
    open_hours: float
    booked_hours: float
    attendance: int  # people at held sessions starting in this hour
    held: int  # held sessions starting in this hour

    @property
    def utilisation(self) -> float | None:
        return self.booked_hours / self.open_hours if self.open_hours else None


@dataclass(frozen=True)
class HeatRow:
    hub: str
    weekday: int
    cells: tuple[HeatCell, ...]

    @property
    def label(self) -> str:
        return f"{self.hub} {WEEKDAY_NAMES[self.weekday]}"


def heatmap(term: TermFacts, hours: Iterable[int] = HOURS) -> tuple[HeatRow, ...]:
    """Booked hours over open hours for each hub, weekday and clock hour of the term.

    open = (open days on that weekday) x (bookable rooms) x (minutes of the hour the hub is open) / 60;
    booked = the minutes of each live session falling in that hour on that weekday, / 60. Attendance is the
    headcount of held sessions that start in the hour. A hub's weekday appears when the hub opens that day.
    """
    hours = tuple(hours)
    by_weekday = Counter(day.weekday() for day in term.open_days)
    booked: defaultdict[tuple[str, int, int], float] = defaultdict(float)
    people: defaultdict[tuple[str, int, int], int] = defaultdict(int)
    held: defaultdict[tuple[str, int, int], int] = defaultdict(int)
    for s in term.sessions:
        weekday = s.day.weekday()
        for hour in hours:
            minutes = overlap(s.start, s.end, hour * 60, hour * 60 + 60)
            if minutes:
                booked[(s.hub, weekday, hour)] += minutes / 60
        if s.held:
            key = (s.hub, weekday, s.start // 60)
            people[key] += s.headcount or 0
            held[key] += 1
    rows = []
    for hub in term.hubs:
        for weekday in sorted({w for w, _, _ in hub.opening}):
            cells = []
            for hour in hours:
                minutes = sum(
                    overlap(opens, closes, hour * 60, hour * 60 + 60)
                    for w, opens, closes in hub.opening
                    if w == weekday
                )
                cells.append(
                    HeatCell(
                        hour,
                        by_weekday[weekday] * hub.bookable_rooms * minutes / 60,
                        booked[(hub.name, weekday, hour)],
                        people[(hub.name, weekday, hour)],
                        held[(hub.name, weekday, hour)],
                    )
                )
            rows.append(HeatRow(hub.name, weekday, tuple(cells)))
    return tuple(rows)


def heatmap_text(rows: Iterable[HeatRow], limit: int = 3) -> list[str]:
    """The heatmap in words: the busiest and the emptiest open hours (the chart's text alternative)."""
    cells = [(row, cell) for row in rows for cell in row.cells if cell.open_hours > 0]
    if not cells:
        return ["No opening hours in this selection."]
    ranked = sorted(cells, key=lambda rc: (-(rc[1].utilisation or 0), rc[0].hub, rc[0].weekday, rc[1].hour))

    def where(row: HeatRow, cell: HeatCell) -> str:
        return f"{row.label} {cell.hour:02d}:00–{cell.hour + 1:02d}:00 {cell.utilisation or 0:.0%} booked"

    busiest = [where(r, c) for r, c in ranked[:limit] if (c.utilisation or 0) > 0]
    emptiest = [
        where(r, c)
        for r, c in sorted(cells, key=lambda rc: (rc[1].utilisation or 0, rc[0].hub, rc[0].weekday, rc[1].hour))[:limit]
    ]
    lines = []
    if busiest:
        lines.append("Busiest: " + "; ".join(busiest) + ".")
    lines.append("Emptiest while open: " + "; ".join(emptiest) + ".")
    empty = sum(1 for _, c in cells if not c.booked_hours)
    lines.append(f"{empty} of {len(cells)} open hub-hours had no booking all term.")
    return lines


# -- who uses the hubs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UsageRow:
    name: str
    sector: str
    sessions: int
    hours: float
    recorded: int
    held: int
    attendance: int

    @property
    def mean_attendance(self) -> float | None:
        return self.attendance / self.held if self.held else None


def usage(term: TermFacts, by: str) -> tuple[UsageRow, ...]:
    """Sessions, hours and attendance per sector (`by="sector"`) or per organisation (`by="organisation"`),
    largest first. Attendance counts held sessions only."""
    groups: dict[str, list[SessionFact]] = defaultdict(list)
    for s in term.sessions:
        groups[s.sector if by == "sector" else s.organisation].append(s)
    names = SECTORS if by == "sector" else sorted(groups)
    rows = [
        UsageRow(
            name,
            name if by == "sector" else groups[name][0].sector,
            len(groups[name]),
            sum(s.hours for s in groups[name]),
            sum(s.outcome is not None for s in groups[name]),
            sum(s.held for s in groups[name]),
            sum(s.headcount or 0 for s in groups[name] if s.held),
        )
        for name in names
    ]
    if by != "sector":
        rows.sort(key=lambda r: (-r.hours, r.name))
    return tuple(rows)


@dataclass(frozen=True)
class TrendRow:
    term: str
    sector: str
    hours: float  # booked hours of the sector's sessions
    share: float  # of all booked hours
    target: float
    requested_hours: float | None  # requests decided by an allocation (placed + unmet); None if none were
    met_hours: float | None

    @property
    def met_rate(self) -> float | None:
        if not self.requested_hours:
            return None
        return (self.met_hours or 0) / self.requested_hours


def sector_trend(data: LearningData) -> tuple[TrendRow, ...]:
    """Per term (oldest first) and sector: the share of booked hours against the sector's target share,
    and the share of its allocated request hours that were met (placed / (placed + unmet))."""
    rows = []
    for term in (*data.previous, data.term):
        total = sum(s.hours for s in term.sessions)
        for sector in SECTORS:
            hours = sum(s.hours for s in term.sessions if s.sector == sector)
            decided = [r for r in term.requests if r.sector == sector and r.status in ("placed", "unmet")]
            requested = sum(r.hours for r in decided) if decided else None
            met = sum(r.hours for r in decided if r.status == "placed") if decided else None
            rows.append(
                TrendRow(
                    term.name,
                    sector,
                    hours,
                    hours / total if total else 0.0,
                    data.targets.get(sector, 0.0),
                    requested,
                    met,
                )
            )
    return tuple(rows)


# -- who is missing ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnmetRow:
    group: str
    requests: int
    hours: float


def unmet_by(term: TermFacts, by: str) -> tuple[UnmetRow, ...]:
    """Unmet requests and their hours grouped by `reason`, `sector` or `area`, most hours first."""
    groups: dict[str, list] = defaultdict(list)
    for r in term.requests:
        if r.status == "unmet":
            groups[getattr(r, by) or "(none)"].append(r)
    rows = [UnmetRow(k, len(v), sum(r.hours for r in v)) for k, v in groups.items()]
    return tuple(sorted(rows, key=lambda r: (-r.hours, r.group)))


@dataclass(frozen=True)
class StoppedRow:
    organisation: str
    sector: str
    last_term: str
    sessions: int  # in that term
    attendance: int


def stopped_coming(data: LearningData) -> tuple[StoppedRow, ...]:
    """Organisations with sessions last term that have neither a session nor a live request this term."""
    last = data.last_term
    if last is None:
        return ()
    here = {s.organisation for s in data.term.sessions} | {r.organisation for r in data.term.requests}
    groups: dict[str, list[SessionFact]] = defaultdict(list)
    for s in last.sessions:
        if s.organisation not in here:
            groups[s.organisation].append(s)
    return tuple(
        StoppedRow(name, v[0].sector, last.name, len(v), sum(s.headcount or 0 for s in v if s.held))
        for name, v in sorted(groups.items())
    )


@dataclass(frozen=True)
class SeriesTrend:
    series_id: int
    title: str
    visibility: str
    organisation: str
    hub: str
    sessions: int  # held, recorded
    first_mean: float
    last_mean: float

    @property
    def change(self) -> float:
        return (self.last_mean - self.first_mean) / self.first_mean if self.first_mean else 0.0


def _by_series(sessions: Iterable[SessionFact]) -> dict[int, list[SessionFact]]:
    groups: dict[int, list[SessionFact]] = defaultdict(list)
    for s in sorted(sessions, key=lambda s: (s.day, s.start, s.occurrence_id)):
        groups[s.series_id].append(s)
    return groups


def falling_attendance(term: TermFacts) -> tuple[SeriesTrend, ...]:
    """Series whose held sessions' attendance fell: with at least FALLING_MIN_SESSIONS held, the mean of the
    later half is at most FALLING_RATIO of the earlier half's and at least FALLING_MIN_DROP people fewer
    (an odd middle session is left out of both halves). Steepest fall first."""
    rows = []
    for series_id, sessions in _by_series(term.sessions).items():
        held = [s.headcount or 0 for s in sessions if s.held]
        if len(held) < FALLING_MIN_SESSIONS:
            continue
        half = len(held) // 2
        first, last = statistics.fmean(held[:half]), statistics.fmean(held[-half:])
        if last <= FALLING_RATIO * first and first - last >= FALLING_MIN_DROP:
            s = sessions[0]
            rows.append(SeriesTrend(series_id, s.title, s.visibility, s.organisation, s.hub, len(held), first, last))
    return tuple(sorted(rows, key=lambda r: (r.change, r.title)))


# -- right-sizing -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RightSizeRow:
    series_id: int
    title: str
    visibility: str
    organisation: str
    hub: str
    room: str
    capacity: int
    held: int
    median: float
    peak: int
    verdict: str  # "room too big" or "room too small"
    better_room: str | None  # the smallest room at the same hub that holds the peak; None if there is none
    better_capacity: int | None


def right_sizing(term: TermFacts) -> tuple[RightSizeRow, ...]:
    """Series (at least RIGHTSIZE_MIN_SESSIONS held) whose median attendance is under UNDERUSE_RATIO of the
    room's capacity with at least UNDERUSE_MIN_SEATS seats empty, or whose median is above the capacity;
    with the smallest room at the same hub that holds the largest turnout (smaller than the current room
    when it is too big, larger when too small). Availability of that room is not checked. Largest mismatch
    first."""
    rooms_by_hub: dict[str, list] = defaultdict(list)
    for room in term.rooms:
        rooms_by_hub[room.hub].append(room)
    rows = []
    for series_id, sessions in _by_series(term.sessions).items():
        held = [s.headcount or 0 for s in sessions if s.held]
        if len(held) < RIGHTSIZE_MIN_SESSIONS:
            continue
        s = sessions[-1]  # the room it is in now (sessions may have been moved)
        median, peak = statistics.median(held), max(held)
        if median < UNDERUSE_RATIO * s.capacity and s.capacity - median >= UNDERUSE_MIN_SEATS:
            verdict = "room too big"
            fits = [r for r in rooms_by_hub[s.hub] if peak <= r.capacity < s.capacity]
        elif median > s.capacity:
            verdict = "room too small"
            fits = [r for r in rooms_by_hub[s.hub] if r.capacity >= peak and r.capacity > s.capacity]
        else:
            continue
        better = min(fits, key=lambda r: (r.capacity, r.name), default=None)
        rows.append(
            RightSizeRow(
                series_id,
                s.title,
                s.visibility,
                s.organisation,
                s.hub,
                s.room,
                s.capacity,
                len(held),
                median,
                peak,
                verdict,
                better.name if better else None,
                better.capacity if better else None,
            )
        )
    return tuple(sorted(rows, key=lambda r: (-abs(r.capacity - r.median), r.title)))


# -- feeding back into planning --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewFlag:
    series_id: int
    title: str
    visibility: str
    organisation: str
    hub: str
    reason: str


def review_flags(term: TermFacts) -> tuple[ReviewFlag, ...]:
    """Series to review before the next term (nothing is dropped automatically): no recorded session took
    place (at least two recorded); or at least NOT_HELD_WEEKS late cancellations / no-shows; or at least
    LOW_WEEKS held sessions with under LOW_SHARE of the size the series was booked for."""
    flags = []
    for series_id, sessions in _by_series(term.sessions).items():
        recorded = [s for s in sessions if s.outcome is not None]
        not_held = [s for s in recorded if s.outcome in (LATE_CANCEL, NO_SHOW)]
        low = [s for s in recorded if s.held and (s.headcount or 0) < LOW_SHARE * s.expected]
        s = sessions[0]
        if len(recorded) >= 2 and not any(r.outcome == TOOK_PLACE for r in recorded):
            reason = f"did not take place ({len(recorded)} recorded, none held)"
        elif len(not_held) >= NOT_HELD_WEEKS:
            reason = f"{len(not_held)} late cancellations or no-shows"
        elif len(low) >= LOW_WEEKS:
            reason = f"under half the expected {s.expected} people at {len(low)} sessions"
        else:
            continue
        flags.append(ReviewFlag(series_id, s.title, s.visibility, s.organisation, s.hub, reason))
    return tuple(sorted(flags, key=lambda f: (f.hub, f.title)))


@dataclass(frozen=True)
class SizeSuggestion:
    median: int
    sessions: int
    term: str

    @property
    def source(self) -> str:
        return f"median attendance of {self.sessions} held session(s) in {self.term}"


def suggested_sizes(term: TermFacts) -> dict[tuple[str, str], SizeSuggestion]:
    """Per (organisation, lower-cased title): the median headcount of the held sessions of that series in
    `term` (rounded half up, at least 1) — the size a continuing request is suggested."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for s in term.sessions:
        if s.held:
            groups[(s.organisation, s.title.strip().lower())].append(s.headcount or 0)
    return {
        key: SizeSuggestion(max(1, int(statistics.median(values) + 0.5)), len(values), term.name)
        for key, values in groups.items()
    }
