"""search: a queue of stored match lists to recompute, one row per listing

Revision ID: 5d3b8e0f6a12
Revises: 7c1e5d2a9b40
Create Date: 2026-12-03 14:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d3b8e0f6a12'
down_revision = '7c1e5d2a9b40'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_match_refresh',
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('obj_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('queued_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'obj_id', name=op.f('pk_search_match_refresh')),
    )
    with op.batch_alter_table('search_match_refresh', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_match_refresh_queued_at'), ['queued_at'], unique=False)


def downgrade():
    with op.batch_alter_table('search_match_refresh', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_match_refresh_queued_at'))
    op.drop_table('search_match_refresh')
