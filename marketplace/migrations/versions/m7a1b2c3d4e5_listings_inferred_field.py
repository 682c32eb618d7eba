"""listings: the 技术领域 and IPC subclasses the search model infers from a listing's text

Revision ID: m7a1b2c3d4e5
Revises: i1a2b3c4d5e6
Create Date: 2026-12-03 20:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'm7a1b2c3d4e5'
down_revision = 'i1a2b3c4d5e6'
branch_labels = None
depends_on = None

TABLES = ('patents', 'results', 'demands')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('inferred_field', sa.String(length=40), nullable=True))
            batch_op.add_column(sa.Column('inferred_ipc', sa.JSON(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_inferred_field'), ['inferred_field'], unique=False)


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_inferred_field'))
            batch_op.drop_column('inferred_ipc')
            batch_op.drop_column('inferred_field')
