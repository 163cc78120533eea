"""Who occupies which room and which shared person at which time, for a set of chosen candidates.

This module owns clash look-ups outside the solver: the greedy baseline, the post-solve fill-in and the
blocker explanations all ask "what would this candidate clash with?". It uses the same cells and week
masks as the model (see ``candidates``); the independent checker in ``check`` deliberately does not.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from .candidates import Candidate
from .problem import Request


class Occupancy:
    """Placed candidates indexed by (room, weekday) and (shared person, weekday)."""

    def __init__(self) -> None:
        self._rooms: dict[tuple[object, int], list[Candidate]] = defaultdict(list)
        self._people: dict[tuple[str, int], list[tuple[Candidate, object]]] = defaultdict(list)

    def add(self, candidate: Candidate, request: Request) -> None:
        self._rooms[(candidate.room_id, candidate.weekday)].append(candidate)
        for person in request.shared:
            self._people[(person, candidate.weekday)].append((candidate, request.id))

    def remove(self, candidate: Candidate, request: Request) -> None:
        self._rooms[(candidate.room_id, candidate.weekday)].remove(candidate)
        for person in request.shared:
            self._people[(person, candidate.weekday)].remove((candidate, request.id))

    def conflicts(self, candidate: Candidate, request: Request) -> list[tuple[Candidate, str]]:
        """Placed candidates this one would clash with, each with ``"room"`` or the shared person's name."""
        # Candidate.clashes_in_time written inline (same weekday by the key): this runs for every room-time
        # of every unmet request when a run ends, and a stop must return within 200 ms.
        first, end, mask, own = candidate.first_cell, candidate.end_cell, candidate.mask, request.id
        found = [
            (other, "room")
            for other in self._rooms.get((candidate.room_id, candidate.weekday), ())
            if other.request_id != own and first < other.end_cell and other.first_cell < end and mask & other.mask
        ]
        for person in sorted(request.shared) if request.shared else ():
            found.extend(
                (other, person)
                for other, other_request in self._people.get((person, candidate.weekday), ())
                if other_request != own and first < other.end_cell and other.first_cell < end and mask & other.mask
            )
        return found

    def blocking(
        self, candidates: Iterable[Candidate], request: Request
    ) -> tuple[Counter[tuple[object, str]], Candidate | None]:
        """For an unplaced request's candidates: how many of them each (request, via) blocks, and the first
        free one (None when every one is blocked). The same answer as calling ``conflicts`` on each, in one
        tight loop: explanations ask it for every room-time of every unmet request, also right after a stop.

        A placed request appears at most once per candidate and via (it has one placement), so no
        de-duplication is needed.
        """
        counts: Counter[tuple[object, str]] = Counter()
        free: Candidate | None = None
        own = request.id
        people = sorted(request.shared) if request.shared else ()
        rooms, persons = self._rooms, self._people
        # Who keeps a shared person busy depends on the time only, not the room: once per time.
        busy_at: dict[tuple[int, int, int, int], list[tuple[object, str]]] = {}
        for candidate in candidates:
            first, end, mask, weekday = candidate.first_cell, candidate.end_cell, candidate.mask, candidate.weekday
            blocked = False
            for other in rooms.get((candidate.room_id, weekday), ()):
                if other.request_id != own and first < other.end_cell and other.first_cell < end and mask & other.mask:
                    counts[(other.request_id, "room")] += 1
                    blocked = True
            if people:
                key = (weekday, first, end, mask)
                busy = busy_at.get(key)
                if busy is None:
                    busy = busy_at[key] = [
                        (other.request_id, person)
                        for person in people
                        for other, other_request in persons.get((person, weekday), ())
                        if other_request != own
                        and first < other.end_cell
                        and other.first_cell < end
                        and mask & other.mask
                    ]
                for hit in busy:
                    counts[hit] += 1
                blocked = blocked or bool(busy)
            if not blocked and free is None:
                free = candidate
        return counts, free

    def is_free(self, candidate: Candidate, request: Request) -> bool:
        for other in self._rooms.get((candidate.room_id, candidate.weekday), ()):
            if other.request_id != request.id and candidate.clashes_in_time(other):
                return False
        for person in request.shared:
            for other, other_request in self._people.get((person, candidate.weekday), ()):
                if other_request != request.id and candidate.clashes_in_time(other):
                    return False
        return True
