"""Compare-and-set on one row: a state change applies only while the state it was decided on holds."""

from sqlalchemy import update

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
