"""Role checks in one place: decorators for views, named capabilities for templates."""

from functools import wraps

from flask import abort
from flask_login import current_user

from marketplace.common import domain


def role_required(*roles: str):
    """Allow only active members of an organisation of one of these types (or admins if named)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from marketplace.extensions import login_manager

                return login_manager.unauthorized()
            allowed = current_user.role in roles or ("admin" in roles and current_user.is_admin)
            if not allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def admin_required(view):
    """Allow only users with the admin flag."""
    return role_required("admin")(view)


def can(user, capability: str) -> bool:
    """Answer whether a user may do something, by name, for templates and services."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    role = user.role
    rules = {
        "post_patents": role in domain.CAN_POST_PATENTS,
        "post_results": role in domain.CAN_POST_RESULTS,
        "post_demands": role in domain.CAN_POST_DEMANDS,
        "file_contracts": role in domain.CAN_FILE_CONTRACTS,
        "review": role in domain.REVIEWERS,
        "admin": bool(user.is_admin),
        "publish": bool(user.org_verified),
    }
    return rules.get(capability, False)
