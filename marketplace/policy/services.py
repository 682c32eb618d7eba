"""Writing and reading policy articles: drafts, publication, edits, withdrawal, files and links.

Services take plain values and the acting user, raise a `DomainError` with a Chinese message, and
leave the commit to the caller. The search outbox sees every change to an article by itself
(search.outbox listens to the session), so publishing indexes it and withdrawing takes it out.
"""

import re
from dataclasses import asdict, dataclass, field
from datetime import date

from flask_babel import gettext
from sqlalchemy import select

from marketplace.common.audit import record_audit
from marketplace.common.errors import NotFound, PermissionDenied, ValidationError
from marketplace.common.i18n import tr
from marketplace.common.kinds import KIND_LABELS, SEGMENTS
from marketplace.common.permissions import can
from marketplace.common.roles import is_bureau
from marketplace.common.timeutil import utcnow
from marketplace.extensions import db
from marketplace.listings.models import HIDDEN_NAME, LISTING_MODELS
from marketplace.policy.attachments import store_attachment
from marketplace.policy.models import (
    CATEGORIES,
    LINK_KINDS,
    VALIDITIES,
    Article,
    ArticleAttachment,
    ArticleLink,
)

MAX_LINKS = 20
MAX_ATTACHMENTS = 10
_SEGMENT_KINDS = {segment: kind for kind, segment in SEGMENTS.items()}
_LINK_PATTERN = re.compile(r"(patents|results|demands)/(\d{1,9})")


@dataclass
class ArticleInput:
    category: str
    title: str
    issuer: str
    published_on: date
    validity: str = "current"
    document_number: str = ""
    body: str = ""
    links: list[tuple[str, int]] = field(default_factory=list)


def parse_link_text(text: str) -> list[tuple[str, int]]:
    """Read listing addresses (…/results/12, /patents/3, /demands/5) typed one per line."""
    found: list[tuple[str, int]] = []
    for line in (text or "").split():
        match = _LINK_PATTERN.search(line)
        if match is None:
            raise ValidationError(
                gettext(
                    "无法识别的关联地址：%(address)s（请粘贴成果、专利或需求页面的地址）", address=line[:60]
                )
            )
        found.append((_SEGMENT_KINDS[match.group(1)], int(match.group(2))))
    return list(dict.fromkeys(found))


def link_text(article: Article) -> str:
    """The article's links as the form shows them, one address per line."""
    return "\n".join(
        f"/{SEGMENTS[link.kind]}/{link.target_id}" for link in article.links if link.kind in SEGMENTS
    )


def _require_bureau(user, article: Article | None = None) -> None:
    allowed = can(user, "manage", article) if article is not None else is_bureau(user)
    if not allowed:
        raise PermissionDenied(gettext("只有科技局可以管理政策通知"))


def _check(data: ArticleInput) -> None:
    if data.category not in CATEGORIES:
        raise ValidationError(gettext("请选择栏目"))
    if data.validity not in VALIDITIES:
        raise ValidationError(gettext("请选择效力状态"))
    if not data.title.strip() or not data.issuer.strip():
        raise ValidationError(gettext("标题和发布机关不能为空"))
    if len(data.links) > MAX_LINKS:
        raise ValidationError(gettext("一篇文章最多关联 %(n)s 条成果、专利或需求", n=MAX_LINKS))
    for kind, target_id in data.links:
        if kind not in LINK_KINDS:
            raise ValidationError(gettext("只能关联成果、专利或需求"))
        listing = db.session.get(LISTING_MODELS[kind], target_id)
        if listing is None or not listing.is_public:
            raise ValidationError(
                gettext("%(kind)s %(id)s 不存在或未公开，不能关联", kind=tr(KIND_LABELS[kind]), id=target_id)
            )


def snapshot(article: Article) -> dict:
    """The fields the audit log keeps before and after a change."""
    return {
        "category": article.category,
        "title": article.title,
        "issuer": article.issuer,
        "document_number": article.document_number,
        "published_on": article.published_on,
        "validity": article.validity,
        "status": article.status,
        "body_chars": len(article.body or ""),
        "links": [f"{link.kind}:{link.target_id}" for link in article.links],
    }


def _apply(article: Article, data: ArticleInput) -> None:
    values = asdict(data)
    links = values.pop("links")
    for name, value in values.items():
        setattr(article, name, value.strip() if isinstance(value, str) else value)
    wanted = set(links)
    for link in list(article.links):
        if (link.kind, link.target_id) not in wanted:
            article.links.remove(link)
    have = {(link.kind, link.target_id) for link in article.links}
    for kind, target_id in links:
        if (kind, target_id) not in have:
            article.links.append(ArticleLink(kind=kind, target_id=target_id))
    article.updated_at = utcnow()


