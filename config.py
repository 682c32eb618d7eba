"""Settings for the marketplace; every value can be set from the environment."""

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", BASE_DIR / "instance"))


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def load_secret_key(instance_dir: Path) -> str:
    """Return SECRET_KEY from the environment, or one generated once into the instance folder."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Create with 0600 so that only the service account can read the key.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


class Config:
    """Production defaults; read when the app is created, never at import time of the package."""

    def __init__(self, instance_dir: Path | None = None) -> None:
        instance = Path(instance_dir) if instance_dir else INSTANCE_DIR
        self.INSTANCE_DIR = str(instance)
        self.SECRET_KEY = load_secret_key(instance)
        # Hosts that share a database must share the key (sessions, CSRF); see _refuse_unsafe_settings.
        self.SECRET_KEY_GIVEN = bool(os.environ.get("SECRET_KEY"))
        # Reverse proxies in front of the site (1 behind the nginx of deploy/): their X-Forwarded-*
        # headers are then trusted, so login throttling sees each visitor's own address.
        self.PROXY_COUNT = _int("PROXY_COUNT", 0)
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "DATABASE_URL", f"sqlite:///{instance / 'marketplace.db'}"
        )
        self.SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR", str(instance / "search-index"))
        self.UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(instance / "uploads"))
        self.MAIL_DIR = os.environ.get("MAIL_DIR", str(instance / "mail"))
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
        self.MAIL_PORT = _int("MAIL_PORT", 587)
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
        self.MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
        self.MAIL_SENDER = os.environ.get("MAIL_SENDER", "noreply@sjz-kjcg.example.cn")
        # Mail leaves from the outbox table after the commit (see marketplace/common/mail_outbox.py):
        # a web process starts a background drain when it commits mail (MAIL_AUTO_DRAIN, on by
        # default), the worker drains the rest; failures retry after MAIL_RETRY_SECONDS, doubled
        # each time, until MAIL_MAX_ATTEMPTS. MAIL_TIMEOUT bounds one SMTP exchange.
        self.MAIL_AUTO_DRAIN = _bool("MAIL_AUTO_DRAIN", True)
        self.MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 15)
        self.MAIL_RETRY_SECONDS = _int("MAIL_RETRY_SECONDS", 60)
        self.MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 10)
        self.REDIS_URL = os.environ.get("REDIS_URL", "")
        self.SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:5000")
        self.HTTPS = _bool("HTTPS", False)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = self.HTTPS
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.HTTPS
        self.PREFERRED_URL_SCHEME = "https" if self.HTTPS else "http"
        self.MAX_CONTENT_LENGTH = _int("MAX_UPLOAD_MB", 20) * 1024 * 1024
        self.EVIDENCE_MAX_BYTES = _int("EVIDENCE_MAX_MB", 10) * 1024 * 1024
        self.POLICY_ATTACHMENT_MAX_BYTES = _int("POLICY_ATTACHMENT_MAX_MB", 20) * 1024 * 1024
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.WTF_CSRF_ENABLED = True
        self.WTF_CSRF_TIME_LIMIT = None  # a long form must not fail because it took an hour
        self.BABEL_DEFAULT_LOCALE = "zh_CN"
        self.BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
        self.LOGIN_SLOW_AFTER = _int("LOGIN_SLOW_AFTER", 3)
        self.LOGIN_LOCK_AFTER = _int("LOGIN_LOCK_AFTER", 8)
        self.LOGIN_IP_LOCK_AFTER = _int("LOGIN_IP_LOCK_AFTER", 40)
        self.LOGIN_WINDOW_SECONDS = _int("LOGIN_WINDOW_SECONDS", 15 * 60)
        self.LOGIN_SLOW_SECONDS = _int("LOGIN_SLOW_SECONDS", 5)
        self.PASSWORD_RESET_MAX_AGE = _int("PASSWORD_RESET_MAX_AGE", 2 * 3600)
        # Reset mails one account may request per day; more requests get the same answer, no mail.
        self.PASSWORD_RESET_DAILY_LIMIT = _int("PASSWORD_RESET_DAILY_LIMIT", 5)
        self.DEMO_BANNER = _bool("DEMO_BANNER", False)
        self.TASKS_EAGER = _bool("TASKS_EAGER", False)
        self.DEALS_DAILY_INQUIRY_CAP = _int("DEALS_DAILY_INQUIRY_CAP", 20)
        self.DEALS_OVERDUE_DAYS = _int("DEALS_OVERDUE_DAYS", 7)
        # Overrides the calibrated cut-offs (search.ranking.CUTOFFS) for display, notices and statistics.
        self.MATCH_THRESHOLD = (
            float(os.environ["MATCH_THRESHOLD"]) if os.environ.get("MATCH_THRESHOLD") else None
        )
        # Seconds a web process reuses the bureau dashboard's figures (see stats.dashboard).
        self.STATS_CACHE_SECONDS = float(os.environ.get("STATS_CACHE_SECONDS") or 30)
        # What a web process does after committing a listing change: "all" (index it, then store
        # matches), "index" (index only; `flask search sync --watch` stores the matches) or "off".
        drain_mode = os.environ.get("SEARCH_AUTO_DRAIN", "all").strip().lower()
        self.SEARCH_AUTO_DRAIN = {"all": True, "index": "index", "off": False}.get(drain_mode, True)
        # Several web hosts each keep an index and follow the search log (marketplace/search/log.py):
        # a host's cursor is stored under SEARCH_HOST_NAME (the machine's name when empty); a host
        # silent for SEARCH_HOST_TIMEOUT seconds stops holding the log back and rebuilds on return;
        # /healthz answers 503 when this host's index is more than SEARCH_MAX_LAG_SECONDS behind.
        self.SEARCH_HOST_NAME = os.environ.get("SEARCH_HOST_NAME", "")
        self.SEARCH_HOST_TIMEOUT = _int("SEARCH_HOST_TIMEOUT", 24 * 3600)
        self.SEARCH_MAX_LAG_SECONDS = _int("SEARCH_MAX_LAG_SECONDS", 300)
        self.TESTING = False


class TestConfig(Config):
    """Settings for the test suite: a throwaway instance folder and database per test."""

    def __init__(self, instance_dir: Path) -> None:
        super().__init__(instance_dir)
        self.TESTING = True
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "TEST_DATABASE_URL", f"sqlite:///{instance_dir / 'test.db'}"
        )
        self.SEARCH_INDEX_DIR = str(instance_dir / "search-index")
        self.UPLOAD_DIR = str(instance_dir / "uploads")
        self.MAIL_DIR = str(instance_dir / "mail")
        self.MAIL_SERVER = ""
        self.REDIS_URL = ""
        self.WTF_CSRF_ENABLED = False
        self.TASKS_EAGER = True
        self.STATS_CACHE_SECONDS = 0  # a test sees its own changes at once
        # Tests index a handful of listings, whose BM25 scores (and so calibrated match scores)
        # are far below a real index's: show every stored match unless a test sets a cut-off.
        self.MATCH_THRESHOLD = 0.0
