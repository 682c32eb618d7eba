"""Settings a multi-host deployment cannot do without."""

import pytest

from config import Config
from marketplace import create_app

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/not_used"


def _config(tmp_path, monkeypatch, secret: str | None) -> Config:
    if secret is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", secret)
    config = Config(tmp_path / "instance")
    config.SQLALCHEMY_DATABASE_URI = PG
    return config


def test_postgresql_without_a_secret_key_refuses_to_start(tmp_path, monkeypatch):
    with pytest.raises(RuntimeError, match="SECRET_KEY") as refused:
        create_app(_config(tmp_path, monkeypatch, None))
    assert "必须设置环境变量 SECRET_KEY" in str(refused.value)


def test_postgresql_with_a_secret_key_starts_and_uses_it(tmp_path, monkeypatch):
    app = create_app(_config(tmp_path, monkeypatch, "k" * 48))
    assert app.config["SECRET_KEY"] == "k" * 48


def test_sqlite_needs_no_setting(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = Config(tmp_path / "instance")
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'x.db'}"
    app = create_app(config)
    assert len(app.config["SECRET_KEY"]) >= 32


def test_behind_one_proxy_the_visitors_address_is_used(tmp_path, monkeypatch):
    config = Config(tmp_path / "instance")
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'x.db'}"
    config.PROXY_COUNT = 1
    app = create_app(config)

    @app.route("/_addr")
    def _addr():
        from flask import request

        return f"{request.remote_addr} {request.scheme}"

    seen = app.test_client().get(
        "/_addr", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    )
    assert seen.get_data(as_text=True) == "203.0.113.7 https"
    config.PROXY_COUNT = 0
    direct = create_app(config)
    direct.add_url_rule("/_addr", view_func=_addr)
    assert (
        direct.test_client()
        .get("/_addr", headers={"X-Forwarded-For": "203.0.113.7"})
        .get_data(as_text=True)
        .startswith("127.0.0.1")
    )
