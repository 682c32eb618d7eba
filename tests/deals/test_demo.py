"""Sample deals for the demo site: built from published listings, once, and visible in the funnel."""

from sqlalchemy import func, select

from marketplace.common.timeutil import beijing_today
from marketplace.deals.funnel import compute_funnel
from marketplace.deals.models import Deal, Inquiry
from marketplace.extensions import db
from tests.deals.factories import make_demand, make_result
from tests.factories import login


def test_seed_demo_deals_once(app, world, runner, client):
    with app.app_context():
        for n in range(8):
            make_demand(world.enterprise, technology_field="电子信息", title=f"示例需求{n}")
            make_result(world.university, technology_field="电子信息")
    result = runner.invoke(args=["deals", "seed-demo"])
    assert result.exit_code == 0 and "示例对接意向 8 条" in result.output
    assert "跳过" in runner.invoke(args=["deals", "seed-demo"]).output
    with app.app_context():
        statuses = dict(
            db.session.execute(select(Inquiry.status, func.count()).group_by(Inquiry.status)).all()
        )
        assert statuses == {"pending": 2, "accepted": 5, "declined": 1}
        stages = set(db.session.scalars(select(Deal.stage)))
        assert stages == {"contact", "negotiating", "agreed", "closed"}
        assert any(d.broker_org_id == world.broker.organisation_id for d in db.session.scalars(select(Deal)))
        funnel = compute_funnel(beijing_today().year)
        last = compute_funnel(beijing_today().year - 1)
        assert funnel.totals["shown"] + last.totals["shown"] > 0
        login(client, world.university)
    page = client.get("/deals/?tab=received").get_data(as_text=True)
    assert "超过7天未答复" in page
