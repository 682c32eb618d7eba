"""Organisations: their profiles, the bureau's verification and recognition."""

# Importing the package registers who may act on an organisation, before any `can(...)` asks.
from marketplace.organisations import access  # noqa: F401
