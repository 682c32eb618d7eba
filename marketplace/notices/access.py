"""Who may open a notice: the rule `can(user, "view", notice)` answers for `Notice`."""

from marketplace.common.permissions import object_rule
from marketplace.notices.models import Notice


@object_rule(Notice, "view")
def may_view_notice(user, notice: Notice) -> bool:
    """A personal notice is its user's; an organisation's is for its active members."""
    if notice.user_id is not None:
        return notice.user_id == user.id
    return user.org is not None and notice.organisation_id == user.org.id
