"""Allocating the demo term through the GUI: live progress, Stop keeps the best so far, a full run, review
(new / moved / unchanged, unmet with explanation and "what would it take", sector chart), accept, pin and
re-run. The solver runs on a worker thread; every wait is on a signal."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from sqlalchemy import select

from desktop_app.planning.models import PlanRole
from models import db
from models.entities import Request, Series
from models.types import RequestStatus
from tests.desktop_app.planning.conftest import screenshot


def run_to_end(qtbot, planning, budget: float = 5.0):
    panel = planning.allocation
    panel.budget.setValue(budget)
    with qtbot.waitSignal(panel.preview_ready, timeout=60_000) as ready:
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.idle and panel.run_button.isEnabled())
    return ready.args[0]


def test_stop_keeps_the_best_allocation_found_so_far(qtbot, planning) -> None:
    panel = planning.allocation
    planning.tabs.setCurrentWidget(planning.allocate_tab)
    panel.budget.setValue(30.0)
    shots = []

    def first_progress(_progress) -> None:
        if not shots:
            shots.append(screenshot(planning, "running"))

    def stop_at_first_solution(worker) -> None:
        # Press Stop from the solver's own thread at its first solution, so the stop is never too late.
        # (Progress arrives from the start, phase by phase; only a report with a solution counts here.)
        def stop_if_solved(progress) -> None:
            if progress.solutions_found:
                worker.stop()

        worker.progress.connect(stop_if_solved, Qt.ConnectionType.DirectConnection)

    panel.progress_shown.connect(first_progress)
    panel.worker_created.connect(stop_at_first_solution)
    assert panel.start() is not None
    assert panel.stop_button.isEnabled() and not panel.run_button.isEnabled()
    results = []
    panel.preview_ready.connect(results.append)
    with qtbot.waitSignals([panel.progress_shown, panel.preview_ready], timeout=60_000):
        pass
    preview = results[0]
    assert preview.status == "cancelled"
    assert preview.placements, "the best solution so far is kept"
    assert "Stopped" in panel.state.text()
    qtbot.waitUntil(lambda: panel.idle and panel.run_button.isEnabled() and not panel.stop_button.isEnabled())
    assert planning.review.preview is preview and planning.review.accept_button.isEnabled()
    assert shots


def test_the_stop_button_stops_a_run(qtbot, planning) -> None:
    panel = planning.allocation
    panel.budget.setValue(30.0)
    with qtbot.waitSignal(panel.preview_ready, timeout=60_000):
        panel.start()
        qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.idle)
    assert planning.review.preview is not None


def test_allocate_review_and_accept_the_demo_term(
    qtbot, qtmodeltester, planning, planning_services, demo_services, spring
):
    planning.tabs.setCurrentWidget(planning.allocate_tab)
    panel, review = planning.allocation, planning.review
    with qtbot.waitSignal(panel.progress_shown, timeout=60_000):
        preview = run_to_end(qtbot, planning)
    assert preview.status == "optimal"
    assert panel.placed.text() == f"{len(preview.placements)} of 40"
    assert panel.gap.text() == "the best possible" or panel.gap.text().startswith("within ")
    qtmodeltester.check(review.placements)
    qtmodeltester.check(review.placement_proxy)
    qtmodeltester.check(review.unmet)
    counts = preview.counts
    assert review.placements.rowCount() == counts["placed"] and review.unmet.rowCount() == counts["unmet"] > 0
    # New / moved / unchanged filter.
    for group, key in (("new", "new"), ("moved", "moved"), ("unchanged", "unchanged")):
        review.group.setCurrentIndex(review.group.findData(group))
        assert review.placement_proxy.rowCount() == counts[key]
    review.group.setCurrentIndex(0)
    # The sector chart carries its numbers as text.
    assert "Resident-led" in review.chart.describe() and "% met" in review.chart.describe()

    # Why is a request unmet, and what would it take?
    unmet = preview.unmet[0]
    assert review.select_unmet(unmet.request_id)
    assert unmet.message[:40] in review.explanation.toPlainText()
    with qtbot.waitSignal(review.what_if_answered, timeout=60_000) as answer:
        qtbot.mouseClick(review.what_if_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: review.idle)
    assert answer.args[0] and answer.args[0][:30] in review.explanation.toPlainText()
    screenshot(planning, "review")

    with qtbot.waitSignal(review.accepted) as accepted:
        qtbot.mouseClick(review.accept_button, Qt.MouseButton.LeftButton)
    assert accepted.args[0].created == counts["placed"]
    # The database has the placements and the requests' statuses; the requests table shows the reasons.
    sessions = db.make_session_factory(demo_services.engine)
    with sessions() as s:
        placed = {x.request_id for x in s.scalars(select(Series).where(Series.term_id == spring))}
        statuses = {r.id: r.status for r in s.scalars(select(Request).where(Request.term_id == spring))}
    assert placed == {p.request_id for p in preview.placements}
    assert statuses[unmet.request_id] is RequestStatus.UNMET
    # The hub calendar's own query sees the new sessions (the second Friday of term).
    first_friday = [
        o for o in demo_services.occurrences.between(date(2027, 1, 8), date(2027, 1, 8)) if o.status != "cancelled"
    ]
    fridays = {p.request_id for p in preview.placements if p.weekday == 4}
    assert len(first_friday) >= len(fridays) > 0
    requests = planning.requests
    requests.status.setCurrentIndex(requests.status.findData("unmet"))
    assert requests.proxy.rowCount() == counts["unmet"]
    assert requests.proxy.index(0, 4).data()  # the short reason
    requests.status.setCurrentIndex(0)
    planning.tabs.setCurrentWidget(requests)
    screenshot(planning, "requests")
    planning.tabs.setCurrentWidget(planning.overview)
    overview = planning.overview
    assert overview.overview is not None and overview.overview.total.placed_hours > 0
    assert overview.overview.total.unmet_requests == counts["unmet"]
    screenshot(planning, "overview")


def test_a_pinned_placement_is_kept_by_a_rerun(qtbot, planning) -> None:
    review = planning.review
    run_to_end(qtbot, planning)
    with qtbot.waitSignal(review.accepted):
        review.accept()
    first = run_to_end(qtbot, planning)
    assert first.counts["unchanged"] == first.counts["placed"], "nothing moves when nothing changed"
    chosen = first.placements[3]
    assert review.select_placement(chosen.request_id)
    assert review.pin_button.text().replace("&", "") == "Pin"
    with qtbot.waitSignal(review.pins_changed):
        qtbot.mouseClick(review.pin_button, Qt.MouseButton.LeftButton)
    assert review.pin_button.text().replace("&", "") == "Unpin"
    assert not review.accept_button.isEnabled(), "a pin makes the proposal out of date"
    with qtbot.waitSignal(planning.allocation.preview_ready, timeout=60_000) as again:
        qtbot.mouseClick(review.rerun_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: planning.allocation.idle)
    kept = {p.request_id: p for p in again.args[0].placements}[chosen.request_id]
    assert kept.change == "pinned" and (kept.room_id, kept.weekday, kept.start) == (
        chosen.room_id,
        chosen.weekday,
        chosen.start,
    )
    assert review.select_placement(chosen.request_id)
    assert review.placement_table.selectionModel().selectedRows()[0].data(PlanRole.ROW).change == "pinned"
    assert review.accept_button.isEnabled()


def test_discard_writes_nothing(qtbot, planning, planning_services, spring) -> None:
    run_to_end(qtbot, planning)
    with qtbot.waitSignal(planning.review.discarded):
        qtbot.mouseClick(planning.review.discard_button, Qt.MouseButton.LeftButton)
    assert planning.review.preview is None and not planning.review.accept_button.isEnabled()
    assert {r.status for r in planning_services.requests.list(spring)} == {"pending"}
