"""Documents other than listings that features put in the site search (policy articles, …).

A feature registers a `DocumentSource` when its package is imported; the outbox queues changes of
its model, the pipeline indexes and removes its documents, and the search page lists them as a
kind of their own. They are never match candidates: matching compares listings only.

This module imports nothing of the application, so any search module may read it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentSource:
    kind: str  # the index's kind, at most 10 characters (search_outbox.kind)
    label: str  # the search tab and the badge on a result
    model: type  # the ORM class whose inserts, changes and deletes are queued for indexing
    load: Callable[[object, Iterable[int]], dict]  # (session, ids) -> {id: object}
    document: Callable[[object], dict | None]  # index fields, or None when it must leave the index
    published: Callable[[object], Iterable[object]]  # (session) -> everything to index on a rebuild
    text: Callable[[object], str]  # plain text for result excerpts
    url: Callable[[object], str]  # the path of its public page
    source_name: Callable[[object], str]  # shown where a listing shows its organisation


_SOURCES: dict[str, DocumentSource] = {}


def register(source: DocumentSource) -> None:
    """Add a kind of document to the site search (once per process; a repeat is ignored)."""
    if len(source.kind) > 10:
        raise ValueError(f"search kind too long: {source.kind!r}")
    _SOURCES.setdefault(source.kind, source)


def get(kind: str) -> DocumentSource | None:
    return _SOURCES.get(kind)


def kinds() -> tuple[str, ...]:
    return tuple(_SOURCES)


def labels() -> dict[str, str]:
    return {kind: source.label for kind, source in _SOURCES.items()}


def kind_of(obj) -> str | None:
    """The registered kind of an ORM object, or None for anything else."""
    for kind, source in _SOURCES.items():
        if type(obj) is source.model:
            return kind
    return None
