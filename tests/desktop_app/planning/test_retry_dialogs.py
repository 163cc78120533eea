"""A closure applied from the planning window while another writer holds the database: retried, else one
dialog with the one sentence and nothing changed (the conflict injected by tests/transient.py)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate
from sqlalchemy import Engine

from models.types import ClosureScope
from scheduler.errors import DatabaseBusy
from tests.transient import transient_failures


@pytest.fixture
def allocated(planning_services, spring) -> None:
    allocation = planning_services.allocation
    allocation.apply(allocation.preview(spring, time_limit=5))


@pytest.mark.slow
def test_a_locked_database_is_retried_and_otherwise_one_dialog_says_nothing_changed(
    qtbot, allocated, planning, demo_services, prompts
) -> None:
    panel = planning.closures
    panel.scope.setCurrentIndex(panel.scope.findData(ClosureScope.ROOM.value))
    panel.room.setCurrentIndex(panel.room.findText("Interview Booth 1, Ilford Civic Hub"))
    panel.first_day.setDate(QDate(2027, 1, 18))
    panel.last_day.setDate(QDate(2027, 1, 19))
    qtbot.keyClicks(panel.reason, "Booth refit")

    def live() -> list:
        rows = demo_services.occurrences.between(date(2027, 1, 18), date(2027, 1, 19), include_cancelled=False)
        return [o for o in rows if o.room == "Interview Booth 1" and o.hub == "Ilford Civic Hub"]

    before = live()
    assert before, "the demo allocation puts sessions in that booth on those days"
    prompts.confirmations = [True]
    with transient_failures(Engine, None) as failed:
        assert panel.apply() is None
    assert len(failed) == 2, "tried twice: SQLite has already waited its busy timeout each time"
    assert prompts.errors == [("Cannot add the closure", DatabaseBusy.MESSAGE)]
    assert live() == before and not any(row.reason == "Booth refit" for row in panel.closures.rows())

    prompts.confirmations = [True]
    with transient_failures(Engine, 1) as failed:
        added = panel.apply()
    assert len(failed) == 1 and len(prompts.errors) == 1
    assert added is not None and added.cancelled == len(before) and live() == []
