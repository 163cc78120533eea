"""A closure applied from the planning window while another writer holds the database: retried, else one
dialog with the one sentence and nothing changed (the conflict injected by tests/transient.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from scheduler.errors import DatabaseBusy
from tests.desktop_app.planning.conftest import booth_sessions, draft_booth_closure
from tests.transient import transient_failures


@pytest.mark.slow
def test_a_locked_database_is_retried_and_otherwise_one_dialog_says_nothing_changed(
    qtbot, allocated, planning, demo_services, prompts
) -> None:
    panel = planning.closures
    draft_booth_closure(qtbot, panel)

    def live() -> list:
        return booth_sessions(demo_services)

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
