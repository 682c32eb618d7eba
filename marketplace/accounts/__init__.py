"""Accounts: sign-up, sign-in, membership of an organisation, passwords and API tokens."""

# Importing the package registers who may act on an account, before any `can(...)` asks.
from marketplace.accounts import access  # noqa: F401
