"""search: matches a user marked 不相关, hidden for their organisation

Revision ID: f5a1c0d2e3b4
Revises: c8a1f2e3d4b5
Create Date: 2026-12-03 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f5a1c0d2e3b4'
down_revision = 'c8a1f2e3d4b5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_match_dismissals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('source_kind', sa.String(length=10), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('target_kind', sa.String(length=10), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('score', sa.Float(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_search_match_dismissals_organisation_id_organisations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_search_match_dismissals_user_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_match_dismissals')),
        sa.UniqueConstraint('organisation_id', 'source_kind', 'source_id', 'target_kind', 'target_id', name='uq_match_dismissal'),
    )
    with op.batch_alter_table('search_match_dismissals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_match_dismissals_organisation_id'), ['organisation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('search_match_dismissals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_match_dismissals_organisation_id'))
    op.drop_table('search_match_dismissals')
