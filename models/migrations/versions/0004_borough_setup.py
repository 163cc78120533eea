"""borough set-up: reference data a real borough edits

Opening-hour exceptions, organisation contacts, notes, active flag, default priority and merges, teams
working for organisations, retired hubs, rooms and teams, the term a term follows, request notes, and a
version counter on every reference record so that edits are checked for staleness.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 12:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _version() -> sa.Column:
    return sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False)


def upgrade() -> None:
    op.create_table('opening_exceptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hub_id', sa.Integer(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=True),
    sa.Column('opens', sa.Time(), nullable=True),
    sa.Column('closes', sa.Time(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.CheckConstraint('(opens IS NULL AND closes IS NULL) OR (opens IS NOT NULL AND closes IS NOT NULL AND opens < closes)', name=op.f('ck_opening_exceptions_time_range')),
    sa.CheckConstraint('first_day <= last_day', name=op.f('ck_opening_exceptions_days_ordered')),
    sa.CheckConstraint('weekday IS NULL OR weekday BETWEEN 0 AND 6', name=op.f('ck_opening_exceptions_weekday_range')),
    sa.ForeignKeyConstraint(['hub_id'], ['hubs.id'], name=op.f('fk_opening_exceptions_hub_id_hubs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_exceptions'))
    )
    with op.batch_alter_table('opening_exceptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opening_exceptions_hub_id'), ['hub_id'], unique=False)

    op.create_table('contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_contacts_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts'))
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contacts_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('team_organisations',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_team_organisations_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_team_organisations_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', 'organisation_id', name=op.f('pk_team_organisations'))
    )

    with op.batch_alter_table('hubs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(_version())

    with op.batch_alter_table('rooms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(_version())

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notes', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('default_priority', sa.Integer(), server_default=sa.text('3'), nullable=False))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(_version())
        batch_op.create_foreign_key(batch_op.f('fk_organisations_merged_into_id_organisations'), 'organisations', ['merged_into_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(_version())

    with op.batch_alter_table('terms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follows_id', sa.Integer(), nullable=True))
        batch_op.add_column(_version())
        batch_op.create_foreign_key(batch_op.f('fk_terms_follows_id_terms'), 'terms', ['follows_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notes', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_column('notes')
    with op.batch_alter_table('terms', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_terms_follows_id_terms'), type_='foreignkey')
        batch_op.drop_column('version')
        batch_op.drop_column('follows_id')
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('retired')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_organisations_merged_into_id_organisations'), type_='foreignkey')
        batch_op.drop_column('version')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('default_priority')
        batch_op.drop_column('active')
        batch_op.drop_column('notes')
    with op.batch_alter_table('rooms', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('retired')
    with op.batch_alter_table('hubs', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('retired')
    op.drop_table('team_organisations')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contacts_organisation_id'))
    op.drop_table('contacts')
    with op.batch_alter_table('opening_exceptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opening_exceptions_hub_id'))
    op.drop_table('opening_exceptions')
