"""An independent checker of every hard rule, for tests and for checking placements from elsewhere.

This module owns a second, deliberately separate reading of the rules (bookings made outside the
allocation, ``Room.busy`` and ``Problem.team_busy``, included): it imports only the input and
output dataclasses, never the candidate filter, the date arithmetic or the model, and it works date by
date (walking every day of the term, comparing real clock minutes) where the model works with weeks,
bit masks and grid cells. If the two disagree, a test fails.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from .problem import Frequency, Problem, Request, Room
from .result import Placement


def _sessions(problem: Problem, request: Request, room: Room, placement: Placement) -> tuple[list[date], list[date]]:
    """(dates that happen, dates lost to the room's closures), walking the term day by day."""
    term = problem.term
    origin = term.first_day.toordinal() - term.first_day.weekday()  # Monday of week A's first week
    happen: list[date] = []
    lost: list[date] = []
    day = term.first_day
    while day <= term.last_day:
        keep = day.weekday() == placement.weekday
        if keep and not request.runs_in_breaks:
            keep = not any(low <= day <= high for low, high in term.breaks)
        if keep and request.frequency is Frequency.FORTNIGHTLY:
            keep = ((day.toordinal() - origin) // 7) % 2 == placement.week_parity
        if keep and request.frequency is Frequency.MONTHLY:
            days_in_month = calendar.monthrange(day.year, day.month)[1]
            if request.nth == -1:
                keep = day.day > days_in_month - 7
            else:
                keep = (request.nth - 1) * 7 < day.day <= request.nth * 7
        if keep:
            closed = day in room.closed_dates or not room.open_on(day, placement.start, placement.end)
            (lost if closed else happen).append(day)
        day += timedelta(days=1)
    return happen, lost


def check(problem: Problem, placements: Iterable[Placement]) -> list[str]:
    """Every hard-rule violation in ``placements`` as a sentence; an empty list means valid."""
    placements = list(placements)
    problems: list[str] = []
    requests = {r.id: r for r in problem.requests}
    rooms = {r.id: r for r in problem.rooms}
    seen: set[object] = set()
    room_day: dict[tuple[object, date], list[tuple[int, int, object]]] = defaultdict(list)
    person_day: dict[tuple[str, date], list[tuple[int, int, object]]] = defaultdict(list)

    for p in placements:
        request = requests.get(p.request_id)
        room = rooms.get(p.room_id)
        if request is None or room is None:
            problems.append(f"{p.request_id}: unknown request or room {p.room_id}")
            continue
        if p.request_id in seen:
            problems.append(f"{p.request_id}: placed more than once")
        seen.add(p.request_id)
        if request.acceptable_hubs and room.hub not in request.acceptable_hubs:
            problems.append(f"{p.request_id}: hub {room.hub} not acceptable")
        if room.capacity < request.size:
            problems.append(f"{p.request_id}: room {room.id} holds {room.capacity} < {request.size}")
        if not request.facilities <= room.facilities:
            problems.append(f"{p.request_id}: room {room.id} lacks {set(request.facilities - room.facilities)}")
        if request.step_free and not room.step_free:
            problems.append(f"{p.request_id}: room {room.id} is not step-free")
        if p.end - p.start != request.duration:
            problems.append(f"{p.request_id}: lasts {p.end - p.start} minutes, not {request.duration}")
        if not any(w.weekday == p.weekday and w.start <= p.start and p.end <= w.end for w in request.windows):
            problems.append(f"{p.request_id}: outside its allowed windows")
        if not any(w.weekday == p.weekday and w.start <= p.start and p.end <= w.end for w in room.opening):
            problems.append(f"{p.request_id}: outside room {room.id}'s opening hours")
        if request.frequency is Frequency.FORTNIGHTLY:
            if p.week_parity not in (0, 1):
                problems.append(f"{p.request_id}: fortnightly without week A/B")
        elif p.week_parity is not None:
            problems.append(f"{p.request_id}: week parity on a {request.frequency} request")
        happen, lost = _sessions(problem, request, room, p)
        if not happen:
            problems.append(f"{p.request_id}: never meets")
        if tuple(happen) != tuple(p.dates) or tuple(lost) != tuple(p.lost_dates):
            problems.append(f"{p.request_id}: dates do not match the term, frequency and closures")
        for day in happen:
            for busy in room.busy:
                if busy.day == day and p.start < busy.end and busy.start < p.end:
                    problems.append(f"{p.request_id}: room {room.id} is already booked on {day} ({busy.label})")
            for person in request.shared:
                for busy in problem.team_busy.get(person, ()):
                    if busy.day == day and p.start < busy.end and busy.start < p.end:
                        problems.append(f"{p.request_id}: shared '{person}' is already booked on {day} ({busy.label})")
            room_day[(room.id, day)].append((p.start, p.end, p.request_id))
            for person in request.shared:
                person_day[(person, day)].append((p.start, p.end, p.request_id))

    for pin in problem.existing:
        if not pin.pinned:
            continue
        match = [p for p in placements if p.request_id == pin.request_id]
        if not match or (match[0].room_id, match[0].weekday, match[0].start, match[0].week_parity) != (
            pin.room_id,
            pin.weekday,
            pin.start,
            pin.week_parity,
        ):
            problems.append(f"{pin.request_id}: pinned placement not kept exactly")

    for label, table in (("room", room_day), ("shared", person_day)):
        for (key, day), sessions in table.items():
            sessions.sort(key=lambda s: (s[0], s[1], str(s[2])))
            for i, (_start, end, who) in enumerate(sessions):
                for other_start, _other_end, other in sessions[i + 1 :]:
                    if other_start >= end:
                        break
                    if other != who:
                        problems.append(f"{label} {key} double booked on {day}: {who} and {other}")
    return problems
