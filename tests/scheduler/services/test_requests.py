"""RequestService: field-by-field validation, add, edit, withdraw, stale edits."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import AuditEntry, Request
from models.types import Frequency, Visibility
from scheduler.errors import InvalidRequest, StaleEdit
from scheduler.services.requests import RequestDraft, RequestService, WindowDraft
from tests.builders import Borough


@pytest.fixture
def service(sessions: sessionmaker[Session]) -> RequestService:
    return RequestService(sessions, "Planner")


def draft(b: Borough, **changes: object) -> RequestDraft:
    base = RequestDraft(
        term_id=b.term_id,
        organisation_id=b.pantry_id,
        title="Food pantry",
        attendance=40,
        duration_min=180,
        windows=(WindowDraft(4, time(10), time(16)),),
        acceptable_hub_ids=(b.civic_id,),
        preferred_hub_ids=(b.civic_id,),
        facility_keys=("kitchen",),
    )
    return replace(base, **changes)


def test_a_good_draft_has_no_problems_and_is_saved(service, borough, sessions) -> None:
    assert service.validate(draft(borough)) == {}
    request_id = service.create(draft(borough))
    rows = service.list(borough.term_id)
    assert [(r.id, r.title, r.status, r.hubs, r.windows) for r in rows] == [
        (request_id, "Food pantry", "pending", ("Ilford Civic Hub",), "Fri 10:00–16:00")
    ]
    with sessions() as s:
        assert s.scalars(select(AuditEntry)).one().action == "add-request"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": " "}, "title", "Give the request a title."),
        ({"attendance": 0}, "attendance", "at least 1"),
        ({"attendance": 150}, "attendance", "The largest suitable room, Main Hall at Ilford Civic Hub, holds 100."),
        ({"duration_min": 400}, "windows", "No window is long enough for a 400-minute session."),
        ({"windows": ()}, "windows", "at least one weekday and time window"),
        ({"windows": (WindowDraft(5, time(10), time(14)),)}, "windows", "No acceptable hub is open"),
        ({"windows": (WindowDraft(1, time(15), time(20)),)}, "windows", "No acceptable hub is open"),
        ({"acceptable_hub_ids": (), "preferred_hub_ids": ()}, "hubs", "at least one acceptable hub"),
        ({"preferred_hub_ids": (999,)}, "preferred_hubs", "must also be acceptable"),
        ({"facility_keys": ("swimming_pool",)}, "facilities", "Unknown facility: swimming_pool."),
        ({"frequency": Frequency.MONTHLY, "nth": None}, "nth", "which weekday of the month"),
        ({"visibility": Visibility.GENERIC}, "public_title", "neutral public title"),
        ({"step_free": True, "acceptable_hub_ids": (), "preferred_hub_ids": ()}, "hubs", "acceptable hub"),
    ],
)
def test_each_problem_is_reported_against_its_field(service, borough, sessions, changes, field, message) -> None:
    errors = service.validate(draft(borough, **changes))
    assert field in errors and message in errors[field]
    with pytest.raises(InvalidRequest) as refused:
        service.create(draft(borough, **changes))
    assert refused.value.fields == errors
    with sessions() as s:
        assert s.scalars(select(Request)).first() is None


def test_several_problems_are_all_reported(service, borough) -> None:
    errors = service.validate(draft(borough, title="", attendance=0, windows=()))
    assert set(errors) == {"title", "attendance", "windows"}


def test_edit_replaces_hubs_and_windows_and_bumps_the_version(service, borough) -> None:
    request_id = service.create(draft(borough))
    form, version = service.draft_of(request_id)
    edited = replace(
        form,
        acceptable_hub_ids=(borough.civic_id, borough.hainault_id),
        preferred_hub_ids=(),
        facility_keys=(),
        windows=(WindowDraft(0, time(9), time(13)), WindowDraft(4, time(10), time(16))),
    )
    new_version = service.update(request_id, version, edited)
    assert new_version == version + 1
    row = service.list(borough.term_id)[0]
    assert row.hubs == ("Hainault Hub", "Ilford Civic Hub") and row.preferred_hubs == ()
    assert row.windows == "Mon 09:00–13:00, Fri 10:00–16:00"
    with pytest.raises(StaleEdit):
        service.update(request_id, version, edited)


def test_withdraw(service, borough) -> None:
    request_id = service.create(draft(borough))
    _, version = service.draft_of(request_id)
    service.withdraw(request_id, version)
    assert service.list(borough.term_id)[0].status == "withdrawn"
