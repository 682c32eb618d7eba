"""policy: articles (政策法规/通知公告/政策解读), their attachments and the listings they concern

Revision ID: a3f1c0d2e7b9
Revises: e4a1c2d3b5f6
Create Date: 2026-12-03 16:43:28.761800

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3f1c0d2e7b9'
down_revision = 'e4a1c2d3b5f6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('policy_articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('issuer', sa.String(length=100), nullable=False),
    sa.Column('document_number', sa.String(length=100), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('validity', sa.String(length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_policy_articles_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_articles'))
    )
    with op.batch_alter_table('policy_articles', schema=None) as batch_op:
        batch_op.create_index('ix_policy_articles_listing', ['status', 'category', 'published_on'], unique=False)

    op.create_table('policy_article_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['policy_articles.id'], name=op.f('fk_policy_article_links_article_id_policy_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_article_links')),
    sa.UniqueConstraint('article_id', 'kind', 'target_id', name='uq_policy_article_link')
    )
    with op.batch_alter_table('policy_article_links', schema=None) as batch_op:
        batch_op.create_index('ix_policy_article_links_target', ['kind', 'target_id'], unique=False)

    op.create_table('policy_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('mimetype', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['policy_articles.id'], name=op.f('fk_policy_attachments_article_id_policy_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_attachments'))
    )
    with op.batch_alter_table('policy_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_attachments_article_id'), ['article_id'], unique=False)



def downgrade():
    with op.batch_alter_table('policy_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_attachments_article_id'))

    op.drop_table('policy_attachments')
    with op.batch_alter_table('policy_article_links', schema=None) as batch_op:
        batch_op.drop_index('ix_policy_article_links_target')

    op.drop_table('policy_article_links')
    with op.batch_alter_table('policy_articles', schema=None) as batch_op:
        batch_op.drop_index('ix_policy_articles_listing')

    op.drop_table('policy_articles')
