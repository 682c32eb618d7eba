"""listings: patent legal status detail/date/note and publication date; import preview choices

Revision ID: c8a1f2e3d4b5
Revises: a3f1c0d2e7b9
Create Date: 2026-12-03 16:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c8a1f2e3d4b5'
down_revision = 'a3f1c0d2e7b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('patents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_status_detail', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('legal_status_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('legal_status_note', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('publication_date', sa.Date(), nullable=True))
    with op.batch_alter_table('listing_import_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('column_mapping', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('on_duplicate', sa.String(length=10), nullable=False, server_default='error'))
        batch_op.add_column(sa.Column('accepted_lines', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('updated_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('skipped_count', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('listing_import_jobs', schema=None) as batch_op:
        batch_op.drop_column('skipped_count')
        batch_op.drop_column('updated_count')
        batch_op.drop_column('accepted_lines')
        batch_op.drop_column('on_duplicate')
        batch_op.drop_column('column_mapping')
    with op.batch_alter_table('patents', schema=None) as batch_op:
        batch_op.drop_column('publication_date')
        batch_op.drop_column('legal_status_note')
        batch_op.drop_column('legal_status_date')
        batch_op.drop_column('legal_status_detail')
