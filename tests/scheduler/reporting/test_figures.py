"""Every learning figure on the hand-made borough of borough.py, with the working in each test."""

from __future__ import annotations

import pytest

from scheduler.reporting import figures as fig
from scheduler.reporting.facts import Scope, narrow
from tests.scheduler.reporting.borough import CIVIC, HAINAULT, borough


def cell(rows, hub: str, weekday: int, hour: int) -> fig.HeatCell:
    row = next(r for r in rows if r.hub == hub and r.weekday == weekday)
    return next(c for c in row.cells if c.hour == hour)


def test_summary_counts_sessions_hours_and_outcomes() -> None:
    s = fig.summary(borough().term)
    # sessions: pantry 4 + debt 4 + lunch 3 + job 2 = 13; hours: 4x2 + 4x1 + 3x1 + 2x1.5 = 18
    assert (s.sessions, s.hours) == (13, 18.0)
    # open: Civic 5 weekdays x 4 weeks x 3 rooms x 8 h = 480; Hainault 4 Tuesdays x 1 room x 3 h = 12
    assert s.open_hours == 492.0
    assert s.utilisation == pytest.approx(18 / 492)
    # recorded: 4 + 3 + 3 + 2 = 12; held 4 + 0 + 3 + 2 = 9; attendance 80 + 45 + 5 = 130
    assert (s.recorded, s.held, s.late_cancel, s.no_show, s.attendance) == (12, 9, 1, 2, 130)
    assert s.mean_attendance == pytest.approx(130 / 9)
    # private debt advice (4) + generic job club (2) are counted, not named
    assert (s.not_named, s.unmet_requests) == (6, 1)


def test_heatmap_is_booked_over_open_per_hub_weekday_and_hour() -> None:
    rows = fig.heatmap(borough().term)
    # Civic has a row per weekday (5); Hainault opens on Tuesdays only (1)
    assert [(r.hub, r.weekday) for r in rows] == [(CIVIC, d) for d in range(5)] + [(HAINAULT, 1)]
    monday_noon = cell(rows, CIVIC, 0, 12)
    # open: 4 Mondays x 3 rooms x 1 h = 12; booked: the pantry's 4 Mondays x 1 h = 4
    assert (monday_noon.open_hours, monday_noon.booked_hours) == (12.0, 4.0)
    assert monday_noon.utilisation == pytest.approx(1 / 3)
    # attendance of held sessions starting 12:00 on Mondays: 30 + 26 + 14 + 10
    assert (monday_noon.attendance, monday_noon.held) == (80, 4)
    # Job club 09:30-11:00 on 2 Tuesdays: 09:00 hour gets 2 x 30 min = 1 h of 4 open; 10:00 hour 2 h of 4
    assert cell(rows, HAINAULT, 1, 9).utilisation == pytest.approx(0.25)
    assert cell(rows, HAINAULT, 1, 10).utilisation == pytest.approx(0.5)
    # 08:00 and 12:00 at Hainault are closed: no open hours, no utilisation
    assert cell(rows, HAINAULT, 1, 12).open_hours == 0 and cell(rows, HAINAULT, 1, 12).utilisation is None
    # Civic Tuesday 10:00: debt advice on all 4 Tuesdays (live, recorded or not) = 4 h of 12
    assert cell(rows, CIVIC, 1, 10).utilisation == pytest.approx(1 / 3)


def test_heatmap_text_names_busiest_and_emptiest_hours() -> None:
    lines = fig.heatmap_text(fig.heatmap(borough().term), limit=1)
    # busiest: Hainault Tue 10:00 at 50% beats every Civic hour (at most 33%)
    assert lines[0] == "Busiest: Hainault Hub Tue 10:00–11:00 50% booked."
    assert lines[1].startswith("Emptiest while open: Hainault Hub Tue 11:00–12:00 0% booked")
    # open hub-hours: Civic 5 x 8 = 40, Hainault 3 -> 43; booked ones: Civic Mon 12,13; Tue 10; Wed 12; Hainault 9,10
    assert lines[2] == "37 of 43 open hub-hours had no booking all term."


def test_usage_per_sector_and_organisation() -> None:
    sectors = {r.name: r for r in fig.usage(borough().term, "sector")}
    # resident: pantry 4 + lunch 3 sessions, 8 + 3 hours, 80 + 45 people
    assert (sectors["resident"].sessions, sectors["resident"].hours, sectors["resident"].attendance) == (7, 11.0, 125)
    assert (sectors["partner"].sessions, sectors["partner"].held, sectors["partner"].attendance) == (4, 0, 0)
    organisations = fig.usage(borough().term, "organisation")
    # largest by hours first: pantry 8 h, debt advice 4 h, lunch club 3 h, job club 3 h (tie by name)
    assert [r.name for r in organisations] == [
        "Ilford Food Pantry",
        "Citizens Advice Redbridge",
        "Lunch Club",
        "Redbridge Employment",
    ]


