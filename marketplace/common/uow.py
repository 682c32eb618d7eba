"""One unit of work per action: run it, commit once, or roll back and say why.

Views and API handlers never call `db.session.commit()` themselves. A web view wraps the change in
`attempt(...)`, which flashes the rule's message on a `DomainError`; an API handler uses
`unit_of_work()`, and the API's error handler turns the `DomainError` into its JSON answer. Work that
must follow a commit (search, mail) is written to an outbox inside the same transaction.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from flask import flash

from marketplace.common.errors import DomainError
from marketplace.extensions import db

T = TypeVar("T")


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit what the block changed; on any exception roll back and let it propagate."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


class Outcome:
    """What `attempt` returns: `ok` and the action's value, or the rule that stopped it."""

    __slots__ = ("ok", "value", "error")

    def __init__(self, ok: bool, value=None, error: DomainError | None = None) -> None:
        self.ok, self.value, self.error = ok, value, error

    def __bool__(self) -> bool:
        return self.ok


def attempt(action: Callable[[], T], *, success: str | None = None, category: str = "success") -> Outcome:
    """Run `action` as one unit of work for a web view.

    On success the change is committed and `success` (if given) is flashed; on a `DomainError` the
    change is rolled back and the error's message is flashed as `danger`. Any other exception rolls
    back and propagates to the error pages.
    """
    try:
        with unit_of_work():
            value = action()
    except DomainError as error:
        flash(error.message, "danger")
        return Outcome(False, error=error)
    if success:
        flash(success, category)
    return Outcome(True, value)
