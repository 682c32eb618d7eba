import pytest

from marketplace.accounts.services import create_api_token
from marketplace.extensions import db
from tests.factories import make_org, make_user


class World:
    """An enterprise, a university that owns a result and a patent, a broker and an outsider."""

    def __init__(self):
        from tests.deals.factories import make_patent, make_result

        self.enterprise = make_user(
            org=make_org("enterprise", name="甲钢铁集团有限公司", contact_phone="0311-1111")
        )
        self.university = make_user(org=make_org("university", name="乙理工大学", contact_phone="0311-2222"))
        self.broker = make_user(org=make_org("broker", name="丙技术转移中心"))
        self.outsider = make_user(org=make_org("enterprise", name="丁科技有限公司"))
        self.bureau = make_user(org=make_org("bureau", name="市科技局"))
        self.result = make_result(self.university, private_details="核心工艺参数：烧结温度 1350℃")
        self.patent = make_patent(self.university, private_details="专利许可底价 80 万元")
        self.tokens = {}
        for name in ("enterprise", "university", "broker", "outsider", "bureau"):
            self.tokens[name] = create_api_token(getattr(self, name), "test")
        db.session.commit()

    def headers(self, name):
        return {"Authorization": f"Bearer {self.tokens[name]}"}


@pytest.fixture
def world(app):
    with app.app_context():
        return World()
