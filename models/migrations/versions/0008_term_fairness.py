"""a fairness policy per term

`term_fairness`: each term's sector target shares and fairness weight for its allocation, one row per
term; a term without a row uses the borough's default policy. Additive: nothing existing changes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('term_fairness',
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('council_share', sa.Float(), nullable=False),
    sa.Column('partner_share', sa.Float(), nullable=False),
    sa.Column('resident_share', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.CheckConstraint('weight >= 0', name=op.f('ck_term_fairness_weight_not_negative')),
    sa.CheckConstraint(
        'council_share >= 0 AND council_share <= 1 AND partner_share >= 0 AND partner_share <= 1 '
        'AND resident_share >= 0 AND resident_share <= 1',
        name=op.f('ck_term_fairness_shares_in_range'),
    ),
    sa.CheckConstraint(
        'council_share + partner_share + resident_share <= 1.000001', name=op.f('ck_term_fairness_shares_at_most_all')
    ),
    sa.ForeignKeyConstraint(['term_id'], ['terms.id'], name=op.f('fk_term_fairness_term_id_terms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('term_id', name=op.f('pk_term_fairness'))
    )


def downgrade() -> None:
    op.drop_table('term_fairness')
