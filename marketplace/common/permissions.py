"""Role checks in one place: decorators for views, named capabilities for templates."""

from collections.abc import Callable
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


# Object rules: each feature registers who may do what with its objects (see `object_rule`).
_OBJECT_RULES: dict[tuple[type, str], Callable[[object, object], bool]] = {}


def object_rule(model: type, action: str):
    """Register `rule(user, obj) -> bool` as the answer to `can(user, action, obj)` for `model`."""

    def decorator(rule: Callable[[object, object], bool]):
        key = (model, action)
        if key in _OBJECT_RULES:
            raise RuntimeError(f"two rules for {model.__name__}.{action}")
        _OBJECT_RULES[key] = rule
        return rule

    return decorator


def can(user, action: str, obj=None) -> bool:
    """The one permission entry point: may `user` do `action` (to `obj`, when one is given)?

    Without an object it answers the named capabilities templates use (`post_patents`, `review`…);
    with one it asks the rule the object's feature registered with `object_rule`. An action with no
    rule is refused, so a forgotten rule fails closed.
    """
    if obj is not None:
        for cls in type(obj).__mro__:
            rule = _OBJECT_RULES.get((cls, action))
            if rule is not None:
                return bool(rule(user, obj))
        return False
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
    return rules.get(action, False)
