"""SQLite overlap guard compares normalised instants

The SQLite triggers of 0001 compared start and end as text, so a row written as '2027-01-15T12:00:00'
(a 'T' separator, or an offset) sorted differently from '2027-01-15 12:00:00.000000' and could slip
past the guard. The new triggers compare strftime('%Y-%m-%d %H:%M:%f', ...) of both sides, which reads
either spelling (and converts an offset to UTC), so the comparison is between instants. PostgreSQL's
exclusion constraint compares timestamptz values already and is unchanged.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 12:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _instant(column: str) -> str:
    return f"strftime('%Y-%m-%d %H:%M:%f', {column})"


SQLITE_CLASH = f"""
    SELECT RAISE(ABORT, 'occurrence_overlap')
    WHERE NEW.status <> 'cancelled' AND EXISTS (
        SELECT 1 FROM occurrences AS o
        WHERE o.room_id = NEW.room_id AND o.status <> 'cancelled' AND o.id IS NOT NEW.id
          AND {_instant('o.start_utc')} < {_instant('NEW.end_utc')}
          AND {_instant('NEW.start_utc')} < {_instant('o.end_utc')}
    );
"""
# A value SQLite cannot read as a date and time would make strftime() NULL and so compare as no clash:
# refuse such rows outright instead.
SQLITE_UNREADABLE = f"""
    SELECT RAISE(ABORT, 'occurrence_time_unreadable')
    WHERE {_instant('NEW.start_utc')} IS NULL OR {_instant('NEW.end_utc')} IS NULL;
"""

OLD_CLASH = """
    SELECT RAISE(ABORT, 'occurrence_overlap')
    WHERE NEW.status <> 'cancelled' AND EXISTS (
        SELECT 1 FROM occurrences AS o
        WHERE o.room_id = NEW.room_id AND o.status <> 'cancelled' AND o.id IS NOT NEW.id
          AND o.start_utc < NEW.end_utc AND NEW.start_utc < o.end_utc
    );
"""


def _create(clash: str, unreadable: str) -> None:
    op.execute(
        f"CREATE TRIGGER tr_occurrences_no_overlap_insert BEFORE INSERT ON occurrences BEGIN {unreadable} {clash} END"
    )
    op.execute(
        "CREATE TRIGGER tr_occurrences_no_overlap_update "
        f"BEFORE UPDATE OF room_id, start_utc, end_utc, status ON occurrences BEGIN {unreadable} {clash} END"
    )


def _drop() -> None:
    op.execute("DROP TRIGGER IF EXISTS tr_occurrences_no_overlap_insert")
    op.execute("DROP TRIGGER IF EXISTS tr_occurrences_no_overlap_update")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _drop()
    _create(SQLITE_CLASH, SQLITE_UNREADABLE)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _drop()
    _create(OLD_CLASH, "")
