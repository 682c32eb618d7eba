"""search: the outbox kept as a log with a cursor per host, and the match lease

Revision ID: h9a1c2e3f4b5
Revises: f5b2d1e4c6a7
Create Date: 2026-12-03 17:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h9a1c2e3f4b5'
down_revision = 'f5b2d1e4c6a7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_hosts',
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('cursor', sa.BigInteger(), nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=False),
        sa.Column('applied_at', sa.DateTime(), nullable=True),
        sa.Column('worker_seen_at', sa.DateTime(), nullable=True),
        sa.Column('rebuilt_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_search_hosts')),
    )
    op.create_table(
        'search_leases',
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('holder', sa.String(length=100), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_search_leases')),
    )
    # Rebuilt on SQLite with AUTOINCREMENT, so ids of pruned entries are never handed out again
    # (PostgreSQL's sequence never reuses them; recreating there would restart it).
    sqlite = op.get_bind().dialect.name == 'sqlite'
    with op.batch_alter_table(
        'search_outbox',
        schema=None,
        recreate='always' if sqlite else 'auto',
        table_kwargs={'sqlite_autoincrement': True},
    ) as batch_op:
        batch_op.add_column(sa.Column('matched_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_search_outbox_matched_at'), ['matched_at'], unique=False)


def downgrade():
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_outbox_matched_at'))
        batch_op.drop_column('matched_at')
    op.drop_table('search_leases')
    op.drop_table('search_hosts')
