"""Accepting an allocation writes on a worker thread: the window keeps responding, Accept is disabled
meanwhile, and the result arrives as `accepted` (and one step on the undo stack when there is one)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer

from tests.desktop_app.planning.test_allocation_workflow import run_to_end


def test_accept_runs_off_the_gui_thread(qtbot, planning) -> None:
    review = planning.review
    preview = run_to_end(qtbot, planning)
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    with qtbot.waitSignal(review.accepted, timeout=120_000) as accepted:
        qtbot.mouseClick(review.accept_button, Qt.MouseButton.LeftButton)
        assert review.accept_job is not None and review.accept_job.running
        assert not review.accept_button.isEnabled()
        assert "Writing the allocation" in review.summary.text()
    timer.stop()
    assert accepted.args[0].created == preview.counts["placed"]
    assert ticks, "the event loop ran while the allocation was written"
    qtbot.waitUntil(lambda: review.accept_job is None or not review.accept_job.running)
    assert review.preview is None and "Accepted:" in review.summary.text()
