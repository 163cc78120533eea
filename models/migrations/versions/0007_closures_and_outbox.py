"""closure sessions, organisation contacts, notices

closure_sessions: what each closure did to the sessions it displaced (moved from where and when, or
cancelled), so that a closure can be undone, edited or removed and its cancelled sessions restored.
contacts.receives_notices: which of an organisation's contacts (0004) the outbox writes to.
notices: the notifications outbox, one message per organisation per change, with its delivery state.

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-29 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('closure_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('closure_id', sa.Integer(), nullable=False),
    sa.Column('occurrence_id', sa.Integer(), nullable=False),
    sa.Column('effect', sa.String(length=12), nullable=False),
    sa.Column('was_room_id', sa.Integer(), nullable=False),
    sa.Column('was_start_utc', sa.DateTime(timezone=True), nullable=False),
    sa.Column('was_end_utc', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['closure_id'], ['closures.id'], name=op.f('fk_closure_sessions_closure_id_closures'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrences.id'], name=op.f('fk_closure_sessions_occurrence_id_occurrences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['was_room_id'], ['rooms.id'], name=op.f('fk_closure_sessions_was_room_id_rooms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_closure_sessions'))
    )
    with op.batch_alter_table('closure_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_closure_sessions_closure_id'), ['closure_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_closure_sessions_occurrence_id'), ['occurrence_id'], unique=False)

    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receives_notices', sa.Boolean(), server_default=sa.text('false'), nullable=False))

    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recipients', sa.Text(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('server_reply', sa.Text(), nullable=False),
    sa.Column('failure', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_notices_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index('ix_notices_state', ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_organisation_id'), ['organisation_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notices_organisation_id'))
        batch_op.drop_index('ix_notices_state')
    op.drop_table('notices')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('receives_notices')
    with op.batch_alter_table('closure_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_closure_sessions_occurrence_id'))
        batch_op.drop_index(batch_op.f('ix_closure_sessions_closure_id'))
    op.drop_table('closure_sessions')
