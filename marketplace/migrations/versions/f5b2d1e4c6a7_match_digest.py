"""search: daily match digest preferences and the pairs already reported

Revision ID: f5b2d1e4c6a7
Revises: f5a1c0d2e3b4
Create Date: 2026-12-03 17:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f5b2d1e4c6a7'
down_revision = 'f5a1c0d2e3b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'match_digest_preferences',
        sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('digest', sa.Boolean(), nullable=False),
        sa.Column('email', sa.Boolean(), nullable=False),
        sa.Column('min_score', sa.Integer(), nullable=True),
        sa.Column('last_sent_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_match_digest_preferences_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_match_digest_preferences')),
    )
    op.create_table(
        'match_digest_sent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('source_kind', sa.String(length=10), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('target_kind', sa.String(length=10), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_match_digest_sent_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_match_digest_sent')),
        sa.UniqueConstraint('user_id', 'source_kind', 'source_id', 'target_kind', 'target_id', name='uq_digest_sent'),
    )
    with op.batch_alter_table('match_digest_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_digest_sent_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('match_digest_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_digest_sent_user_id'))
    op.drop_table('match_digest_sent')
    op.drop_table('match_digest_preferences')
