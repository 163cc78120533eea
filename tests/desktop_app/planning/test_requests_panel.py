"""The requests table and the request form: sort, filter, search; validation field by field; add, edit,
withdraw — through the real widgets and the real RequestService on the demo borough."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTime

from desktop_app.planning.models import PlanRole
from tests.desktop_app.planning.conftest import screenshot


def test_every_planning_model_passes_the_model_tester(qtmodeltester, planning) -> None:
    qtmodeltester.check(planning.requests.model)
    qtmodeltester.check(planning.requests.proxy)
    qtmodeltester.check(planning.overview.hub_model)
    qtmodeltester.check(planning.overview.sector_model)
    qtmodeltester.check(planning.closures.closures)
    qtmodeltester.check(planning.feeds.model)


def test_requests_filter_by_sector_hub_and_status_and_search_text(qtbot, planning) -> None:
    panel = planning.requests
    assert panel.proxy.rowCount() == 40
    panel.sector.setCurrentIndex(panel.sector.findData("resident"))
    resident = panel.proxy.rowCount()
    assert 0 < resident < 40
    assert all(panel.proxy.index(r, 0).data(PlanRole.SECTOR) == "resident" for r in range(resident))
    panel.hub.setCurrentIndex(panel.hub.findData("Hainault Hub"))
    assert all("Hainault Hub" in panel.proxy.index(r, 0).data(PlanRole.HUBS) for r in range(panel.proxy.rowCount()))
    panel.sector.setCurrentIndex(0)
    panel.hub.setCurrentIndex(0)
    qtbot.keyClicks(panel.search, "food pantry")
    titles = {panel.proxy.index(r, 0).data() for r in range(panel.proxy.rowCount())}
    assert "Food pantry" in titles and len(titles) < 5
    panel.search.clear()
    panel.status.setCurrentIndex(panel.status.findData("unmet"))
    assert panel.proxy.rowCount() == 0, "nothing is unmet before the first allocation"
    panel.status.setCurrentIndex(0)
    # Sorting by attendance sorts numbers as numbers.
    panel.table.sortByColumn(8, Qt.SortOrder.DescendingOrder)
    people = [panel.proxy.index(r, 0).data(PlanRole.ROW).attendance for r in range(panel.proxy.rowCount())]
    assert people == sorted(people, reverse=True)
    panel.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    screenshot(planning, "requests")


def test_a_request_is_added_through_the_form_with_bad_input_refused_field_by_field(qtbot, planning, spring) -> None:
    panel = planning.requests
    form = panel.add_request()
    qtbot.waitExposed(form)
    # An empty form: no title, no hub, so it cannot be saved.
    assert form.error_for("title") and form.error_for("hubs")
    assert not form.save_button.isEnabled()

    form.organisation.setCurrentIndex(form.organisation.findText("Ilford Food Pantry", Qt.MatchFlag.MatchStartsWith))
    qtbot.keyClicks(form.title_edit, "Saturday pantry top-up")
    assert form.error_for("title") == ""
    form.hubs.check("Ilford Civic Hub")
    assert form.error_for("hubs") == ""
    form.attendance.setValue(500)
    assert "largest suitable room" in form.error_for("attendance")
    form.attendance.setValue(30)
    assert form.error_for("attendance") == ""
    # A 90-minute session does not fit a one-hour window.
    form.duration.setValue(90)
    window = form.windows[0]
    window.weekday.setCurrentIndex(2)  # Wednesday
    window.start.setTime(QTime(10, 0))
    window.end.setTime(QTime(11, 0))
    assert "No window is long enough" in form.error_for("windows")
    window.end.setTime(QTime(13, 0))
    assert form.error_for("windows") == ""
    form.preferred.check("Hainault Hub")
    assert "must also be acceptable" in form.error_for("preferred_hubs")
    form.preferred.check("Hainault Hub", False)
    form.visibility.setCurrentIndex(form.visibility.findData("generic"))
    assert "neutral public title" in form.error_for("public_title")
    qtbot.keyClicks(form.public_title, "Food support")
    assert form.errors == {} and form.save_button.isEnabled()

    with qtbot.waitSignal(form.saved) as saved:
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    request_id = saved.args[0]
    row = panel.selected()
    assert row is not None and row.id == request_id and row.title == "Saturday pantry top-up"
    assert row.status == "pending" and row.hubs == ("Ilford Civic Hub",) and row.windows == "Wed 10:00–13:00"
    assert panel.model.rowCount() == 41


def test_a_request_is_edited_and_withdrawn(qtbot, planning, planning_services, prompts) -> None:
    panel = planning.requests
    with_team = next(r for r in panel.model.rows() if planning_services.requests.draft_of(r.id)[0].team_ids)
    before, _version = planning_services.requests.draft_of(with_team.id)
    assert panel.select_request(with_team.id)
    form = panel.edit_selected()
    assert form is not None and form.errors == {}
    form.title_edit.setText(with_team.title + " (extended)")
    with qtbot.waitSignal(form.saved):
        form.save()
    row = panel.selected()
    assert row.title == with_team.title + " (extended)" and row.version > with_team.version
    after, _version = planning_services.requests.draft_of(with_team.id)
    assert after == before.__class__(**{**before.__dict__, "title": row.title}), "nothing else changed"
    prompts.confirmations = [False]
    panel.withdraw_selected()
    assert panel.selected().status != "withdrawn", "answering no withdraws nothing"
    panel.withdraw_selected()
    assert "Withdraw " + row.title in prompts.questions[-1]
    assert panel.selected().status == "withdrawn"
    assert not panel.withdraw_button.isEnabled()


def test_shared_people_or_teams_are_chosen_in_the_form_and_cleared_on_edit(qtbot, planning, planning_services) -> None:
    panel = planning.requests
    team_id, team_name = planning_services.requests.team_choices()[0]
    form = panel.add_request()
    qtbot.waitExposed(form)
    assert form.teams.accessibleName() == "Shared people / teams"
    assert form.teams.checked() == ()
    form.organisation.setCurrentIndex(form.organisation.findText("Ilford Food Pantry", Qt.MatchFlag.MatchStartsWith))
    qtbot.keyClicks(form.title_edit, "Job club with a work coach")
    form.hubs.check("Ilford Civic Hub")
    form.windows[0].weekday.setCurrentIndex(2)  # Wednesday
    form.windows[0].start.setTime(QTime(10, 0))
    form.windows[0].end.setTime(QTime(13, 0))
    # The team is chosen with the keyboard: move to its row and press Space.
    row = next(i for i in range(form.teams.count()) if form.teams.item(i).text() == team_name)
    form.teams.setFocus()
    form.teams.setCurrentRow(row)
    qtbot.keyClick(form.teams, Qt.Key.Key_Space)
    assert form.teams.checked() == (team_id,)
    assert form.error_for("teams") == ""
    assert form.errors == {} and form.save_button.isEnabled()
    with qtbot.waitSignal(form.saved) as saved:
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    request_id = saved.args[0]
    assert planning_services.requests.draft_of(request_id)[0].team_ids == (team_id,)

    # Editing pre-selects the request's team; clearing it saves the request without one.
    assert panel.select_request(request_id)
    form = panel.edit_selected()
    assert form is not None and form.teams.checked() == (team_id,)
    form.teams.check(team_name, False)
    assert form.errors == {}
    with qtbot.waitSignal(form.saved):
        form.save()
    after, _version = planning_services.requests.draft_of(request_id)
    assert after.team_ids == () and after.title == "Job club with a work coach"


def test_an_unknown_team_is_shown_next_to_the_shared_people_field(qtbot, planning) -> None:
    form = planning.requests.add_request()
    qtbot.waitExposed(form)
    form.show_errors({"teams": "Unknown shared person or team."})
    assert form.error_for("teams") == "Unknown shared person or team."
    assert form.error_for("facilities") == ""
