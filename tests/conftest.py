"""Fixtures: an app per test on a schema built once per run, on SQLite or PostgreSQL.

Building the schema was most of a test's cost, so the run builds it once and each test works
inside one transaction that is rolled back at its end: the session joins the test's connection
with a savepoint, so the code under test commits and rolls back as usual without leaving anything.

A test that needs commits other connections can see (a live server, threads, other processes,
its own engines) is marked `committing`, as is any test that builds apps with `app_factory`; it
gets what every test had before: a database of its own (a copy of the run's empty SQLite file),
or on PostgreSQL the shared schema emptied afterwards. A test that commits into the shared
SQLite database from elsewhere anyway fails, saying so, rather than leave rows for the next ones.

Modules whose tests share costly setup (the permission table's world, a search corpus) use one
such app for the module and a savepoint per test (`module_app`, `undone_after_each_test`).
"""

import os
import shutil
import threading

import pytest
from sqlalchemy import event, text
from werkzeug.routing import Rule

from config import TestConfig
from marketplace import create_app
from marketplace.extensions import db


def _database_of_this_worker(url: str) -> str:
    """Under pytest-xdist each worker gets its own PostgreSQL database (`<name>_gw0`, ...).

    The workers' tests empty and rebuild the schema, so they must not share one; the database is
    created when missing, and TEST_DATABASE_URL is pointed at it for the code under test.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    mine = base.set(database=f"{base.database}_{worker}")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": mine.database})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{mine.database}"'))
    admin.dispose()
    worker_url = mine.render_as_string(hide_password=False)
    os.environ["TEST_DATABASE_URL"] = worker_url
    return worker_url


def _build_url_builders_when_first_used() -> None:
    """Let werkzeug write a route's url_for builder when a URL of it is first built, not at startup.

    An app per test made creating apps a tenth of a second each, nine tenths of it compiling two
    builder functions for each of the 193 routes, of which a test uses a handful. The builder is
    the very function werkzeug would have made, compiled at its first use instead.
    """
    compile_builder = Rule._compile_builder

    def lazy_builder(rule, append_unknown=True):
        built = None

        def build(bound_rule, *args, **kwargs):
            nonlocal built
            if built is None:
                built = compile_builder(rule, append_unknown)
            return built(bound_rule, *args, **kwargs)

        return build

    Rule._compile_builder = lazy_builder


_build_url_builders_when_first_used()
PG_URL = _database_of_this_worker(os.environ.get("TEST_DATABASE_URL", ""))
_pg_schema_ready = False


def _reset_postgres_schema() -> None:
    """Create the schema once per run on PostgreSQL; committing tests then only empty the tables."""
    global _pg_schema_ready
    if not _pg_schema_ready:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.create_all()
        _pg_schema_ready = True


def _empty_postgres_tables() -> None:
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def make_test_app(tmp_path, **overrides):
    config = TestConfig(tmp_path / "instance")
    for key, value in overrides.items():
        setattr(config, key, value)
    app = create_app(config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _no_waiting_for_the_disk)
    return app


def _no_waiting_for_the_disk(dbapi_connection, _record) -> None:
    """A test database never has to survive a power cut: SQLite need not wait for each write to land."""
    dbapi_connection.execute("PRAGMA synchronous=OFF")


class RunDatabases:
    """The run's databases on SQLite: an empty one to copy, and one the rolled-back tests share."""

    def __init__(self, folder) -> None:
        self.empty = folder / "empty.db"
        self.shared = folder / "shared.db"

    def restore_shared(self) -> None:
        """Make the shared database empty again (no connection may be open on it)."""
        for leftover in (self.shared.with_name("shared.db-wal"), self.shared.with_name("shared.db-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(self.empty, self.shared)


@pytest.fixture(scope="session")
def run_databases(tmp_path_factory) -> RunDatabases | None:
    """Build the schema once for the run; None on PostgreSQL, where the schema is TEST_DATABASE_URL's."""
    folder = tmp_path_factory.mktemp("schema")
    databases = None if PG_URL else RunDatabases(folder)
    app = make_test_app(
        folder, **({} if PG_URL else {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{databases.empty}"})
    )
    with app.app_context():
        if PG_URL:
            _reset_postgres_schema()
        else:
            db.create_all()
        db.engine.dispose()
    if databases:
        databases.restore_shared()
    # Every test's session joins its connection's transaction; an engine-bound session ignores it.
    db.session.session_factory.configure(join_transaction_mode="create_savepoint")
    return databases


def _commits(request) -> bool:
    """Whether the test commits for real: marked so, or it builds apps whose engines commit."""
    return request.node.get_closest_marker("committing") is not None or "app_factory" in request.fixturenames


def _begin_sqlite_transactions_explicitly(engine) -> None:
    """Let SQLAlchemy, not the sqlite3 module, emit BEGIN, so that savepoints nest properly.

    The recipe of SQLAlchemy's SQLite dialect notes ("Serializable isolation / Savepoints").
    """

    @event.listens_for(engine, "connect")
    def no_implicit_begin(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def begin(conn):
        conn.exec_driver_sql("BEGIN")


def _same_thread_only(connection) -> None:
    """Fail clearly when another thread uses the test's one connection (the test must be `committing`)."""
    owner = threading.get_ident()

    @event.listens_for(connection, "before_cursor_execute")
    def check(*_args):
        if threading.get_ident() != owner:
            raise RuntimeError("a test that uses the database from other threads must be marked committing")


def _rows_per_table(connection) -> tuple:
    """How many rows each table holds, in one query (cheap on the near-empty shared database)."""
    counts = ", ".join(f'(SELECT count(*) FROM "{table.name}")' for table in db.metadata.sorted_tables)
    return tuple(connection.exec_driver_sql(f"SELECT {counts}").one())


@pytest.fixture
def app(request, tmp_path, run_databases):
    if _commits(request):
        yield from _committing_app(tmp_path, run_databases)
    else:
        yield from _rolled_back_app(tmp_path, run_databases)


def _committing_app(tmp_path, run_databases, **overrides):
    """As every test had before: a database of its own (SQLite), or the shared schema emptied after.

    A module may yield from it in a module-scoped `app` fixture to share one such database.
    """
    if run_databases:
        instance = tmp_path / "instance"
        instance.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(run_databases.empty, instance / "test.db")
    app = make_test_app(tmp_path, **overrides)
    yield app
    with app.app_context():
        db.session.remove()
        if PG_URL:
            _empty_postgres_tables()
        db.engine.dispose()


def _rolled_back_app(tmp_path, run_databases):
    """An app whose every session works inside one transaction on one connection, rolled back after."""
    app = make_test_app(tmp_path, SQLALCHEMY_DATABASE_URI=PG_URL or f"sqlite:///{run_databases.shared}")
    with app.app_context():
        engine = db.engine
        if not PG_URL:
            _begin_sqlite_transactions_explicitly(engine)
        connection = engine.connect()
        outer = connection.begin()
        rows_before = None if PG_URL else _rows_per_table(connection)
        _same_thread_only(connection)
        # Flask-SQLAlchemy's sessions ask db.engines for their bind: every session of this app,
        # in the test and in its requests, now works on this connection.
        db.engines[None] = connection
    yield app
    with app.app_context():
        db.session.remove()
        db.engines[None] = engine
    outer.rollback()
    # Rows left after the rollback were committed elsewhere: by another connection or process given
    # the database's address, or by SQLite itself (after some errors it ends the transaction, and
    # then releasing a savepoint commits).
    leaked = rows_before is not None and _rows_per_table(connection) != rows_before
    connection.close()
    engine.dispose()
    if leaked:
        run_databases.restore_shared()  # the next tests start empty again
        pytest.fail("the test committed into the shared test database: mark it committing")


def module_app(tmp_path_factory, run_databases, name: str):
    """A rolled-back app for a whole module, for modules whose tests share costly setup.

    Use it from a module-scoped `app` fixture, with `undone_after_each_test` in an autouse one.
    """
    yield from _rolled_back_app(tmp_path_factory.mktemp(name), run_databases)


def undone_after_each_test(app):
    """Run a test inside a savepoint of the module app's transaction, rolled back after it.

    What the test creates or changes in the database never reaches the next test; files (the
    search index, uploads) are the module's, so share an app only where no test reads what
    another wrote there.
    """
    with app.app_context():
        connection = db.engines[None]
    savepoint = connection.begin_nested()
    yield
    with app.app_context():
        db.session.remove()
    savepoint.rollback()


@pytest.fixture
def app_factory(tmp_path):
    """Build extra apps with other settings; their connections are closed after the test."""
    made = []

    def build(**overrides):
        made.append(make_test_app(tmp_path / f"app{len(made)}", **overrides))
        return made[-1]

    yield build
    for extra in made:
        with extra.app_context():
            db.session.remove()
            db.engine.dispose()
    if PG_URL and made:
        with made[0].app_context():
            _empty_postgres_tables()  # they committed into the run's schema
            db.engine.dispose()


@pytest.fixture
def app_ctx(app):
    """Run the test body inside an app context (for services and factories)."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# The longest files go first, so that with `-n 2 --dist loadfile` no worker is left running one
# long file while the other has finished (a late long file added a minute to `make test`). The
# order inside each file is kept: some files read what their earlier tests stored.
LONG_FILES_FIRST = (
    "tests/security/",
    "tests/browser/",
    "tests/listings/test_demo_seed.py",
    "tests/test_permissions.py",
    "tests/search/",
    "tests/contracts/",
)


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return next(
            (i for i, prefix in enumerate(LONG_FILES_FIRST) if path.startswith(prefix)), len(LONG_FILES_FIRST)
        )

    items.sort(key=rank)  # stable: files and the tests in them keep their order within a rank
