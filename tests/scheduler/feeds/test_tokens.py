"""Organisation feed tokens: unguessable, one live per organisation (in the database too), reissuable."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from models.entities import FeedToken
from scheduler.errors import NotFound
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
