"""Re-homing: where each session a closure displaces could go, ranked, and one choice for them all.

Owns: the search for alternatives for each displaced session, in the order a hub manager would try them —
(1) the same time in another suitable room of the same hub, (2) the same time at the nearest other hubs the
organisation accepts (by distance between the hubs' coordinates), (3) another time the same day, then
(4) another day the same week, within the request's windows (a session without a request keeps its time)
and the hubs' opening hours — then cancellation; the plain-words reason when nothing fits, naming the rule
in the way, and the relaxation that would work ("accept Seven Kings Hub for these two weeks"); and one
CP-SAT solve that picks an alternative per session so that no two re-homed sessions collide, everything
else pinned where it is.

The search only narrows the candidates (in memory: the room's calendar and what is booked that week); every
alternative offered has been passed by the booking rules (`BookingRules.problems`), the one gate, inside the
caller's transaction in which the closure itself is already flushed, so the gate sees it.
Must not import: desktop_app, PySide6.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.entities import Hub, Occurrence, Room
from models.types import OccurrenceStatus
from scheduler.booking.rules import BookingRules, ProposedSession, proposed_from
from scheduler.recurrence import SessionCalendar, to_local, to_utc
from scheduler.services.common import room_label

DAY_NAMES = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
STEP = 15  # minutes between the other start times tried
KEEP_PER_TIER = 3  # alternatives kept per tier for each session
CHECKS_PER_TIER = 12  # gate checks at most per tier for each session

# Tiers, in the order they are tried; the cost keeps that order in the solve.
SAME_HUB, OTHER_HUB, SAME_DAY, SAME_WEEK, RELAXED = "same-hub", "other-hub", "same-day", "same-week", "relaxed"
TIER_COST = {SAME_HUB: 0, OTHER_HUB: 1_000, SAME_DAY: 10_000, SAME_WEEK: 20_000}
CANCEL_COST = 1_000_000


@dataclass(frozen=True)
class Alternative:
    """One place and time a displaced session could move to, passed by the booking rules."""

    kind: str  # SAME_HUB, OTHER_HUB, SAME_DAY, SAME_WEEK or RELAXED (a hub the organisation did not accept)
    room_id: int
    room: str  # "Main Hall, Seven Kings Hub"
    hub: str
    day: date
    start: time
    end: time
    distance_km: float
    cost: int
    relaxation: str = ""  # RELAXED only: "accept Seven Kings Hub for these two weeks"

    @property
    def label(self) -> str:
        text = f"{self.room} {self.day:%a %d %b} {self.start:%H:%M}–{self.end:%H:%M}"
        return f"{text} (if you {self.relaxation})" if self.relaxation else text


@dataclass(frozen=True)
class Search:
    """What the search found for one displaced session: alternatives best first, or why there is none."""

    occurrence_id: int
    alternatives: tuple[Alternative, ...]
    relaxed: tuple[Alternative, ...]
    reason: str  # plain words, empty when an alternative exists
    blocking: tuple[str, ...]  # the rules in the way (booking rule names, plus "accepted-hubs")


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


def _time(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def distance_km(a: Hub, b: Hub) -> float:
    """Great-circle distance between two hubs' coordinates; 0 for the same hub, large when unknown."""
    if a.id == b.id:
        return 0.0
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return 999.0
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return round(6371.0 * 2 * math.asin(math.sqrt(h)), 1)


