"""Role sets for the permission table (tests/test_permissions.py and tests/*/permission_rules.py)."""

ROLES = ["anon", "university", "institute", "enterprise", "broker", "bureau", "admin", "pending"]
ORG_ROLES = ("university", "institute", "enterprise", "broker", "bureau")
ANY = frozenset(ROLES)
AUTH = ANY - {"anon"}
MEMBERS = AUTH - {"pending"}
BUREAU = frozenset({"bureau", "admin"})
ADMIN = frozenset({"admin"})
