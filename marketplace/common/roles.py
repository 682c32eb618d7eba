"""The organisation types that decide what a user may do: one enum instead of bare strings.

`Role` is a `StrEnum`, so `Role.BUREAU == "bureau"` and the values stored in `organisations.org_type`
stay plain strings; code compares against the enum so a typo fails at import, not in production.
"""

from enum import StrEnum


class Role(StrEnum):
    UNIVERSITY = "university"
    INSTITUTE = "institute"
    ENTERPRISE = "enterprise"
    BROKER = "broker"
    BUREAU = "bureau"


def is_bureau(user) -> bool:
    """True for an authenticated member of the science and technology bureau."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.role == Role.BUREAU)