def period_words(first: date, last: date) -> str:
    days = (last - first).days + 1
    if days == 1:
        return f"on {first:%d %b}"
    if days % 7 == 0 or days >= 12:
        weeks = -(-days // 7)
        words = {1: "this week", 2: "these two weeks", 3: "these three weeks", 4: "these four weeks"}
        return f"for {words.get(weeks, f'these {weeks} weeks')}"
    return f"for these {days} days"


class _Need:
    """What one displaced session needs, as the gate will check it."""

    def __init__(self, occurrence: Occurrence):
        series = occurrence.series
        self.occurrence = occurrence
        self.series = series
        self.request = series.request
        start, end = to_local(occurrence.start_utc), to_local(occurrence.end_utc)
        self.day, self.start, self.end = start.date(), _minutes(start.time()), _minutes(end.time())
        self.duration = series.duration_min
        self.attendance = series.attendance
        self.hub = occurrence.room.hub
        if self.request is not None:
            self.facilities = frozenset(f.key for f in self.request.facilities)
            self.step_free = bool(self.request.step_free)
            self.accepted = {h.hub_id for h in self.request.hubs} | {self.hub.id} if self.request.hubs else None
        else:
            # A session booked without a request keeps what its room gave it that matters for the activity.
            self.facilities = frozenset(
                f.key for f in occurrence.room.facilities if f.key in {"hall", "kitchen", "private_room", "it_suite"}
            )
            self.step_free = occurrence.room.step_free
            self.accepted = None  # no stated hubs: any hub will do
        self.team_ids = frozenset(t.id for t in series.teams)

    def windows(self, weekday: int) -> list[tuple[int, int]]:
        if self.request is not None:
            found = [(_minutes(w.start), _minutes(w.end)) for w in self.request.windows if w.weekday == weekday]
            if found:
                return found
            return []
        return [(self.start, self.start + self.duration)]  # a session without a request keeps its time

    def needs_words(self) -> str:
        names = [f.replace("_", " ") for f in sorted(self.facilities)]
        what = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else ""
        step_free = " with step-free access" if self.step_free else ""
        return f"a room{' with ' + what if what else ''}{step_free} for {self.attendance} people"

    def proposed(self, room_id: int, day: date, start: int) -> ProposedSession:
        base = proposed_from(
            self.series,
            self.occurrence,
            room_id=room_id,
            start_utc=to_utc(day, _time(start)),
            end_utc=to_utc(day, _time(start + self.duration)),
        )
        return replace(base, facilities=self.facilities, step_free=self.step_free)


class RehomingSearch:
    """The search over one transaction, with the closure already flushed into it."""

    def __init__(self, session: Session, displaced: Sequence[Occurrence], today: date, first: date, last: date):
        self._session = session
        self._gate = BookingRules(session)
        self._displaced_ids = {o.id for o in displaced}
        self._displaced = list(displaced)
        self._today = today
        self._period = period_words(first, last)
        days = [to_local(o.start_utc).date() for o in displaced] or [first]
        self._first = min(days) - timedelta(days=min(days).weekday())
        self._last = max(days) + timedelta(days=6 - max(days).weekday())
        self._rooms = list(
            session.scalars(select(Room).where(Room.bookable.is_(True)).order_by(Room.capacity, Room.id))
        )
        self._calendars: dict[int, SessionCalendar] = {
            room.id: self._gate.calendar(room, self._first, self._last) for room in self._rooms
        }
        self._room_busy: defaultdict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
        self._team_busy: defaultdict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
        live = session.scalars(
            select(Occurrence).where(
                Occurrence.status != OccurrenceStatus.CANCELLED,
                Occurrence.start_utc < to_utc(self._last + timedelta(days=1), time(0)),
                Occurrence.end_utc > to_utc(self._first, time(0)),
            )
        )
        for other in live:
            if other.id in self._displaced_ids:
                continue
            self._room_busy[other.room_id].append((other.start_utc, other.end_utc))
            for team in other.series.teams:
                self._team_busy[team.id].append((other.start_utc, other.end_utc))
        self.gate_checks = 0

    # -- the search ----------------------------------------------------------------------------------

    def search(self) -> list[Search]:
        return [self._search(_Need(o)) for o in self._displaced]

    def _suits(self, need: _Need, room: Room) -> bool:
        return (
            room.capacity >= need.attendance
            and need.facilities <= {f.key for f in room.facilities}
            and (room.step_free or not need.step_free)
        )

    def _free(self, need: _Need, room: Room, day: date, start: int) -> bool:
        """The cheap look before the gate: open, not closed, room and people free (all in memory)."""
        end = start + need.duration
        if end >= 24 * 60 or day < self._today:
            return False
        if self._calendars[room.id].blocked(day, _time(start), _time(end), skip_breaks=False):
            return False
        begin, finish = to_utc(day, _time(start)), to_utc(day, _time(end))
        if any(b < finish and begin < e for b, e in self._room_busy[room.id]):
            return False
        return not any(b < finish and begin < e for t in need.team_ids for b, e in self._team_busy[t])

    def _passes(self, need: _Need, room: Room, day: date, start: int) -> bool:
        self.gate_checks += 1
        return not self._gate.problems([need.proposed(room.id, day, start)], ignore=self._displaced_ids)

    def _collect(self, need: _Need, kind: str, candidates, relaxation: Callable[[Room], str] | None = None):
        found: list[Alternative] = []
        checks = 0
        for room, day, start, cost in candidates:
            if len(found) >= KEEP_PER_TIER or checks >= CHECKS_PER_TIER:
                break
            if not self._free(need, room, day, start):
                continue
            checks += 1
            if self._passes(need, room, day, start):
                found.append(
                    Alternative(
                        kind=kind,
                        room_id=room.id,
                        room=room_label(room),
                        hub=room.hub.name,
                        day=day,
                        start=_time(start),
                        end=_time(start + need.duration),
                        distance_km=distance_km(need.hub, room.hub),
                        cost=TIER_COST.get(kind, 0) + cost,
                        relaxation=relaxation(room) if relaxation else "",
                    )
                )
        return found

    def _accepted(self, need: _Need, room: Room) -> bool:
        return need.accepted is None or room.hub_id in need.accepted

    def _by_distance(self, need: _Need, rooms: list[Room]) -> list[Room]:
        return sorted(
            rooms, key=lambda r: (distance_km(need.hub, r.hub), r.capacity - need.attendance, r.hub.name, r.name)
        )

    def _search(self, need: _Need) -> Search:
        suitable = [r for r in self._rooms if self._suits(need, r)]
        own = [r for r in suitable if r.hub_id == need.hub.id and r.id != need.occurrence.room_id]
        others = self._by_distance(need, [r for r in suitable if r.hub_id != need.hub.id and self._accepted(need, r)])
        accepted = self._by_distance(need, [r for r in suitable if self._accepted(need, r)])
        alternatives: list[Alternative] = []
        alternatives += self._collect(
            need, SAME_HUB, ((r, need.day, need.start, r.capacity - need.attendance) for r in own)
        )
        alternatives += self._collect(
            need,
            OTHER_HUB,
            ((r, need.day, need.start, int(distance_km(need.hub, r.hub) * 10)) for r in others),
        )
        alternatives += self._collect(need, SAME_DAY, self._other_times(need, accepted, [need.day]))
        week = [need.day - timedelta(days=need.day.weekday()) + timedelta(days=n) for n in range(7)]
        other_days = sorted((d for d in week if d != need.day), key=lambda d: (abs((d - need.day).days), d))
        alternatives += self._collect(need, SAME_WEEK, self._other_times(need, accepted, other_days))
        alternatives.sort(key=lambda a: a.cost)
        if alternatives:
            return Search(need.occurrence.id, tuple(alternatives), (), "", ())
        refused = self._by_distance(need, [r for r in suitable if not self._accepted(need, r)])
        relaxed = self._collect(
            need,
            RELAXED,
            ((r, need.day, need.start, 0) for r in refused),
            relaxation=lambda room: f"accept {room.hub.name} {self._period}",
        )
        reason, blocking = self._why(need, suitable, relaxed)
        return Search(need.occurrence.id, (), tuple(relaxed), reason, blocking)

    def _other_times(self, need: _Need, rooms: list[Room], days: list[date]):
        """(room, day, start, cost) for other start times on `days` in the session's windows."""
        for day in days:
            day_cost = abs((day - need.day).days) * 1_000
            starts: list[int] = []
            for low, high in need.windows(day.weekday()):
                starts += [s for s in range(low, high - need.duration + 1, STEP) if day != need.day or s != need.start]
            starts.sort(key=lambda s: (abs(s - need.start), s))
            for start in starts:
                for room in rooms:
                    if room.id == need.occurrence.room_id and day == need.day:
                        continue
                    yield room, day, start, day_cost + abs(start - need.start) + int(distance_km(need.hub, room.hub))

    # -- why not ---------------------------------------------------------------------------------------

    def _why(self, need: _Need, suitable: list[Room], relaxed: list[Alternative]) -> tuple[str, tuple[str, ...]]:
        start, end = _time(need.start), _time(need.start + need.duration)
        sentences = [
            f"{need.series.title} needs {need.needs_words()} on {DAY_NAMES[need.day.weekday()]} "
            f"{start:%H:%M}–{end:%H:%M}."
        ]
        rules: list[str] = []
        start_t, end_t = _time(need.start), _time(need.start + need.duration)
        nearest = self._by_distance(
            need,
            [r for r in suitable if not self._calendars[r.id].blocked(need.day, start_t, end_t, skip_breaks=False)],
        )
        if not nearest:
            # No open room suits it: let the gate say what is wrong with the nearest that suits it (closed),
            # or, when none suits it anywhere, with the largest room.
            rooms = self._by_distance(need, suitable) or sorted(self._rooms, key=lambda r: -r.capacity)
            if rooms:
                problems = self._gate.problems(
                    [need.proposed(rooms[0].id, need.day, need.start)], ignore=self._displaced_ids
                )
                self.gate_checks += 1
                lead = "Every room that suits it is closed then" if suitable else "No room in the borough suits it"
                sentences.append(f"{lead}: " + "; ".join(p.message for p in problems) + ".")
                rules += [p.rule for p in problems]
        else:
            room = nearest[0]
            problems = self._gate.problems([need.proposed(room.id, need.day, need.start)], ignore=self._displaced_ids)
            self.gate_checks += 1
            names = []
            if need.accepted is not None:
                names = sorted(h.name for h in self._session.scalars(select(Hub).where(Hub.id.in_(need.accepted))))
            if problems:
                sentences.append(
                    f"The nearest room that suits it, {room_label(room)}, is not free then: "
                    + "; ".join(p.message for p in problems)
                    + "."
                )
                rules += [p.rule for p in problems]
            elif names:
                sentences.append(f"The nearest room that suits it, {room_label(room)}, is free then, but")
            if names:
                accepts = f"{need.series.organisation.name} accepts only {_and(names)}."
                if sentences[-1].endswith(", but"):
                    sentences[-1] += " " + accepts
                else:
                    sentences.append(accepts)
                if relaxed or not problems:
                    rules.append("accepted-hubs")
        windows = need.windows(need.day.weekday())
        if windows and (need.request is not None):
            sentences.append("No other time in its windows that day or week is free in a hub it accepts.")
        if relaxed:
            sentences.append(f"It would fit if you {relaxed[0].relaxation}.")
        return " ".join(sentences), tuple(dict.fromkeys(rules))


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# -- the one solve ---------------------------------------------------------------------------------------


def _collide(a: tuple[Alternative, frozenset[int], int], b: tuple[Alternative, frozenset[int], int]) -> bool:
    (x, x_teams, x_len), (y, y_teams, y_len) = a, b
    if x.day != y.day:
        return False
    xs, ys = _minutes(x.start), _minutes(y.start)
    if not (xs < ys + y_len and ys < xs + x_len):
        return False
    return x.room_id == y.room_id or bool(x_teams & y_teams)


def choose(
    searches: Sequence[Search], teams: dict[int, frozenset[int]], *, time_limit: float = 2.0
) -> dict[int, int | None]:
    """One CP-SAT solve: an alternative (index) per displaced session, or None to cancel it.

    No two chosen alternatives share a room or a shared person at the same time; the sum of the
    alternatives' costs (a cancellation costs more than any move) is minimal.
    """
    from ortools.sat.python import cp_model  # loaded only when a plan is made

    model = cp_model.CpModel()
    chosen: dict[tuple[int, int], cp_model.IntVar] = {}
    cancel: dict[int, cp_model.IntVar] = {}
    objective = []
    for s in searches:
        cancel[s.occurrence_id] = model.new_bool_var(f"cancel-{s.occurrence_id}")
        options = [cancel[s.occurrence_id]]
        for i, alt in enumerate(s.alternatives):
            var = model.new_bool_var(f"o{s.occurrence_id}-{i}")
            chosen[(s.occurrence_id, i)] = var
            options.append(var)
            objective.append(alt.cost * var)
        model.add_exactly_one(options)
        objective.append(CANCEL_COST * cancel[s.occurrence_id])
    items = [
        (
            key,
            (
                searches_by_id[key[0]].alternatives[key[1]],
                teams.get(key[0], frozenset()),
                _minutes(searches_by_id[key[0]].alternatives[key[1]].end)
                - _minutes(searches_by_id[key[0]].alternatives[key[1]].start),
            ),
        )
        for searches_by_id in [{s.occurrence_id: s for s in searches}]
        for key in chosen
    ]
    for n, (key_a, a) in enumerate(items):
        for key_b, b in items[n + 1 :]:
            if key_a[0] != key_b[0] and _collide(a, b):
                model.add_at_most_one([chosen[key_a], chosen[key_b]])
    model.minimize(sum(objective))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    result: dict[int, int | None] = {}
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return {s.occurrence_id: None for s in searches}
    for s in searches:
        result[s.occurrence_id] = next(
            (i for i in range(len(s.alternatives)) if solver.boolean_value(chosen[(s.occurrence_id, i)])), None
        )
    return result
