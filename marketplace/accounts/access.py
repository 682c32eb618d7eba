"""Who may act on an account or a token: the rules `can(user, action, obj)` answers for them.

Registered here rather than written into each view, so the membership pages, the admin pages and
the services ask one question in one way.
"""

from marketplace.accounts.models import ApiToken, User
from marketplace.common.permissions import object_rule


@object_rule(User, "see_member")
def may_see_member(actor, member: User) -> bool:
    """Admins, and anyone of the member's own organisation (applicants included), see the account.

    Anyone else is told the account does not exist, so member ids cannot be probed.
    """
    return bool(actor.is_admin or member.organisation_id == actor.organisation_id)


@object_rule(User, "manage_member")
def may_manage_member(actor, member: User) -> bool:
    """Admins, and the manager of the member's organisation, approve and remove members."""
    same_org = actor.org is not None and actor.org.id == member.organisation_id
    return bool(actor.is_admin or (same_org and actor.is_org_manager))


@object_rule(ApiToken, "revoke")
def may_revoke_token(user, token: ApiToken) -> bool:
    """A personal token is revoked only by its own user (an admin disables the account instead)."""
    return token.user_id == user.id
