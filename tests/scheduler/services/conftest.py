"""Fixtures shared by the service tests."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.builders import Borough, make_borough


@pytest.fixture
def borough(sessions: sessionmaker[Session]) -> Borough:
    """The small hand-made borough of tests/builders.py, on the test's database."""
    return make_borough(sessions)
