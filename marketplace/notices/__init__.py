"""In-site notices for organisations (and their e-mail copies, through the mail outbox)."""

# Importing the package registers who may open a notice, before any `can(...)` asks.
from marketplace.notices import access  # noqa: F401
