"""Small helpers for search tests."""

from marketplace.search.gateway import parse_search_args, search


def found(q: str = "", user=None, **args) -> list[tuple[str, int]]:
    """Run the site search in-process and return (type, id) of the first page."""
    params = parse_search_args({"q": q, "per_page": "50", **args})
    return [(i["type"], i["id"]) for i in search(params, user).page.items]
