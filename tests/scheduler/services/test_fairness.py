"""A term's fairness policy is stored per term, validated, audited, and used by the term's allocation by
default (a run given its own policy says so). Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from models.entities import AuditEntry, TermFairness
from scheduler import allocation as alloc
from scheduler.bootstrap import bootstrap
from scheduler.errors import InvalidInput, NotFound, StaleEdit
from scheduler.services.reference import TermDraft
from tests.builders import add_pantry_request
from tests.dbdump import dump

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def wired(sessions):
    return bootstrap(sessions, "Manager", clock=lambda: NOW)


def add_request(sessions, borough) -> int:
    return add_pantry_request(sessions, borough, NOW)


def test_a_term_without_a_setting_has_the_default_policy(wired, borough) -> None:
    setting = wired.fairness.setting(borough.term_id)
    default = alloc.Policy()
    assert not setting.stored and setting.source == "default" and setting.version == 0
    assert setting.weight == default.fairness_weight
    assert dict(setting.shares) == dict(default.sector_targets)
    assert [s for s, _ in setting.shares] == ["council", "partner", "resident"]


def test_set_stores_the_policy_and_what_is_not_given_keeps_its_value(wired, sessions, borough) -> None:
    first = wired.fairness.set(borough.term_id, weight=0.5, shares={"resident": 0.5, "council": 0.2})
    assert first.stored and first.version == 1
    assert (first.weight, dict(first.shares)) == (0.5, {"council": 0.2, "partner": 0.3, "resident": 0.5})
    again = wired.fairness.setting(borough.term_id)
    assert again == first
    second = wired.fairness.set(borough.term_id, shares={"partner": 0.1})
    assert (second.weight, dict(second.shares)) == (0.5, {"council": 0.2, "partner": 0.1, "resident": 0.5})
    assert second.version == 2
    with sessions() as s:
        row = s.get(TermFairness, borough.term_id)
        assert (row.weight, row.council_share, row.partner_share, row.resident_share) == (0.5, 0.2, 0.1, 0.5)
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "set-fairness").order_by(AuditEntry.id)))
    assert [e.operator for e in entries] == ["Manager", "Manager"]
    assert entries[0].before["source"] == "default" and entries[0].after["weight"] == 0.5
    assert (
        entries[1].before["sector_targets"]["partner"] == 0.3 and entries[1].after["sector_targets"]["partner"] == 0.1
    )
    assert "Spring 2027" in entries[1].summary and "partner 10%" in entries[1].summary


@pytest.mark.parametrize(
    ("weight", "shares", "message"),
    [
        (-0.1, None, "the fairness weight must be between 0 and 10"),
        (10.5, None, "the fairness weight must be between 0 and 10"),
        (float("nan"), None, "the fairness weight must be between 0 and 10"),
        (None, {"resident": 1.2}, "must be between 0% and 100%; resident has 1.2"),
        (None, {"council": -0.1}, "must be between 0% and 100%; council has -0.1"),
        (None, {"wizards": 0.1}, "unknown sector 'wizards'"),
        (None, {"resident": 0.5}, "add up to 110% (council 30%, partner 30%, resident 50%)"),
    ],
)
def test_a_policy_no_allocation_can_use_is_refused_and_nothing_changes(
    wired, engine, borough, weight, shares, message
) -> None:
    wired.fairness.set(borough.term_id, weight=0.3)
    before = dump(engine)
    with pytest.raises(InvalidInput, match=re.escape(message)):
        wired.fairness.set(borough.term_id, weight=weight, shares=shares)
    assert dump(engine) == before


def test_a_setting_changed_meanwhile_is_not_overwritten(wired, engine, borough) -> None:
    shown = wired.fairness.setting(borough.term_id)
    wired.fairness.set(borough.term_id, weight=0.4, expected_version=shown.version)  # someone else, first
    before = dump(engine)
    with pytest.raises(StaleEdit, match="changed meanwhile"):
        wired.fairness.set(borough.term_id, weight=0.1, expected_version=shown.version)
    assert dump(engine) == before
    assert wired.fairness.setting(borough.term_id).weight == 0.4


def test_reset_returns_to_the_default_and_is_audited(wired, sessions, borough) -> None:
    wired.fairness.set(borough.term_id, weight=0.0)
    reset = wired.fairness.reset(borough.term_id)
    assert not reset.stored and reset.weight == alloc.Policy().fairness_weight
    with sessions() as s:
        assert s.get(TermFairness, borough.term_id) is None
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "reset-fairness")).one().before["weight"] == 0.0
    assert wired.fairness.reset(borough.term_id) == reset  # resetting a default changes nothing


def test_an_unknown_term_is_not_found(wired) -> None:
    with pytest.raises(NotFound):
        wired.fairness.setting(9999)
    with pytest.raises(NotFound):
        wired.fairness.set(9999, weight=0.1)


def test_deleting_a_term_deletes_its_setting(wired, sessions) -> None:
    record = wired.reference.add_term(TermDraft("Summer 2027", date(2027, 4, 19), date(2027, 7, 23)))
    wired.fairness.set(record.id, weight=1.0)
    wired.reference.delete_term(record.id)
    with sessions() as s:
        assert s.get(TermFairness, record.id) is None


def test_the_terms_allocation_uses_its_stored_policy_by_default(wired, sessions, borough) -> None:
    add_request(sessions, borough)
    problem, _ = wired.allocation.build_problem(borough.term_id)
    assert problem.policy.fairness_weight == alloc.Policy().fairness_weight
    wired.fairness.set(borough.term_id, weight=0.75, shares={"council": 0.1, "partner": 0.2, "resident": 0.7})
    problem, _ = wired.allocation.build_problem(borough.term_id)
    assert problem.policy.fairness_weight == 0.75
    assert dict(problem.policy.sector_targets) == {"council": 0.1, "partner": 0.2, "resident": 0.7}

    preview = wired.allocation.preview(borough.term_id, time_limit=5)
    assert preview.fairness_source == "term"
    assert (preview.result.fairness_weight, dict(preview.result.sector_targets)["resident"]) == (0.75, 0.7)
    assert preview.term_fairness is not None and preview.term_fairness.weight == 0.75


def test_a_run_given_its_own_policy_says_so_and_leaves_the_term_alone(wired, sessions, borough) -> None:
    add_request(sessions, borough)
    wired.fairness.set(borough.term_id, weight=0.75)
    own = wired.fairness.setting(borough.term_id).policy()
    own = alloc.Policy(fairness_weight=0.0, sector_targets=own.sector_targets)
    preview = wired.allocation.preview(borough.term_id, time_limit=5, policy=own)
    assert preview.fairness_source == "run" and preview.result.fairness_weight == 0.0
    assert preview.term_fairness.weight == 0.75
    assert wired.fairness.setting(borough.term_id).weight == 0.75
