"""Compare-and-set on one row: a state change applies only while the state it was decided on holds."""

from sqlalchemy import delete, select, tuple_, update

from marketplace.extensions import db


def claim(obj, *conditions, **values) -> bool:
    """Change one row only while `conditions` still hold, in a single UPDATE; False if they did not.

    Two people acting on the same thing at once (answering an inquiry, verifying an organisation,
    approving a member) both read the old state; only the UPDATE that still finds it wins. The
    loser's UPDATE waits for the winner's row lock (PostgreSQL) or write lock (SQLite), then
    matches nothing. The object is re-read either way, so the caller sees the state now stored.
    """
    model = type(obj)
    result = db.session.execute(
        update(model).where(model.id == obj.id, *conditions).values(**values),
        execution_options={"synchronize_session": False},
    )
    db.session.refresh(obj)
    return result.rowcount == 1


def prune(model, *conditions, batch: int | None = 500) -> None:
    """Delete (up to `batch`) rows matching `conditions`, skipping rows another transaction holds.

    Bookkeeping deletes run inside ordinary requests (login attempts taken back, old counters).
    Two logins of one account deleted each other's attempt rows in opposite orders and
    PostgreSQL killed one as a deadlock. A row locked elsewhere is being deleted or written by
    that transaction; it is left for the next prune. SQLite has one writer at a time and
    ignores the row-lock clause.
    """
    keys = list(model.__table__.primary_key.columns)
    chosen = select(*keys).where(*conditions).limit(batch).with_for_update(skip_locked=True)
    target = keys[0] if len(keys) == 1 else tuple_(*keys)
    db.session.execute(
        delete(model).where(target.in_(chosen)), execution_options={"synchronize_session": False}
    )
