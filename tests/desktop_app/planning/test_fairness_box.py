"""The term's fairness policy in the planning window: shown per term, edited with three share spin boxes
and the weight, saved for the term (and then used by its allocation and named in the review), refused
while the shares add up to more than 100%, back to the default in one click."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.desktop_app.planning.conftest import screenshot
from tests.desktop_app.planning.test_allocation_workflow import run_to_end


def test_the_box_shows_the_terms_policy_and_saves_it_for_the_term(qtbot, planning, planning_services, spring) -> None:
    planning.tabs.setCurrentWidget(planning.allocate_tab)
    box = planning.fairness
    assert [s.value() for s in box.shares.values()] == [30.0, 30.0, 40.0] and box.weight.value() == 0.25
    assert "default" in box.state.text() and not box.save_button.isEnabled()

    box.shares["resident"].setValue(50.0)  # 110% in all: refused before saving, in words
    assert not box.save_button.isEnabled() and "110%" in box.state.text()
    box.shares["council"].setValue(20.0)
    box.weight.setValue(0.5)
    assert box.save_button.isEnabled() and "Not saved yet" in box.state.text()
    with qtbot.waitSignal(box.saved) as saved:
        qtbot.mouseClick(box.save_button, Qt.MouseButton.LeftButton)
    stored = planning_services.fairness.setting(spring)
    assert saved.args[0] == stored and stored.stored
    assert (stored.weight, dict(stored.shares)) == (0.5, {"council": 0.2, "partner": 0.3, "resident": 0.5})
    assert "Set for this term" in box.state.text() and not box.save_button.isEnabled()
    planning.resize(1280, 720)
    screenshot(planning, "fairness-policy")

    preview = run_to_end(qtbot, planning)  # the run uses the term's policy, and the review says so
    assert preview.fairness_source == "term" and preview.result.fairness_weight == 0.5
    policy = planning.review.policy.text()
    assert "Fairness policy (this term's setting): weight 0.5" in policy and "Resident-led 50%" in policy
    screenshot(planning, "fairness-review")


def test_each_term_shows_its_own_policy(qtbot, planning, planning_services, spring) -> None:
    autumn = planning_services.allocation.term_id("Autumn 2026")
    planning_services.fairness.set(autumn, weight=0.0)
    box = planning.fairness
    planning.term.setCurrentIndex(planning.term.findData(autumn))
    assert box.weight.value() == 0.0 and "fairness is off" in box.state.text()
    planning.term.setCurrentIndex(planning.term.findData(spring))
    assert box.weight.value() == 0.25 and "default" in box.state.text()


def test_use_the_default_forgets_the_terms_own_policy(qtbot, planning, planning_services, spring) -> None:
    planning_services.fairness.set(spring, weight=1.0)
    box = planning.fairness
    box.reload()
    assert box.weight.value() == 1.0 and box.default_button.isEnabled()
    qtbot.mouseClick(box.default_button, Qt.MouseButton.LeftButton)
    assert not planning_services.fairness.setting(spring).stored
    assert box.weight.value() == 0.25 and not box.default_button.isEnabled()


def test_a_policy_changed_elsewhere_meanwhile_is_not_overwritten(qtbot, planning, planning_services, spring, prompts):
    box = planning.fairness
    planning_services.fairness.set(spring, weight=0.9)  # someone else, after the box loaded the policy
    box.weight.setValue(0.1)
    qtbot.mouseClick(box.save_button, Qt.MouseButton.LeftButton)
    assert prompts.errors and "changed meanwhile" in prompts.errors[-1][1]
    assert planning_services.fairness.setting(spring).weight == 0.9
    assert box.weight.value() == 0.9  # the box shows what is stored now
