"""The review in plain words: met demand and how close to the best possible (and against what), the
fairness policy with a side-by-side run without it, columns that show their text whole, an accept summary
that agrees with the review, and accepting off the GUI thread. Every wait is on a signal."""

from __future__ import annotations

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QLabel

from tests.desktop_app.planning.conftest import screenshot
from tests.desktop_app.planning.test_allocation_workflow import run_to_end


def test_the_live_panel_and_the_review_speak_plainly(qtbot, planning) -> None:
    planning.tabs.setCurrentWidget(planning.allocate_tab)
    preview = run_to_end(qtbot, planning)
    labels = " ".join(label.text() for label in planning.allocation.findChildren(QLabel))
    assert "Met demand" in labels and "How close to the best possible" in labels
    assert "Objective" not in labels and "Gap to best bound" not in labels
    review = planning.review
    summary = review.summary.text()
    assert f"Met demand {preview.objective:.1f}" in summary and "best" in summary
    assert "Fairness policy (the default; nothing set for this term): weight 0.25" in review.policy.text()
    assert "Resident-led 40%" in review.policy.text() and "Room fit" in review.policy.text()


def test_columns_fit_or_wrap_with_full_row_height(qtbot, planning) -> None:
    planning.tabs.setCurrentWidget(planning.allocate_tab)
    run_to_end(qtbot, planning)
    planning.resize(1280, 720)
    for table in (planning.review.placement_table, planning.review.unmet_table):
        model = table.model()
        assert table.wordWrap()
        # Every column is inside the table's width: nothing hides off to the right.
        assert sum(table.columnWidth(c) for c in range(model.columnCount())) <= table.viewport().width() + 2
        # A cell whose text is wider than its column makes its row taller: it wraps rather than cutting off.
        metrics = table.fontMetrics()
        for column in range(model.columnCount()):
            for row in range(model.rowCount()):
                text = str(model.index(row, column).data())
                if metrics.horizontalAdvance(text) > table.columnWidth(column) + 4 and " " in text.strip():
                    assert table.rowHeight(row) > metrics.height() * 1.5, (text, column)
    screenshot(planning, "review-columns")


def test_fairness_off_side_by_side(qtbot, planning) -> None:
    planning.tabs.setCurrentWidget(planning.allocate_tab)
    preview = run_to_end(qtbot, planning)
    review = planning.review
    with qtbot.waitSignal(review.fairness_compared, timeout=60_000) as compared:
        assert review.compare_fairness_off() is not None
    qtbot.waitUntil(lambda: review.idle)
    text = compared.args[0]
    assert "With fairness off" in text
    for sector in ("Council", "Partner", "Resident-led"):
        assert sector in text
    assert review.preview is preview  # the comparison does not replace the proposal under review


def test_accept_runs_off_the_gui_thread_and_its_summary_agrees_with_the_review(qtbot, planning) -> None:
    planning.tabs.setCurrentWidget(planning.allocate_tab)
    preview = run_to_end(qtbot, planning)
    review = planning.review
    counts = preview.counts
    threads: list[QThread] = []
    # Without the calendar's undo stack the panel applies through the allocation service itself.
    service, name = (review.services.undo, "accept") if review.controller else (review.services.allocation, "apply")
    original = getattr(service, name)

    def write_and_note_thread(p):
        threads.append(QThread.currentThread())
        return original(p)

    setattr(service, name, write_and_note_thread)
    with qtbot.waitSignal(review.accepted, timeout=60_000) as accepted:
        worker = review.accept()
        assert worker is not None
        assert not review.accept_button.isEnabled(), "no second accept while the first is being written"
    qtbot.waitUntil(lambda: review.idle)
    assert threads and threads[0] is not review.thread(), "the write ran on a worker thread"
    applied = accepted.args[0]
    summary = review.summary.text()
    assert (
        f"{counts['placed']} placed ({counts['new']} new, {counts['moved']} moved, "
        f"{counts['unchanged']} unchanged or pinned)" in summary
    )
    assert f"{applied.created + applied.moved} series written" in summary
    if review.controller is not None:
        assert review.controller.stack.count() == 1, "Edit → Undo can take it back"
