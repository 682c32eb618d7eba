"""Who may see and manage articles: `can(user, "view" | "manage", article)`."""

from marketplace.common.permissions import object_rule
from marketplace.common.roles import is_bureau
from marketplace.policy.models import Article


@object_rule(Article, "view")
def may_view_article(user, article: Article) -> bool:
    """Published articles are public; drafts and withdrawn ones are for the bureau only."""
    return article.is_public or is_bureau(user)


@object_rule(Article, "manage")
def may_manage_article(user, article: Article) -> bool:
    """The bureau writes, publishes, edits and withdraws articles."""
    return is_bureau(user)
