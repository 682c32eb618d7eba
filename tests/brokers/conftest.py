"""Fixtures for the broker directory: a transfer institution's broker, an enterprise with a demand,
a university with a result, and the bureau."""

import io
from dataclasses import dataclass

import pytest
from flask import g
from werkzeug.datastructures import FileStorage

from marketplace.accounts.models import User
from marketplace.brokers.services import ProfileData
from tests.deals.factories import make_demand, make_result
from tests.factories import make_org, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Cast:
    broker: User  # works for a 技术转移机构
    enterprise: User
    university: User
    bureau: User
    demand: object
    result: object


@pytest.fixture(autouse=True)
def fresh_login_per_request(app):
    """Forget the previous request's user (the tests share one app context and `g`)."""

    @app.before_request
    def forget_user():
        g.pop("_login_user", None)


@pytest.fixture
def cast(app_ctx) -> Cast:
    enterprise = make_user(org=make_org("enterprise", name="甲装备制造有限公司"))
    university = make_user(org=make_org("university", name="乙理工大学"))
    return Cast(
        broker=make_user(org=make_org("broker", name="丙技术转移中心"), name="张经纪"),
        enterprise=enterprise,
        university=university,
        bureau=make_user("bureau"),
        demand=make_demand(enterprise, title="高强度齿轮热处理工艺", technology_field="先进制造"),
        result=make_result(university, title="齿轮渗碳淬火变形控制技术", technology_field="先进制造"),
    )


def pdf(name: str = "certificate.pdf", data: bytes = PDF) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type="application/pdf")


def profile_data(**overrides) -> ProfileData:
    from datetime import date

    values = {
        "name": "张经纪",
        "level": "intermediate",
        "certificate_number": "JJR2024-0001",
        "certificate_issuer": "河北省技术市场协会",
        "certificate_date": date(2024, 5, 1),
        "fields": ["先进制造", "新材料及其应用"],
        "regions": ["130104", "130108"],
        "introduction": "专注装备制造领域的技术转移",
    }
    values.update(overrides)
    return ProfileData(**values)
