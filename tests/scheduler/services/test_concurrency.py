"""Several processes book overlapping slots in one room on PostgreSQL at the same moment.

Each slot is contested by several writers released together by a barrier; exactly one wins per slot,
every other gets the clash error naming a booking, and afterwards no two live sessions overlap.
"""

from __future__ import annotations

import itertools
import multiprocessing
from datetime import date, time

import pytest
from sqlalchemy import select

from models import db
from models.entities import Occurrence
from scheduler.errors import BookingClash
from scheduler.services.booking import BookingService, NewBooking
from tests.builders import make_borough

pytestmark = pytest.mark.postgres

SLOTS = [time(10), time(12), time(14)]
WRITERS_PER_SLOT = 3


def _book(url: str, room_id: int, organisation_id: int, slot: int, writer: int, barrier, results) -> None:
    engine = db.make_engine(url)
    service = BookingService(db.make_session_factory(engine), f"writer {writer}")
    # Writers for one slot overlap each other by 30 minutes but not the neighbouring slots.
    start = time(SLOTS[slot].hour, 30 * (writer % 2))
    booking = NewBooking(
        room_id=room_id,
        organisation_id=organisation_id,
        title=f"slot {slot} writer {writer}",
        first_date=date(2027, 1, 15),
        start=start,
        duration_min=60,
    )
    barrier.wait(timeout=60)
    try:
        service.book(booking)
        results.put((slot, writer, "won", ""))
    except BookingClash as exc:
        results.put((slot, writer, "clash", str(exc)))
    except Exception as exc:  # reported to the test, which fails with it
        results.put((slot, writer, "error", repr(exc)))
    finally:
        engine.dispose()


@pytest.mark.slow
def test_concurrent_writers_cannot_double_book(pg_server, pg_template: str) -> None:
    from tests.conftest import new_pg_database

    url = new_pg_database(pg_server, pg_template)
    engine = db.make_engine(url)
    borough = make_borough(db.make_session_factory(engine))

    # Separate processes, as separate hub managers' computers would be. A fork server that has imported
    # this module once forks each writer from itself: spawning them made each import everything again.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    total = len(SLOTS) * WRITERS_PER_SLOT
    barrier, results = context.Barrier(total), context.Queue()
    processes = [
        context.Process(target=_book, args=(url, borough.hall_id, borough.pantry_id, slot, writer, barrier, results))
        for slot in range(len(SLOTS))
        for writer in range(WRITERS_PER_SLOT)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)

    assert [o for o in outcomes if o[2] == "error"] == []
    for slot in range(len(SLOTS)):
        won = [o for o in outcomes if o[0] == slot and o[2] == "won"]
        lost = [o for o in outcomes if o[0] == slot and o[2] == "clash"]
        assert len(won) == 1, outcomes
        assert len(lost) == WRITERS_PER_SLOT - 1
        assert all("Main Hall, Ilford Civic Hub" in message for *_, message in lost)

    with db.make_session_factory(engine)() as s:
        live = s.scalars(select(Occurrence).where(Occurrence.status != "cancelled")).all()
    assert len(live) == len(SLOTS)
    spans = sorted((o.start_utc, o.end_utc) for o in live)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))
    engine.dispose()
