"""i18n: each user's interface language, and notices stored with message ids to show in it

Revision ID: i1a2b3c4d5e6
Revises: h9a1c2e3f4b5
Create Date: 2026-12-03 20:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i1a2b3c4d5e6'
down_revision = 'h9a1c2e3f4b5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_column('message')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('language')