def create_article(user, data: ArticleInput, *, publish: bool = False) -> Article:
    """Save a new article as a draft (or publish it at once)."""
    _require_bureau(user)
    _check(data)
    article = Article(created_by_id=user.id, status="draft")
    _apply(article, data)
    db.session.add(article)
    db.session.flush()
    record_audit(
        user, "policy.create", article, after=snapshot(article), summary=f"新建政策通知：{article.title}"
    )
    if publish:
        publish_article(user, article)
    return article


def update_article(user, article: Article, data: ArticleInput) -> Article:
    """Change an article; a published one stays published and is reindexed."""
    _require_bureau(user, article)
    _check(data)
    before = snapshot(article)
    _apply(article, data)
    db.session.flush()
    record_audit(
        user,
        "policy.update",
        article,
        before=before,
        after=snapshot(article),
        summary=f"修改政策通知：{article.title}",
    )
    return article


def publish_article(user, article: Article) -> Article:
    """Publish a draft or republish a withdrawn article."""
    _require_bureau(user, article)
    if article.status == "published":
        raise ValidationError(gettext("这篇文章已经发布"))
    before = snapshot(article)
    article.status = "published"
    article.published_at = utcnow()
    article.withdrawn_at = None
    article.updated_at = utcnow()
    record_audit(
        user,
        "policy.publish",
        article,
        before=before,
        after=snapshot(article),
        summary=f"发布政策通知：{article.title}",
    )
    return article


def withdraw_article(user, article: Article) -> Article:
    """Take a published article off the site and out of the search index."""
    _require_bureau(user, article)
    if article.status != "published":
        raise ValidationError(gettext("只有已发布的文章可以撤回"))
    before = snapshot(article)
    article.status = "withdrawn"
    article.withdrawn_at = utcnow()
    article.updated_at = utcnow()
    record_audit(
        user,
        "policy.withdraw",
        article,
        before=before,
        after=snapshot(article),
        summary=f"撤回政策通知：{article.title}",
    )
    return article


def add_attachment(user, article: Article, storage) -> ArticleAttachment:
    """Check an uploaded file by its content and attach it to the article."""
    _require_bureau(user, article)
    if len(article.attachments) >= MAX_ATTACHMENTS:
        raise ValidationError(gettext("一篇文章最多 %(n)s 个附件", n=MAX_ATTACHMENTS))
    stored = store_attachment(storage)
    attachment = ArticleAttachment(**stored)
    article.attachments.append(attachment)
    article.updated_at = utcnow()
    db.session.flush()
    record_audit(
        user,
        "policy.attach",
        article,
        after={"file": stored["filename"], "size": stored["size"]},
        summary=f"上传附件：{stored['filename']}",
    )
    return attachment


def remove_attachment(user, article: Article, attachment_id: int) -> None:
    _require_bureau(user, article)
    attachment = next((a for a in article.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise NotFound(gettext("附件不存在"))
    article.attachments.remove(attachment)
    article.updated_at = utcnow()
    record_audit(
        user,
        "policy.detach",
        article,
        before={"file": attachment.filename},
        summary=f"删除附件：{attachment.filename}",
    )


def get_article(article_id: int, user) -> Article:
    """An article this user may see; anything else is "not found" (drafts do not leak)."""
    article = db.session.get(Article, article_id) if article_id < 2**31 else None
    if article is None or not can(user, "view", article):
        raise NotFound(gettext("该文章不存在或未发布"))
    return article


def public_articles(category: str = "", validity: str = ""):
    """Published articles, newest first, as a select to paginate."""
    stmt = select(Article).where(Article.status == "published")
    if category in CATEGORIES:
        stmt = stmt.where(Article.category == category)
    if validity in VALIDITIES:
        stmt = stmt.where(Article.validity == validity)
    return stmt.order_by(Article.published_on.desc(), Article.id.desc())


def latest_articles(limit: int = 5, category: str | None = None) -> list[Article]:
    stmt = public_articles(category or "").limit(limit)
    return list(db.session.scalars(stmt))


def linked_listings(article: Article, user) -> list[dict]:
    """The public listings an article concerns, as this user may see them (hidden names stay hidden)."""
    items = []
    for link in article.links:
        model = LISTING_MODELS.get(link.kind)
        listing = db.session.get(model, link.target_id) if model is not None else None
        if listing is None or not listing.is_public:
            continue  # withdrawn since it was linked: nothing to show
        shows = listing.shows_name_to(user) if link.kind == "demand" else True
        org = listing.organisation
        items.append(
            {
                "kind": link.kind,
                "label": KIND_LABELS[link.kind],
                "title": listing.title,
                "segment": SEGMENTS[link.kind],
                "id": listing.id,
                "org_name": (org.name if org else "") if shows else tr(HIDDEN_NAME),
            }
        )
    return items
