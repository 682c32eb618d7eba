"""Template filters and globals: money, dates, labels, permissions."""

from flask import Flask
from flask_login import current_user

from marketplace.common import domain, money
from marketplace.common.permissions import can
from marketplace.common.timeutil import to_beijing


def _datetime(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    local = to_beijing(value)
    return local.strftime(fmt) if local else ""


def _date(value) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        yuan=money.format_yuan,
        wan=money.format_wan,
        datetime=_datetime,
        date=_date,
        region=domain.region_label,
    )

    @app.context_processor
    def inject():
        return {
            "can": lambda capability: can(current_user, capability),
            "ORG_TYPES": domain.ORG_TYPES,
            "site_name": "石家庄科技成果转化服务广场",
            "demo_banner": app.config.get("DEMO_BANNER", False),
        }
