"""Background work after a request (imports, match computation) without a separate broker.

Work runs in a daemon thread with its own app context and database session, so a request never
waits for it. State that must survive a crash belongs in the database (a job row, an outbox),
never only in the thread. With TASKS_EAGER set (the test suite), work runs at once, inline.
"""

import threading
from collections.abc import Callable

from flask import Flask, current_app


def run_in_background(func: Callable, *args, app: Flask | None = None, **kwargs) -> threading.Thread | None:
    """Run func(*args, **kwargs) in an app context, in a thread (or inline when eager)."""
    app = app or current_app._get_current_object()
    if app.config.get("TASKS_EAGER"):
        _run(app, func, args, kwargs)
        return None
    thread = threading.Thread(target=_run, args=(app, func, args, kwargs), daemon=True)
    thread.start()
    return thread


def _run(app: Flask, func: Callable, args, kwargs) -> None:
    from marketplace.extensions import db

    with app.app_context():
        try:
            func(*args, **kwargs)
        except Exception:
            db.session.rollback()
            app.logger.exception("Background task %s failed", getattr(func, "__name__", func))
        finally:
            db.session.remove()
