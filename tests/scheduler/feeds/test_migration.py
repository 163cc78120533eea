"""Revision 0002 (feed tokens) upgrades and downgrades cleanly on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, inspect

from models import db


def test_feed_tokens_migration_goes_down_and_up_again(engine: Engine) -> None:
    assert "feed_tokens" in inspect(engine).get_table_names()
    command.downgrade(db._alembic_config(engine), "0001")
    assert db.current_revision(engine) == "0001"
    assert "feed_tokens" not in inspect(engine).get_table_names()
    db.upgrade(engine)
    assert db.is_current(engine)
    indexes = {i["name"]: i for i in inspect(engine).get_indexes("feed_tokens")}
    assert indexes["ix_feed_tokens_one_live_per_organisation"]["unique"]
