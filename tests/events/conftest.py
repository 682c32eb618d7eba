import pytest

from marketplace.accounts.services import create_api_token
from marketplace.extensions import db
from tests.events.factories import make_event, with_phone
from tests.factories import make_org, make_user


class World:
    """The bureau, an organising university, two enterprise people and one published event."""

    def __init__(self):
        from tests.deals.factories import make_demand, make_result

        self.bureau = with_phone(make_user(org=make_org("bureau", name="市科技局")))
        self.university = with_phone(make_user(org=make_org("university", name="乙理工大学")))
        self.enterprise = with_phone(make_user(org=make_org("enterprise", name="甲钢铁集团有限公司")))
        self.other = with_phone(make_user(org=make_org("enterprise", name="丁科技有限公司")), "13900000000")
        self.result = make_result(
            self.university, title="耐高温陶瓷膜制备技术", technology_field="新材料及其应用"
        )
        self.hidden_demand = make_demand(self.other, title="焦化废水深度处理", hide_name=True)
        self.event = make_event(self.bureau, capacity=1)
        self.tokens = {
            name: create_api_token(getattr(self, name), "test")
            for name in ("bureau", "university", "enterprise", "other")
        }
        db.session.commit()

    def headers(self, name):
        return {"Authorization": f"Bearer {self.tokens[name]}"}


@pytest.fixture
def world(app):
    with app.app_context():
        return World()
