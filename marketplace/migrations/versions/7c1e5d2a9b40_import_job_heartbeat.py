"""import jobs: heartbeat of the process running them

Revision ID: 7c1e5d2a9b40
Revises: fa0cb23ef3ee
Create Date: 2026-12-03 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1e5d2a9b40'
down_revision = '9b0a6c15bcbe'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('listing_import_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('listing_import_jobs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
