"""Who may do what with an organisation: the rules `can(user, action, org)` answers.

Registered when the package is imported, so views and services ask `can(...)` and no page
repeats the checks.
"""

from marketplace.common.permissions import object_rule
from marketplace.common.roles import is_bureau
from marketplace.organisations.models import Organisation


def _is_member(user, org: Organisation) -> bool:
    return user.org is not None and user.org.id == org.id


@object_rule(Organisation, "view_evidence")
def may_view_evidence(user, org: Organisation) -> bool:
    """The bureau, admins and the organisation's own members may see its licence scan."""
    if not user.is_authenticated:
        return False
    return is_bureau(user) or user.is_admin or _is_member(user, org)


@object_rule(Organisation, "manage")
def may_manage(user, org: Organisation) -> bool:
    """Admins and the organisation's manager may correct its contact details (not its identity)."""
    return bool(user.is_admin or (_is_member(user, org) and user.is_org_manager))


@object_rule(Organisation, "attach_evidence")
def may_attach_evidence(user, org: Organisation) -> bool:
    """Only the organisation's own active members upload its licence."""
    return _is_member(user, org)
