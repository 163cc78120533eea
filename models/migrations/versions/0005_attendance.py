"""attendance records and the per-term size source

What happened at each past session (took place / late cancel / no-show, a headcount, a note) in
`attendance_records`, one row per occurrence; and `terms.size_source`, the hub manager's choice of
requested size or recorded attendance for room fit in that term's allocation.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('attendance_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurrence_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('took_place', 'late_cancel', 'no_show', name='outcome', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('headcount', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('headcount IS NULL OR headcount >= 0', name=op.f('ck_attendance_records_headcount_not_negative')),
    sa.CheckConstraint("outcome = 'took_place' OR headcount IS NULL OR headcount = 0", name=op.f('ck_attendance_records_headcount_if_held')),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrences.id'], name=op.f('fk_attendance_records_occurrence_id_occurrences'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_records')),
    sa.UniqueConstraint('occurrence_id', name=op.f('uq_attendance_records_occurrence_id'))
    )
    with op.batch_alter_table('terms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('size_source', sa.Enum('requested', 'recorded', name='size_source', native_enum=False, create_constraint=True, length=16), server_default='requested', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('terms', schema=None) as batch_op:
        if op.get_bind().dialect.name == 'sqlite':
            # SQLite rebuilds the table and would keep the enum's CHECK on the dropped column; PostgreSQL
            # drops it with the column.
            batch_op.drop_constraint(op.f('ck_terms_size_source'), type_='check')
        batch_op.drop_column('size_source')
    op.drop_table('attendance_records')
