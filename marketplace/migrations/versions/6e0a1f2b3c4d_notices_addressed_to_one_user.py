"""notices: a notice may be addressed to one user (event reminders, match digests)

Revision ID: 6e0a1f2b3c4d
Revises: 5d3b8e0f6a12
Create Date: 2026-12-03 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6e0a1f2b3c4d'
down_revision = '5d3b8e0f6a12'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.alter_column('organisation_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f('fk_notices_user_id_users'), 'users', ['user_id'], ['id'], ondelete='CASCADE'
        )
        batch_op.create_index('ix_notices_user_unread', ['user_id', 'read_at'], unique=False)


def downgrade():
    op.execute("DELETE FROM notices WHERE organisation_id IS NULL")
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_user_unread')
        batch_op.drop_constraint(batch_op.f('fk_notices_user_id_users'), type_='foreignkey')
        batch_op.alter_column('organisation_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('user_id')
