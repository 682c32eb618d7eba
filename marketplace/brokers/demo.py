"""Sample broker profiles for the demo site: several listed brokers, one awaiting review, one help
request. Run after the demo organisations, users, listings and deals; safe to run again.

The demo broker's sample introductions (inquiries the deals demo made for its organisation) are
recorded as sent by that person, so its profile shows a record computed like any other.
"""

from datetime import date, timedelta

from sqlalchemy import select, update

from marketplace.accounts.cli import ensure_user
from marketplace.accounts.models import User
from marketplace.brokers.models import BrokerField, BrokerProfile, BrokerRegion, BrokerRequest
from marketplace.common.timeutil import utcnow
from marketplace.deals.models import Inquiry
from marketplace.extensions import db
from marketplace.listings.models import Demand
from marketplace.organisations.models import Organisation

PASSWORD = "Demo2026sjz"
# (e-mail, name, organisation, level, status, fields, districts, introduction)
PEOPLE = [
    (
        "broker@demo.sjz.cn",
        "演示技术经纪人",
        "石家庄冀科技术转移服务有限公司",
        "senior",
        "verified",
        ["生物、医药和医疗器械", "新材料及其应用"],
        ["130102", "130104", "130108", "130109"],
        "【示例】从事技术转移八年，熟悉医药与新材料成果的许可和作价入股，促成多项校企合作。",
    ),
    (
        "broker2@demo.sjz.cn",
        "【示例】李经纪",
        "石家庄冀科技术转移服务有限公司",
        "intermediate",
        "verified",
        ["先进制造", "现代交通"],
        ["130105", "130110", "130111"],
        "【示例】装备制造企业技术需求梳理、专利检索与转让谈判。",
    ),
    (
        "broker3@demo.sjz.cn",
        "【示例】王经纪",
        "京津冀协同技术转移促进中心（石家庄）",
        "intermediate",
        "verified",
        ["电子信息", "新能源与高效节能"],
        ["130100", "130104", "130123", "130131"],
        "【示例】对接京津高校院所的电子信息与新能源成果，服务正定、平山等县域企业。",
    ),
    (
        "broker4@demo.sjz.cn",
        "【示例】赵经理人",
        "石家庄理工学院",
        "junior",
        "verified",
        ["先进制造", "新材料及其应用"],
        ["130110"],
        "【示例】学校技术转移办公室技术经理人，负责本校专利的许可与转让。",
    ),
    (
        "broker5@demo.sjz.cn",
        "【示例】陈经纪",
        "京津冀协同技术转移促进中心（石家庄）",
        "junior",
        "pending",
        ["环境保护与资源综合利用", "农业"],
        ["130183", "130184"],
        "【示例】新登记，等待科技局审核资质。",
    ),
]


def _profile(user: User, org: Organisation, spec: tuple, index: int) -> BrokerProfile:
    _email, name, _org, level, status, fields, regions, intro = spec
    now = utcnow()
    profile = BrokerProfile(
        user_id=user.id,
        organisation_id=org.id,
        name=name,
        level=level,
        certificate_number=f"JJR-DEMO-{2020 + index % 5}{index:04d}",
        certificate_issuer="【示例】河北省技术市场协会",
        certificate_date=date(2021 + index % 4, 3 + index, 15),
        introduction=intro,
        status=status,
        submitted_at=now - timedelta(days=60 - index),
        reviewed_at=now - timedelta(days=50 - index) if status == "verified" else None,
    )
    profile.field_rows = [BrokerField(field=f) for f in fields]
    profile.region_rows = [BrokerRegion(region_code=code) for code in regions]
    db.session.add(profile)
    return profile


def seed_demo_brokers(progress=print) -> int:
    """Create the sample profiles that do not exist yet and one help request.

    Training hours are not made up here: the events demo checks people in at a past 培训, and the
    training signal records their hours (marketplace/brokers/subscribers.py).
    """
    made = 0
    profiles: dict[str, BrokerProfile] = {}
    for index, spec in enumerate(PEOPLE, start=1):
        email, name, org_name = spec[0], spec[1], spec[2]
        org = db.session.scalar(select(Organisation).where(Organisation.name == org_name))
        if org is None:
            continue
        user, _ = ensure_user(email, PASSWORD, org.org_type, org.name, name=name)
        profile = db.session.scalar(select(BrokerProfile).where(BrokerProfile.user_id == user.id))
        if profile is None:
            profile = _profile(user, org, spec, index)
            made += 1
        profiles[email] = profile
    db.session.flush()
    lead = profiles.get("broker@demo.sjz.cn")
    if lead is not None:
        # The deals demo's introductions by this organisation were this person's work.
        db.session.execute(
            update(Inquiry)
            .where(Inquiry.introducer_org_id == lead.organisation_id, Inquiry.sent_by_id.is_(None))
            .values(sent_by_id=lead.user_id)
        )
        _help_request(lead)
    progress(f"示例技术经纪人 {made} 位")
    return made


def _help_request(profile: BrokerProfile) -> None:
    if db.session.scalar(select(BrokerRequest.id).where(BrokerRequest.profile_id == profile.id)):
        return
    enterprise = db.session.scalar(select(User).where(User.email == "enterprise@demo.sjz.cn"))
    if enterprise is None or enterprise.organisation_id is None:
        return
    demand = db.session.scalar(
        select(Demand)
        .where(Demand.organisation_id == enterprise.organisation_id, Demand.status == "published")
        .order_by(Demand.id)
    )
    if demand is None:
        return
    db.session.add(
        BrokerRequest(
            profile_id=profile.id,
            demand_id=demand.id,
            requester_org_id=enterprise.organisation_id,
            requested_by_id=enterprise.id,
            message="【示例】希望经纪人帮助寻找可许可的成熟技术，并协助谈判许可条件。",
            status="pending",
            open_key=f"{profile.id}:{demand.id}",
            created_at=utcnow() - timedelta(days=1),
        )
    )
