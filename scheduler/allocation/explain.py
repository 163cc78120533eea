"""Explanations for unmet requests, computed from the problem and the solution, never guessed.

This module owns two of the three kinds of explanation (the third, "what would it take", re-solves and
lives in ``whatif``):

* static — no room can take the request at all; each room is named with the first requirement it fails
  (hub not acceptable, too small, missing facilities, not step-free, not open inside the allowed windows,
  closed or in a break on every date, taken by bookings made outside the allocation — named by label);
* moves — a request moved from last term's place says who has that place now (and at what priority), or
  why the place is no longer possible;
* blockers — the request has feasible room-times but every one of them is occupied by a placed request
  in that room, or its shared person/team is busy elsewhere then; the blocking requests are listed with
  how many of its room-times each one takes, and outside bookings that took its other room-times are
  named too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from .candidates import Candidates
from .occupancy import Occupancy
from .problem import Id, Problem, Request
from .result import Blocker, Change, Placement, Requirement, RoomRejection, UnmetKind, UnmetRequest, format_time


def static_message(problem: Problem, request: Request, rejections: Iterable[RoomRejection]) -> str:
    """One sentence naming every requirement that rules rooms out, and the rooms it rules out."""
    by_requirement: dict[Requirement, list[RoomRejection]] = defaultdict(list)
    for rejection in rejections:
        by_requirement[rejection.requirement].append(rejection)
    parts: list[str] = []
    if not problem.rooms:
        return f"{request.label} cannot be placed: there are no rooms."
    in_hubs = [room for room in problem.rooms if not request.acceptable_hubs or room.hub in request.acceptable_hubs]
    if not in_hubs:
        hubs = ", ".join(sorted(request.acceptable_hubs))
        return f"{request.label} cannot be placed: no room is in its acceptable hubs ({hubs})."
    titles = {
        Requirement.CAPACITY: "too small",
        Requirement.FACILITIES: "missing facilities",
        Requirement.STEP_FREE: "not step-free",
        Requirement.OPENING_HOURS: "not open in its allowed windows",
        Requirement.CLOSED: "closed on every date it would meet",
        Requirement.BUSY: "already booked",
    }
    for requirement, title in titles.items():
        rejected = by_requirement.get(requirement)
        if rejected:
            rooms = ", ".join(f"{problem.room(r.room_id).label}: {r.detail}" for r in rejected)
            parts.append(f"{title} — {rooms}")
    hub_count = len(by_requirement.get(Requirement.HUB, ()))
    if hub_count:
        parts.append(f"{hub_count} other room(s) are in hubs it does not accept")
    return f"{request.label} cannot be placed in any room: " + "; ".join(parts) + "."


def explain_unmet(problem: Problem, candidates: Candidates, chosen: Iterable[int]) -> tuple[UnmetRequest, ...]:
    """An explanation for every request without a chosen candidate, in the problem's request order."""
    items = candidates.items
    occupancy = Occupancy()
    placed: set[Id] = set()
    for index in chosen:
        candidate = items[index]
        occupancy.add(candidate, problem.request(candidate.request_id))
        placed.add(candidate.request_id)
    explanations: list[UnmetRequest] = []
    for request in problem.requests:
        if request.id in placed:
            continue
        mine = candidates.by_request.get(request.id, ())
        rejections = candidates.rejections.get(request.id, ())
        if not mine:
            explanations.append(
                UnmetRequest(request.id, UnmetKind.NO_ROOM, static_message(problem, request, rejections), rejections)
            )
            continue
        counts, free = occupancy.blocking((items[i] for i in mine), request)
        blockers = tuple(
            Blocker(request_id, via, slots)
            for (request_id, via), slots in sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
        )
        if free is not None:
            message = (
                f"{request.label} was not placed although {problem.room(free.room_id).label} is free at "
                f"{format_time(free.weekday, free.start, free.week_parity)}: the run stopped before using it."
            )
            kind = UnmetKind.NOT_PLACED
        else:
            message = _blocked_message(
                problem,
                request,
                len(mine),
                blockers,
                {items[i].room_id for i in mine},
                candidates.busy.get(request.id, ()),
            )
            kind = UnmetKind.BLOCKED
        explanations.append(UnmetRequest(request.id, kind, message, rejections, blockers, len(mine)))
    return tuple(explanations)


def _blocked_message(
    problem: Problem,
    request: Request,
    slots: int,
    blockers: tuple[Blocker, ...],
    rooms: set[Id],
    busy: tuple[str, ...] = (),
) -> str:
    room_names = ", ".join(sorted(problem.room(r).label for r in rooms))
    in_room = [b for b in blockers if b.via == "room"]
    shared = [b for b in blockers if b.via != "room"]
    text = f"{request.label}: all {slots} room-times it fits ({room_names}) are taken"
    if in_room:
        text += " — by " + ", ".join(f"{problem.request(b.request_id).label} ({b.slots})" for b in in_room[:8])
        if len(in_room) > 8:
            text += f" and {len(in_room) - 8} more"
    if shared:
        text += "; shared " + ", ".join(
            f"'{b.via}' busy with {problem.request(b.request_id).label} ({b.slots})" for b in shared[:8]
        )
    if busy:
        text += "; its other room-times are taken by other bookings: " + ", ".join(busy[:8])
        if len(busy) > 8:
            text += f" and {len(busy) - 8} more"
    return text + "."


MOVED = (Change.ROOM, Change.HUB, Change.TIME)


def explain_moves(problem: Problem, candidates: Candidates, placements: tuple[Placement, ...]) -> tuple[Placement, ...]:
    """The placements, each moved one with ``reason`` saying why it left last term's place."""
    if not any(p.change in MOVED for p in placements):
        return placements
    items = candidates.items
    index_of = {}
    for candidate in items:
        index_of[
            (candidate.request_id, candidate.room_id, candidate.weekday, candidate.start, candidate.week_parity)
        ] = candidate.index
    occupancy = Occupancy()
    for p in placements:
        index = index_of.get((p.request_id, p.room_id, p.weekday, p.start, p.week_parity))
        if index is not None:
            occupancy.add(items[index], problem.request(p.request_id))
    previous = {e.request_id: e for e in problem.existing}
    explained = []
    for p in placements:
        before = previous.get(p.request_id)
        if p.change not in MOVED or before is None:
            explained.append(p)
            continue
        request = problem.request(p.request_id)
        where = format_time(before.weekday, before.start, before.week_parity)
        try:
            room_label = problem.room(before.room_id).label
        except KeyError:
            room_label = str(before.room_id)
        index = index_of.get((p.request_id, before.room_id, before.weekday, before.start, before.week_parity))
        if index is None:
            rejection = next(
                (r for r in candidates.rejections.get(p.request_id, ()) if r.room_id == before.room_id), None
            )
            why = (
                rejection.detail if rejection is not None else "it no longer fits its allowed times or the room's dates"
            )
            reason = f"Last term's place ({room_label}, {where}) is no longer possible: {why}."
        else:
            others = occupancy.conflicts(items[index], request)
            if others:
                names = []
                for other, via in others:
                    taker = problem.request(other.request_id)
                    text = f"{taker.label} (priority {taker.priority})"
                    names.append(text if via == "room" else f"{text}, which needs '{via}' then too")
                reason = f"Moved so that {'; '.join(dict.fromkeys(names))} could have {room_label}, {where}."
            else:
                reason = f"Moved from {room_label}, {where} for a better fit overall (that place is free)."
        explained.append(replace(p, reason=reason))
    return tuple(explained)
