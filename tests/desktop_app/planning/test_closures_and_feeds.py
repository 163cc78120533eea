"""Closures (bank holidays listed; add one, see what it displaces, re-home, apply) and feeds (links, token
reissue, publish) through the planning window, on the demo borough with Spring 2027 allocated."""

from __future__ import annotations

import json
from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QGuiApplication

from models.types import ClosureScope
from tests.desktop_app.planning.conftest import booth_sessions, draft_booth_closure


def test_closures_list_bank_holidays_and_rehome_what_a_new_closure_displaces(
    qtbot, qtmodeltester, allocated, planning, demo_services, prompts
) -> None:
    panel = planning.closures
    planning.closures.reload()
    planning.tabs.setCurrentWidget(panel)
    reasons = [(row.first_day, row.reason) for row in panel.closures.rows()]
    assert (date(2027, 3, 26), "Bank holiday: Good Friday") in reasons
    assert any("Heating replacement" in reason for _day, reason in reasons)

    panel.scope.setCurrentIndex(panel.scope.findData(ClosureScope.ROOM.value))
    panel.room.setCurrentIndex(panel.room.findText("Interview Booth 1, Ilford Civic Hub"))
    panel.first_day.setDate(QDate(2027, 1, 18))
    panel.last_day.setDate(QDate(2027, 1, 29))
    qtbot.keyClicks(panel.reason, "Booth refit")
    assert panel.show_displaced()
    displaced = panel.displaced.rows()
    assert displaced and all(row.room == "Interview Booth 1" for row in displaced)
    with qtbot.waitSignal(panel.plan_ready, timeout=60_000) as ready:
        qtbot.mouseClick(panel.plan_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.idle and panel.apply_button.isEnabled())
    plan = ready.args[0]
    qtmodeltester.check(panel.rehoming)
    qtmodeltester.check(panel.displaced)
    assert {r.occurrence_id for r in plan} == {row.id for row in displaced}
    found = [r for r in plan if r.found]
    assert found, "the demo has other interview rooms free"
    assert all("Interview Booth 1, " not in r.room for r in found)

    with qtbot.waitSignal(panel.closure_added) as added:
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
        assert not prompts.errors
    assert added.args[0].moved == len(found) and added.args[0].cancelled == len(plan) - len(found)
    assert any(row.reason == "Booth refit" for row in panel.closures.rows())
    live = demo_services.occurrences.between(date(2027, 1, 18), date(2027, 1, 29), include_cancelled=False)
    assert not [o for o in live if o.room == "Interview Booth 1" and o.hub == "Ilford Civic Hub"]
    moved = {o.id: o for o in live}
    for r in found:
        assert moved[r.occurrence_id].room_id == r.room_id


def test_a_reissued_token_s_old_feed_is_gone_after_publishing(qtbot, allocated, planning, tmp_path, qsettings) -> None:
    panel = planning.feeds
    planning.tabs.setCurrentWidget(panel)
    panel.base_url.setText("https://feeds.redbridge.example/hubs")
    panel.folder.setText(str(tmp_path / "feeds"))
    panel._save_settings()
    assert qsettings.value("feeds/folder") == str(tmp_path / "feeds")
    links = panel.model.rows()
    assert links and all(link.https.startswith("https://feeds.redbridge.example/hubs/") for link in links)
    assert all(link.webcal.startswith("webcal://feeds.redbridge.example/hubs/") for link in links)
    # Copy a link.
    panel.table.selectRow(0)
    assert panel.copy_selected("webcal") == links[0].webcal
    assert QGuiApplication.clipboard().text() == links[0].webcal

    with qtbot.waitSignal(panel.published, timeout=60_000):
        qtbot.mouseClick(panel.publish_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.idle)
    panel.organisation.setCurrentIndex(panel.organisation.findText("Ilford Food Pantry"))
    old = panel.link_for(int(panel.organisation.currentData()))
    assert old is not None
    old_path = old.spec.path
    assert (tmp_path / "feeds" / old_path).exists()

    with qtbot.waitSignal(panel.reissued) as reissued:
        qtbot.mouseClick(panel.reissue_button, Qt.MouseButton.LeftButton)
    new_url = reissued.args[1]
    assert new_url and new_url != old.https
    with qtbot.waitSignal(panel.published, timeout=60_000) as published:
        panel.publish_now()
    qtbot.waitUntil(lambda: panel.idle)
    assert old_path in published.args[0].removed
    assert not (tmp_path / "feeds" / old_path).exists()
    new_path = new_url.split("/hubs/", 1)[1]
    assert (tmp_path / "feeds" / new_path).exists()
    index = json.loads((tmp_path / "feeds" / "index.json").read_text())
    assert old_path not in {entry["path"] for entry in index["feeds"]}


def test_the_overview_exports_csv(planning, allocated, tmp_path) -> None:
    planning.overview.reload()
    target = tmp_path / "overview.csv"
    planning.overview.export_to(target)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("term,kind,name,requests,requested_hours,placed_hours")
    assert any(",hub,Ilford Civic Hub," in line for line in lines)
    assert any(",sector,resident," in line for line in lines)


def test_adding_a_closure_without_a_plan_asks_before_cancelling_what_it_displaces(
    qtbot, allocated, planning, demo_services, prompts
) -> None:
    panel = planning.closures
    draft_booth_closure(qtbot, panel)

    def live() -> list:
        return booth_sessions(demo_services)

    before = live()
    assert before, "the demo allocation puts sessions in that booth on those days"
    prompts.confirmations = [False]
    assert panel.apply() is None
    assert "will be cancelled" in prompts.questions[-1]
    assert live() == before and not any(row.reason == "Booth refit" for row in panel.closures.rows())

    prompts.confirmations = [True]
    added = panel.apply()
    assert added is not None and added.cancelled == len(before) and live() == []
