"""Articles in the site search: a kind of their own, published ones only, never a match candidate."""

from flask import current_app, has_request_context, url_for
from sqlalchemy import select

from marketplace.common.i18n import N_
from marketplace.policy.markdown import plain_text
from marketplace.policy.models import Article
from marketplace.search import sources
from marketplace.search.schema import build_document

KIND = "article"
LABEL = N_("政策通知")


def load_articles(session, ids) -> dict[int, Article]:
    rows = session.scalars(select(Article).where(Article.id.in_(list(ids)))).all()
    return {row.id: row for row in rows}


def article_document(article: Article) -> dict | None:
    """The index fields of a published article; None takes a draft or withdrawn one out."""
    if article is None or not article.is_public:
        return None
    doc = build_document(
        KIND,
        article.id,
        title=article.title,
        body_parts=[plain_text(article.body)],
        keywords=[article.category_label, article.document_number],
        status=article.status,
        updated_at=article.published_at or article.updated_at,
    )
    doc["kind_col"] = KIND
    # The issuer is searchable as the "organisation" of the document.
    doc["org_name"] = article.issuer
    return doc


def published_articles(session):
    return session.scalars(select(Article).where(Article.status == "published").order_by(Article.id)).all()


def article_url(article: Article) -> str:
    if has_request_context():
        return url_for("policy.show", article_id=article.id)
    return current_app.url_map.bind("localhost").build("policy.show", {"article_id": article.id})


sources.register(
    sources.DocumentSource(
        kind=KIND,
        label=LABEL,
        model=Article,
        load=load_articles,
        document=article_document,
        published=published_articles,
        text=lambda article: plain_text(article.body),
        url=article_url,
        source_name=lambda article: article.issuer,
    )
)
