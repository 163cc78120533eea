"""Organisation feed tokens: unguessable, one live per organisation (in the database too), reissuable."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from models.entities import FeedToken
from scheduler.errors import NotFound
from scheduler.feeds.privacy import FeedKind
from scheduler.feeds.service import FeedService
from tests.builders import make_borough
from tests.scheduler.feeds.conftest import FixedClock


def test_tokens_are_issued_once_and_reissue_revokes_the_old_one(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    borough = make_borough(sessions)
    service = FeedService(sessions, clock=clock)
    first = service.ensure_tokens()
    assert set(first) == {borough.pantry_id, borough.advice_id}
    assert all(len(token) >= 32 for token in first.values()) and len(set(first.values())) == 2
    assert service.ensure_tokens() == first
    new = service.reissue("Ilford Food Pantry")
    assert service.live_tokens() == {**first, borough.pantry_id: new}
    with sessions() as s:
        old = s.scalars(select(FeedToken).where(FeedToken.token == first[borough.pantry_id])).one()
        assert old.revoked_at == clock.now
    with pytest.raises(NotFound, match="unknown organisation 'Nobody'; known organisations: Citizens Advice"):
        service.reissue("Nobody")


def test_the_database_refuses_a_second_live_token(sessions: sessionmaker[Session], clock: FixedClock) -> None:
    borough = make_borough(sessions)
    FeedService(sessions, clock=clock).ensure_tokens()
    with pytest.raises(IntegrityError), sessions.begin() as s:
        s.add(FeedToken(organisation_id=borough.pantry_id, token="second-live-token", created_at=clock.now))


def test_two_reissues_at_the_same_moment_agree_on_one_new_address(
    sessions: sessionmaker[Session], engine: Engine, clock: FixedClock
) -> None:
    """B reads the live token, then A revokes it and commits its own new one before B writes.

    B's insert then meets A's live token in the one-live-token index. It used to surface as a raw
    "UNIQUE constraint failed"; now B reports the address A issued, and exactly one address is live.
    """
    borough = make_borough(sessions)
    FeedService(sessions, clock=clock).ensure_tokens()
    old = FeedService(sessions, clock=clock).live_tokens()
    b_read_the_old_token = threading.Event()
    results: dict[str, object] = {}
    b_thread: threading.Thread | None = None

    def b_about_to_write(conn, cursor, statement: str, *args: object) -> None:
        if threading.current_thread() is b_thread and statement.lstrip().upper().startswith("UPDATE FEED_TOKENS"):
            b_read_the_old_token.set()

    def run_b() -> None:
        try:
            results["b"] = FeedService(sessions, clock=clock).reissue("Ilford Food Pantry")
        except Exception as exc:  # the test reports it below
            results["b"] = exc

    def a_token() -> str:
        nonlocal b_thread
        b_thread = threading.Thread(target=run_b)
        b_thread.start()
        assert b_read_the_old_token.wait(30), "B never reached its write"
        return "token-issued-by-a-" + "x" * 20

    event.listen(engine, "before_cursor_execute", b_about_to_write)
    try:
        results["a"] = FeedService(sessions, clock=clock, token_factory=a_token).reissue("Ilford Food Pantry")
        assert b_thread is not None
        b_thread.join(30)
    finally:
        event.remove(engine, "before_cursor_execute", b_about_to_write)
    assert results["a"] == "token-issued-by-a-" + "x" * 20
    assert results["b"] == results["a"], results["b"]
    assert FeedService(sessions).live_tokens() == {**old, borough.pantry_id: results["a"]}
    with sessions() as s:
        revoked = s.scalars(select(FeedToken.revoked_at).where(FeedToken.token == old[borough.pantry_id])).one()
    assert revoked is not None


def test_the_list_of_feeds_read_without_sessions_is_the_list_the_feeds_are_built_from(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    from tests.scheduler.feeds.conftest import book_year

    book_year(sessions, clock)
    service = FeedService(sessions, clock=clock)
    built = [feed.spec for feed in service.build_all()]
    assert service.specs() == built
    assert {spec.kind for spec in built} == set(FeedKind)  # borough, hubs, rooms and organisations
