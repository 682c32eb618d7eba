"""Policy and notices: articles the bureau publishes, with attachments and links to listings."""

# Importing the package registers who may see an article and the article kind of the site search,
# before any `can(...)` asks or the search pipeline runs.
from marketplace.policy import access, searching  # noqa: F401
