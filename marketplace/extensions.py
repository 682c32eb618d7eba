"""Extension singletons; bound to an app in create_app() through init_app()."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase
from werkzeug.utils import cached_property

# Stable constraint names so that Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Objects stay readable after commit (for rendering the page that follows); every request
# starts a fresh session, and code that needs current values under concurrency re-reads them.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


class CatalogueBabel(Babel):
    """Flask-Babel reading the `.po` catalogues directly (see marketplace.common.i18n)."""

    @cached_property
    def domain_instance(self):
        from marketplace.common.i18n import CatalogueDomain

        return CatalogueDomain()


babel = CatalogueBabel()
