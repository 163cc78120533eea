"""RequestService.facility_choices: what the request form offers, as keys the validation understands."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from scheduler.services.requests import RequestService
from tests.builders import make_borough


def test_facility_choices_are_every_facility_by_name_with_its_key(sessions: sessionmaker[Session]) -> None:
    make_borough(sessions)
    choices = RequestService(sessions, "Planner").facility_choices()
    assert choices, "the small borough has facilities"
    names = [name for _key, name in choices]
    assert names == sorted(names)
    keys = {key for key, _name in choices}
    assert len(keys) == len(choices)


def test_team_choices_are_every_shared_person_or_team_by_name_with_its_id(sessions: sessionmaker[Session]) -> None:
    borough = make_borough(sessions)
    service = RequestService(sessions, "Planner")
    choices = service.team_choices()
    assert (borough.coach_id, "DWP work coach") in choices
    names = [name for _id, name in choices]
    assert names == sorted(names)
    ids = {team_id for team_id, _name in choices}
    assert len(ids) == len(choices)