def test_sector_trend_compares_share_of_hours_with_target_and_met_rate() -> None:
    rows = {(r.term, r.sector): r for r in fig.sector_trend(borough())}
    spring = rows[("Spring 2027", "resident")]
    # resident hours 11 of 18; target 40%; decided requests: pantry placed 8 h + youth club unmet 6 h -> 8/14
    assert spring.share == pytest.approx(11 / 18) and spring.target == 0.4
    assert spring.met_rate == pytest.approx(8 / 14)
    # Autumn has sessions (pantry 2 x 2 h + choir 2 x 1 h, all resident) but no requests: no met rate
    autumn = rows[("Autumn 2026", "resident")]
    assert (autumn.hours, autumn.share, autumn.met_rate) == (6.0, 1.0, None)
    assert [r.term for r in fig.sector_trend(borough())][:3] == ["Autumn 2026"] * 3  # oldest first


def test_who_is_missing() -> None:
    data = borough()
    assert fig.unmet_by(data.term, "reason") == (fig.UnmetRow("every slot it fits is taken", 1, 6.0),)
    assert fig.unmet_by(data.term, "area") == (fig.UnmetRow("Hainault", 1, 6.0),)
    # Old Choir met twice in Autumn (8 + 6 people) and has no session or request in Spring
    assert fig.stopped_coming(data) == (fig.StoppedRow("Old Choir", "resident", "Autumn 2026", 2, 14),)
    falling = fig.falling_attendance(data.term)
    # pantry: earlier half (30 + 26) / 2 = 28, later half (14 + 10) / 2 = 12 <= 0.75 x 28 = 21; lunch club
    # 15, 16, 14 has only 3 held sessions (< 4) and is not judged
    assert [(r.title, r.first_mean, r.last_mean) for r in falling] == [("Food pantry", 28.0, 12.0)]
    assert falling[0].change == pytest.approx(-16 / 28)


def test_right_sizing_finds_the_room_that_fits() -> None:
    rows = {r.title: r for r in fig.right_sizing(borough().term)}
    # pantry: median of 10, 14, 26, 30 = 20 < 40% of 100; the smallest Civic room holding the peak of 30
    # and smaller than the hall is the Studio (40)
    pantry = rows["Food pantry"]
    assert (pantry.median, pantry.peak, pantry.verdict, pantry.better_room) == (20, 30, "room too big", "Studio")
    # lunch club: median 15 > capacity 12; the smallest larger room holding 16 is the Studio (40)
    lunch = rows["Lunch club"]
    assert (lunch.median, lunch.verdict, lunch.better_room, lunch.better_capacity) == (
        15,
        "room too small",
        "Studio",
        40,
    )
    # job club: only 2 held sessions (< 3): not judged; debt advice: none held
    assert set(rows) == {"Food pantry", "Lunch club"}


def test_review_flags_series_that_did_not_take_place() -> None:
    flags = fig.review_flags(borough().term)
    # debt advice: 3 recorded (no-show, late cancel, no-show), none held. Job club: 3 and 2 people against an
    # expected 10 is low, but only 2 sessions (< 3 weeks). Pantry's 14 and 10 are under half of 40 twice (< 3).
    assert [(f.title, f.reason) for f in flags] == [("Debt advice", "did not take place (3 recorded, none held)")]


def test_suggested_size_is_last_terms_median_attendance() -> None:
    suggestions = fig.suggested_sizes(borough().last_term)
    # pantry in Autumn: 40 and 44 -> median 42 from 2 held sessions
    pantry = suggestions[("Ilford Food Pantry", "food pantry")]
    assert (pantry.median, pantry.sessions) == (42, 2)
    assert pantry.source == "median attendance of 2 held session(s) in Autumn 2026"
    assert suggestions[("Old Choir", "choir")].median == 7


def test_scope_narrows_to_a_hub_and_a_sector() -> None:
    data = narrow(borough(), Scope(hub=HAINAULT))
    assert {s.hub for s in data.term.sessions} == {HAINAULT}
    assert fig.summary(data.term).open_hours == 12.0  # only Hainault's 4 Tuesdays x 3 h
    resident = narrow(borough(), Scope(area="Loxford", sector="resident"))
    assert {s.title for s in resident.term.sessions} == {"Food pantry", "Lunch club"}
    assert Scope(area="Loxford", sector="resident").label == "Loxford area, resident sector"
