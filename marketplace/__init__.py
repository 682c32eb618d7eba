"""石家庄科技成果转化服务广场: the application factory."""

from pathlib import Path

from flask import Flask, request

BASE_DIR = Path(__file__).resolve().parent.parent


def create_app(test_config=None) -> Flask:
    """Create the app: settings, extensions, blueprints, CLI and error pages."""
    from config import Config

    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
    )
    config = test_config if test_config is not None else Config()
    app.config.from_object(config)
    _refuse_unsafe_settings(app)
    _trust_proxies(app)
    _register_input_parsing(app)
    Path(app.config["INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)
    app.instance_path = app.config["INSTANCE_DIR"]

    _import_models()
    _init_extensions(app)
    _register_blueprints(app)
    _register_hooks(app)
    _register_cli(app)
    return app


def _refuse_unsafe_settings(app: Flask) -> None:
    """On PostgreSQL the site may run on several hosts, which must share one secret key.

    A key generated into each host's instance folder would differ between hosts, and sessions and
    CSRF tokens would fail whenever a proxy alternates them; so PostgreSQL requires SECRET_KEY.
    """
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgresql") and not app.testing and not app.config.get("SECRET_KEY_GIVEN"):
        raise RuntimeError(
            "在 PostgreSQL 上运行时必须设置环境变量 SECRET_KEY（各主机相同，至少 32 个随机字符），"
            "否则多台主机之间的登录与表单校验会失效。"
            " SECRET_KEY must be set when running on PostgreSQL (the same on every host); "
            "see docs/operations.md."
        )


def _trust_proxies(app: Flask) -> None:
    """Behind PROXY_COUNT reverse proxies, take the client's address and scheme from their headers."""
    count = app.config.get("PROXY_COUNT", 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def _register_input_parsing(app: Flask) -> None:
    """Bound what the outside can send: ids in URLs (before any route exists), numbers in JSON."""
    from marketplace.common.json_input import BoundedJSONProvider
    from marketplace.common.routing import IdConverter

    app.url_map.converters["int"] = IdConverter
    app.json = BoundedJSONProvider(app)


def _import_models() -> None:
    """Import every feature's models so that metadata, migrations and mappers see them all."""
    import marketplace.accounts.models
    import marketplace.brokers.models
    import marketplace.common.audit
    import marketplace.common.counters
    import marketplace.common.mail_outbox
    import marketplace.common.maintenance
    import marketplace.contracts.models
    import marketplace.deals.models
    import marketplace.events.models
    import marketplace.listings.models
    import marketplace.notices.models
    import marketplace.organisations.models
    import marketplace.policy.models
    import marketplace.search.models  # noqa: F401
    import marketplace.stats.facts
    import marketplace.stats.models  # noqa: F401


def _init_extensions(app: Flask) -> None:
    from marketplace.extensions import babel, csrf, db, login_manager, migrate

    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _tune_sqlite(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    from flask_babel import gettext

    from marketplace.common.i18n import DEFAULT_LOCALE, N_, select_locale

    babel.init_app(app, default_locale=DEFAULT_LOCALE, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = N_("请先登录后再访问该页面")
    login_manager.localize_callback = gettext  # flashed in the visitor's language
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"

    from marketplace.accounts.models import User
    from marketplace.common.validators import parse_id

    @login_manager.user_loader
    def load_user(user_id: str):
        # The id carries the session version, so a password change ends other sessions.
        raw_id, _, version = user_id.partition(":")
        if parse_id(raw_id) is None:
            return None
        user = db.session.get(User, parse_id(raw_id))
        if user is None or str(user.session_version) != version or user.is_disabled:
            return None
        return user


def _tune_sqlite(app: Flask) -> None:
    from sqlalchemy import event

    from marketplace.extensions import db

    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "connect")
        def set_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            # WAL lets readers go on while one writer commits; the timeout waits for that writer.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.close()


def _register_blueprints(app: Flask) -> None:
    from marketplace.accounts.views import bp as accounts_bp
    from marketplace.admin.views import bp as admin_bp
    from marketplace.api import openapi  # noqa: F401  (registers the openapi route)
    from marketplace.api.core import bp as api_bp
    from marketplace.brokers import api as brokers_api  # noqa: F401  (adds routes to the API blueprint)
    from marketplace.brokers.views import bp as brokers_bp
    from marketplace.contracts import api as contracts_api  # noqa: F401  (adds routes to the API blueprint)
    from marketplace.contracts.views import bp as contracts_bp
    from marketplace.deals import api as deals_api  # noqa: F401  (adds routes to the API blueprint)
    from marketplace.deals.views import bp as deals_bp
    from marketplace.events import api as events_api  # noqa: F401  (adds routes to the API blueprint)
    from marketplace.events import manage as events_manage  # noqa: F401  (organiser routes on events_bp)
    from marketplace.events.views import bp as events_bp
    from marketplace.listings import api as listings_api  # noqa: F401  (adds routes to the API blueprint)
    from marketplace.listings.import_views import bp as listing_imports_bp
    from marketplace.listings.views import bp as listings_bp
    from marketplace.main.views import bp as main_bp
    from marketplace.notices.views import bp as notices_bp
    from marketplace.organisations.views import bp as organisations_bp
    from marketplace.policy.views import bp as policy_bp
    from marketplace.search import api as search_api  # noqa: F401  (routes on the API blueprint)
    from marketplace.search.views import bp as search_bp
    from marketplace.stats import api as stats_api  # noqa: F401  (adds routes to the api blueprint)
    from marketplace.stats.views import bp as stats_bp

    for blueprint in (
        main_bp,
        accounts_bp,
        organisations_bp,
        admin_bp,
        notices_bp,
        listings_bp,
        listing_imports_bp,
        contracts_bp,
        deals_bp,
        events_bp,
        stats_bp,
        search_bp,
        brokers_bp,
        policy_bp,
        api_bp,
    ):
        app.register_blueprint(blueprint)


def _register_hooks(app: Flask) -> None:
    from marketplace.brokers import subscribers as brokers_subscribers  # noqa: F401  (follow training check-ins)
    from marketplace.common import filters
    from marketplace.common.audit import current_ip
    from marketplace.common.errors import register_error_handlers
    from marketplace.common.security import register_input_guards, register_security_headers
    from marketplace.deals import subscribers as deals_subscribers  # noqa: F401  (follow contract signals)
    from marketplace.stats import subscribers as stats_subscribers  # noqa: F401  (follow contract signals)

    register_error_handlers(app)
    register_security_headers(app)
    register_input_guards(app)
    filters.register(app)

    @app.before_request
    def remember_ip():
        current_ip.set(request.remote_addr)

    @app.teardown_request
    def rollback_leftovers(exc):
        # A request that failed half-way must not leave a transaction open on the connection.
        if exc is not None:
            from marketplace.extensions import db

            db.session.rollback()

    @app.teardown_appcontext
    def release_session(exc):
        # Runs before Flask-SQLAlchemy's own teardown: closing a session whose connection the
        # database dropped (a PostgreSQL restart) raises, after the response was chosen, and
        # gunicorn then answered a bare 500. Drop such a session instead; the pool pre-pings.
        import contextlib

        from marketplace.extensions import db

        try:
            db.session.remove()
        except Exception:  # noqa: BLE001 - the connection is gone; nothing to release
            app.logger.warning("Database session could not be closed cleanly; discarded")
            with contextlib.suppress(Exception):
                db.session.registry.clear()


def _register_cli(app: Flask) -> None:
    from marketplace.accounts.cli import users_cli
    from marketplace.deals.cli import deals_cli
    from marketplace.demo.cli import seed_demo_command
    from marketplace.search.cli import search_cli
    from marketplace.stats.cli import stats_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo_command)

    from marketplace.listings.cli import expire_demands_command, import_command

    app.cli.add_command(import_command)
    app.cli.add_command(expire_demands_command)
    app.cli.add_command(deals_cli)
    app.cli.add_command(stats_cli)
    app.cli.add_command(search_cli)
