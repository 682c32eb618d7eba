"""Template filters and globals: money, dates, labels, permissions."""

from flask import Flask
from flask_babel import gettext
from flask_login import current_user

from marketplace.common import domain, i18n, kinds, money
from marketplace.common.ipc_titles import subclass_title
from marketplace.common.permissions import can
from marketplace.common.roles import Role
from marketplace.common.timeutil import to_beijing


def _datetime(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    local = to_beijing(value)
    return local.strftime(fmt) if local else ""


def _date(value) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def filesize(size: int | None) -> str:
    """Show a byte count the way people read it: 512 字节, 3.4 KB, 2.1 MB."""
    size = size or 0
    if size < 1024:
        return gettext("%(n)s 字节", n=size)
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def region(code: str | None) -> str:
    """A region's name in the interface language (the code itself when unknown)."""
    return i18n.tr(domain.region_label(code))


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        yuan=money.format_yuan,
        wan=money.format_wan,
        wan_exact=money.format_wan_exact,
        datetime=_datetime,
        date=_date,
        region=region,
        filesize=filesize,
        ipc_subclass_title=subclass_title,
        tr=i18n.tr,
    )

    @app.context_processor
    def inject():
        return {
            "can": lambda action, obj=None: can(current_user, action, obj),
            # Templates compare roles against the enum too (`current_user.role == Role.BUREAU`).
            "Role": Role,
            "ORG_TYPES": domain.ORG_TYPES,
            "KIND_LABELS": kinds.KIND_LABELS,
            "KIND_SEGMENTS": kinds.SEGMENTS,
            "site_name": gettext("石家庄科技成果转化服务广场"),
            "LANGUAGES": i18n.LANGUAGES,
            "current_language": i18n.current_language(),
            "demo_banner": app.config.get("DEMO_BANNER", False),
        }
