"""Revision 0008 (term_fairness) upgrades and downgrades cleanly on both databases, keeping the terms."""

from __future__ import annotations

from datetime import UTC, date, datetime

from alembic import command
from sqlalchemy import Engine, inspect, select

from models import db
from models.entities import Term, TermFairness


def test_fairness_migration_goes_down_and_up_again(engine: Engine) -> None:
    sessions = db.make_session_factory(engine)
    with sessions.begin() as s:
        term = Term(name="Spring 2027", first_day=date(2027, 1, 4), last_day=date(2027, 3, 26))
        s.add(term)
        s.flush()
        s.add(
            TermFairness(
                term_id=term.id,
                weight=0.5,
                council_share=0.2,
                partner_share=0.3,
                resident_share=0.5,
                updated_at=datetime(2026, 11, 29, tzinfo=UTC),
            )
        )
    command.downgrade(db._alembic_config(engine), "0007")
    assert db.current_revision(engine) == "0007"
    assert "term_fairness" not in inspect(engine).get_table_names()
    db.upgrade(engine)
    assert db.is_current(engine)
    assert "term_fairness" in inspect(engine).get_table_names()
    with sessions() as s:
        assert s.scalars(select(Term.name)).all() == ["Spring 2027"]  # the downgrade dropped only the settings
        assert s.scalars(select(TermFairness)).all() == []
