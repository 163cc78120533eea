"""Revision 0005 (attendance records, terms.size_source) upgrades and downgrades cleanly on both databases."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, inspect

from models import db


def test_attendance_migration_goes_down_and_up_again(engine: Engine) -> None:
    assert "attendance_records" in inspect(engine).get_table_names()
    command.downgrade(db._alembic_config(engine), "0002")
    assert db.current_revision(engine) == "0002"
    assert "attendance_records" not in inspect(engine).get_table_names()
    assert "size_source" not in {c["name"] for c in inspect(engine).get_columns("terms")}
    db.upgrade(engine)
    assert db.is_current(engine)
    assert "size_source" in {c["name"] for c in inspect(engine).get_columns("terms")}
