"""Fixtures for contract tests: the usual cast of a filing and a review."""

from dataclasses import dataclass

import pytest
from flask import g

from marketplace.accounts.models import User
from tests.contracts.factories import make_point, make_reviewer
from tests.factories import make_user


@dataclass
class Cast:
    broker: User  # a 技术转移机构 filing for the university
    seller: User  # a member of the university (the seller and registering party)
    buyer: User  # a member of the buying enterprise
    outsider: User  # an institute that is not party to anything
    reviewer: User  # a bureau reviewer assigned to a registration point
    unassigned: User  # a bureau user without a point


@pytest.fixture(autouse=True)
def fresh_login_per_request(app):
    """Forget the previous request's user, as a new app context would in production.

    These tests keep one app context open for the database, and requests share it (and `g`),
    so without this a second test client would act as the first one's user (or read the first
    request's interface language, which Flask-Babel keeps in `g`).
    """

    @app.before_request
    def forget_user():
        g.pop("_login_user", None)
        g.pop("_flask_babel", None)


@pytest.fixture
def cast(app_ctx) -> Cast:
    point = make_point("130104", "01", "桥西区技术合同登记点")
    return Cast(
        broker=make_user("broker"),
        seller=make_user("university"),
        buyer=make_user("enterprise"),
        outsider=make_user("institute"),
        reviewer=make_reviewer(point),
        unassigned=make_user("bureau"),
    )


def platform_payload(cast: Cast, **overrides) -> dict:
    from tests.contracts.factories import payload

    sides = {
        "seller": {"org_id": cast.seller.organisation_id},
        "buyer": {"org_id": cast.buyer.organisation_id},
    }
    return payload(**{**sides, **overrides})
