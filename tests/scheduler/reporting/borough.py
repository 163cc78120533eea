"""A small hand-made borough as learning facts, for the figure tests (no database, no Qt).

Spring 2027 cut to four weeks (Mon 4 – Fri 29 Jan 2027, no bank holiday), two hubs:
- Ilford Civic Hub (Loxford): Mon–Fri 09:00–17:00; Main Hall 100, Studio 40, Meeting Room 12.
- Hainault Hub (Hainault): Tuesdays 09:00–12:00 only; Main Hall 60.
Sessions (attendance in brackets; nr = not recorded):
- Food pantry (public, Ilford Food Pantry, resident), Main Hall, Mondays 12:00–14:00: 30, 26, 14, 10.
- Debt advice (PRIVATE, Citizens Advice, partner), Meeting Room, Tuesdays 10:00–11:00: no-show,
  late cancel, no-show, nr.
- Lunch club (public, Lunch Club, resident), Meeting Room, Wed 6/13/20 Jan 12:00–13:00: 15, 16, 14.
- Job club (GENERIC, Redbridge Employment, council), Hainault Main Hall, Tue 5/12 Jan 09:30–11:00: 3, 2.
Autumn 2026 (previous term): Food pantry held twice (40, 44); Old Choir (resident) twice (8, 6).
"""

from __future__ import annotations

from datetime import date, timedelta

from scheduler.reporting.facts import (
    LATE_CANCEL,
    NO_SHOW,
    TOOK_PLACE,
    ClosureFact,
    HubFact,
    LearningData,
    RequestFact,
    RoomFact,
    SessionFact,
    TermFacts,
)

CIVIC, HAINAULT = "Ilford Civic Hub", "Hainault Hub"
HALL, STUDIO, MEETING, H_HALL = (
    RoomFact(1, CIVIC, "Main Hall", 100),
    RoomFact(2, CIVIC, "Studio", 40),
    RoomFact(3, CIVIC, "Meeting Room", 12),
    RoomFact(4, HAINAULT, "Main Hall", 60),
)
HUBS = (
    HubFact(CIVIC, "Loxford", tuple((d, 540, 1020) for d in range(5)), 3),
    HubFact(HAINAULT, "Hainault", ((1, 540, 720),), 1),
)

_ids = iter(range(1, 1000))


def session(
    series: int,
    title: str,
    vis: str,
    org: str,
    sector: str,
    room: RoomFact,
    day: date,
    start: int,
    end: int,
    outcome: str | None,
    headcount: int | None,
    expected: int = 10,
) -> SessionFact:
    return SessionFact(
        next(_ids),
        series,
        title,
        vis,
        org,
        sector,
        room.hub,
        room.id,
        room.name,
        room.capacity,
        day,
        start,
        end,
        outcome,
        headcount,
        expected=expected,
    )


def days(first: date, weeks: int) -> list[date]:
    return [first + timedelta(days=7 * n) for n in range(weeks)]


def spring() -> TermFacts:
    first, last = date(2027, 1, 4), date(2027, 1, 29)
    held = TOOK_PLACE
    sessions = [
        *(
            session(1, "Food pantry", "public", "Ilford Food Pantry", "resident", HALL, d, 720, 840, held, n, 40)
            for d, n in zip(days(date(2027, 1, 4), 4), (30, 26, 14, 10), strict=True)
        ),
        *(
            session(
                2, "Debt advice", "private", "Citizens Advice Redbridge", "partner", MEETING, d, 600, 660, o, None, 4
            )
            for d, o in zip(days(date(2027, 1, 5), 4), (NO_SHOW, LATE_CANCEL, NO_SHOW, None), strict=True)
        ),
        *(
            session(3, "Lunch club", "public", "Lunch Club", "resident", MEETING, d, 720, 780, held, n, 12)
            for d, n in zip(days(date(2027, 1, 6), 3), (15, 16, 14), strict=True)
        ),
        *(
            session(4, "Job club", "generic", "Redbridge Employment", "council", H_HALL, d, 570, 660, held, n, 10)
            for d, n in zip(days(date(2027, 1, 5), 2), (3, 2), strict=True)
        ),
    ]
    requests = (
        RequestFact(1, "Food pantry", "public", "Ilford Food Pantry", "resident", "placed", "", CIVIC, "Loxford", 8.0),
        RequestFact(
            2,
            "Youth club",
            "public",
            "Hainault Youth",
            "resident",
            "unmet",
            "every slot it fits is taken",
            HAINAULT,
            "Hainault",
            6.0,
        ),
        RequestFact(
            3, "Debt advice", "private", "Citizens Advice Redbridge", "partner", "placed", "", CIVIC, "Loxford", 4.0
        ),
        RequestFact(
            4, "Job club", "generic", "Redbridge Employment", "council", "placed", "", HAINAULT, "Hainault", 3.0
        ),
    )
    closures = (ClosureFact("Hainault Hub", date(2027, 1, 26), date(2027, 1, 26), "Boiler repair", 1, 2),)
    return TermFacts(
        "Spring 2027",
        first,
        last,
        tuple(first + timedelta(days=n) for n in range(26)),
        HUBS,
        (HALL, STUDIO, MEETING, H_HALL),
        tuple(sessions),
        requests,
        closures,
    )


def autumn() -> TermFacts:
    first, last = date(2026, 9, 7), date(2026, 12, 18)
    sessions = (
        session(
            11,
            "Food pantry",
            "public",
            "Ilford Food Pantry",
            "resident",
            HALL,
            date(2026, 9, 7),
            720,
            840,
            TOOK_PLACE,
            40,
        ),
        session(
            11,
            "Food pantry",
            "public",
            "Ilford Food Pantry",
            "resident",
            HALL,
            date(2026, 9, 14),
            720,
            840,
            TOOK_PLACE,
            44,
        ),
        session(12, "Choir", "public", "Old Choir", "resident", STUDIO, date(2026, 9, 8), 1020, 1080, TOOK_PLACE, 8),
        session(12, "Choir", "public", "Old Choir", "resident", STUDIO, date(2026, 9, 15), 1020, 1080, TOOK_PLACE, 6),
    )
    return TermFacts("Autumn 2026", first, last, (), HUBS, (HALL, STUDIO, MEETING, H_HALL), sessions)


def borough() -> LearningData:
    return LearningData(spring(), (autumn(),))
