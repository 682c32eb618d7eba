"""Policy articles (政策法规 / 通知公告 / 政策解读) the bureau publishes, their files and links."""

from datetime import date, datetime

from flask import url_for
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.common.audit import Subject, describe_audit
from marketplace.common.i18n import N_
from marketplace.common.timeutil import utcnow
from marketplace.extensions import db

CATEGORIES = {"regulation": N_("政策法规"), "notice": N_("通知公告"), "interpretation": N_("政策解读")}
VALIDITIES = {"current": N_("现行有效"), "revised": N_("已修订"), "repealed": N_("已废止")}
STATUSES = {"draft": N_("草稿"), "published": N_("已发布"), "withdrawn": N_("已撤回")}
# What an article may point at: (kind, target_id) rows, so events can join later without a migration.
LINK_KINDS = {"result": N_("科技成果"), "patent": N_("专利"), "demand": N_("技术需求")}


class Article(db.Model):
    __tablename__ = "policy_articles"
    __table_args__ = (Index("ix_policy_articles_listing", "status", "category", "published_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(100))
    # 发文字号, e.g. 石政发〔2016〕47号; empty where the document has none.
    document_number: Mapped[str] = mapped_column(String(100), default="")
    published_on: Mapped[date]
    validity: Mapped[str] = mapped_column(String(20), default="current")
    # Markdown; rendered and sanitised on the way out (policy.markdown).
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]

    attachments = relationship(
        "ArticleAttachment",
        back_populates="article",
        cascade="all, delete-orphan",
        order_by="ArticleAttachment.id",
    )
    links = relationship(
        "ArticleLink", back_populates="article", cascade="all, delete-orphan", order_by="ArticleLink.id"
    )

    kind = "article"

    @property
    def is_public(self) -> bool:
        return self.status == "published"

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    @property
    def validity_label(self) -> str:
        return VALIDITIES.get(self.validity, self.validity)

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)


class ArticleAttachment(db.Model):
    __tablename__ = "policy_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("policy_articles.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(200))
    mimetype: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    article = relationship("Article", back_populates="attachments")

    @property
    def extension(self) -> str:
        return self.filename.rsplit(".", 1)[-1].upper() if "." in self.filename else ""


class ArticleLink(db.Model):
    """An article concerns a listing (or, later, an event): a kind and an id, checked when shown."""

    __tablename__ = "policy_article_links"
    __table_args__ = (
        UniqueConstraint("article_id", "kind", "target_id", name="uq_policy_article_link"),
        Index("ix_policy_article_links_target", "kind", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("policy_articles.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int]

    article = relationship("Article", back_populates="links")


describe_audit(
    actions={
        "policy.create": N_("新建政策通知"),
        "policy.update": N_("修改政策通知"),
        "policy.publish": N_("发布政策通知"),
        "policy.withdraw": N_("撤回政策通知"),
        "policy.attach": N_("上传政策通知附件"),
        "policy.detach": N_("删除政策通知附件"),
    },
    groups={"policy.": N_("政策通知")},
    subjects={
        "policy_articles": Subject(
            N_("政策通知"),
            Article,
            title=lambda a: a.title,
            url=lambda a: url_for("policy.edit", article_id=a.id),
            fields={
                "category": N_("栏目"),
                "title": N_("标题"),
                "issuer": N_("发布机关"),
                "document_number": N_("文号"),
                "published_on": N_("发布日期"),
                "validity": N_("效力状态"),
                "status": N_("状态"),
                "body_chars": N_("正文字数"),
                "links": N_("关联条目"),
            },
            values={"category": CATEGORIES, "validity": VALIDITIES, "status": STATUSES},
        ),
        "policy_attachments": Subject(N_("政策通知附件")),
    },
)
