"""The request form fills in the chosen organisation's default priority, never over one set by hand.
Real widgets offscreen, real services on SQLite."""

from __future__ import annotations

from datetime import time

from PySide6.QtCore import Qt
from sqlalchemy import select

from desktop_app.admin.menu import NewOrganisationDialog
from desktop_app.planning.request_form import RequestForm
from desktop_app.planning.services import PlanningServices
from models import db
from models.entities import Organisation
from scheduler.services.requests import RequestDraft, RequestService, WindowDraft


def set_default_priorities(small, **by_name: int) -> None:
    sessions = db.make_session_factory(small.services.engine)
    with sessions.begin() as s:
        for org in s.scalars(select(Organisation)):
            if org.name in by_name:
                org.default_priority = by_name[org.name]


def choose(qtbot, form: RequestForm, name: str) -> None:
    """Pick an organisation with the keyboard, as a user would."""
    form.organisation.setFocus()
    index = form.organisation.findText(name, Qt.MatchFlag.MatchStartsWith)
    while form.organisation.currentIndex() != index:
        key = Qt.Key.Key_Down if form.organisation.currentIndex() < index else Qt.Key.Key_Up
        qtbot.keyClick(form.organisation, key)


def test_choosing_an_organisation_fills_in_its_default_priority(qtbot, small) -> None:
    set_default_priorities(small, **{"Citizens Advice Redbridge": 2, "Ilford Food Pantry": 5})
    form = RequestForm(PlanningServices.from_app(small.services), small.borough.term_id)
    qtbot.addWidget(form)
    form.show()
    assert form.organisation.currentText().startswith("Citizens Advice Redbridge")
    assert form.priority.value() == 2  # the first organisation's default, not a flat 3
    choose(qtbot, form, "Ilford Food Pantry")
    assert form.priority.value() == 5 and form.draft().priority == 5
    choose(qtbot, form, "Citizens Advice Redbridge")
    assert form.priority.value() == 2
    # set by hand: choosing another organisation leaves it alone
    form.priority.setValue(4)
    choose(qtbot, form, "Ilford Food Pantry")
    assert form.priority.value() == 4


def test_a_new_organisation_brings_its_default_priority(qtbot, small) -> None:
    form = RequestForm(PlanningServices.from_app(small.services), small.borough.term_id)
    qtbot.addWidget(form)
    form.show()
    form.new_organisation_button.click()
    new = form.findChild(NewOrganisationDialog)
    new.name.setText("Loxford Youth Club")
    new.priority.setValue(1)
    new.buttons.button(new.buttons.StandardButton.Ok).click()
    assert form.organisation.currentText() == "Loxford Youth Club (resident)"
    assert form.priority.value() == 1


def test_editing_keeps_the_requests_own_priority_until_the_organisation_changes(qtbot, small) -> None:
    set_default_priorities(small, **{"Citizens Advice Redbridge": 2, "Ilford Food Pantry": 5})
    sessions = db.make_session_factory(small.services.engine)
    request_id = RequestService(sessions, "Tester").create(
        RequestDraft(
            term_id=small.borough.term_id,
            organisation_id=small.borough.pantry_id,
            title="Lunch club",
            attendance=20,
            duration_min=120,
            windows=(WindowDraft(2, time(11), time(14)),),
            acceptable_hub_ids=(small.borough.civic_id,),
            priority=4,
        )
    )
    form = RequestForm(PlanningServices.from_app(small.services), small.borough.term_id, request_id=request_id)
    qtbot.addWidget(form)
    form.show()
    assert form.priority.value() == 4  # the request's own, not the organisation's 5
    choose(qtbot, form, "Citizens Advice Redbridge")
    assert form.priority.value() == 4  # it differed from the pantry's default: it was set by hand
