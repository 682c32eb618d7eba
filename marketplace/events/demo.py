"""Sample events for the demo site: past and upcoming events of every kind, with presented projects,
registrations and check-ins. Run after the listings and deals are seeded; once only."""

import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.common.timeutil import utcnow
from marketplace.deals.models import Inquiry
from marketplace.events.models import CODE_ALPHABET, Event, EventProject, Registration
from marketplace.events.registration import announce_training
from marketplace.extensions import db
from marketplace.listings.models import Demand, Patent, ResearchResult

# (title, type, days from today, hours long, capacity, place, featured, training hours)
EVENTS = [
    (
        "【示例】新材料与先进制造科技成果路演（第 12 期）",
        "roadshow",
        -30,
        3,
        120,
        "石家庄市科技大厦 3 楼报告厅",
        False,
        None,
    ),
    ("【示例】技术经纪人初级培训班", "training", -14, 6, 60, "石家庄市科学技术局培训中心", False, 6.0),
    (
        "【示例】生物医药产学研供需对接会",
        "matchmaking",
        5,
        4,
        200,
        "石家庄高新区科技创新服务中心",
        True,
        None,
    ),
    ("【示例】石家庄市创新创业大赛复赛", "competition", 20, 8, 300, "河北科技大学大学生活动中心", True, None),
    ("【示例】科技成果转化与知识产权运营论坛", "forum", 10, 3, 500, "", False, None),
    ("【示例】技术合同认定登记实务培训", "training", 12, 4, 80, "石家庄市科学技术局培训中心", True, 4.0),
]
AGENDA = "09:00 签到\n09:30 致辞\n09:45 项目介绍（每项 8 分钟，问答 5 分钟）\n11:30 自由对接\n12:00 结束"


def _beijing_morning(days: int) -> datetime:
    """09:00 Beijing time `days` from today, as stored (naive UTC)."""
    today = (utcnow() + timedelta(hours=8)).date()
    return datetime.combine(today + timedelta(days=days), datetime.min.time()) + timedelta(hours=1)


def _code(taken: set[str]) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if code not in taken:
            taken.add(code)
            return code


def seed_demo_events(progress=print) -> int:
    """Create the sample events once; return how many were made."""
    if db.session.scalar(select(func.count(Event.id))):
        progress("已有活动数据，跳过示例活动")
        return 0
    users = {
        u.email: u
        for u in db.session.scalars(select(User).where(User.email.like("%@demo.sjz.cn")))
        if u.organisation_id
    }
    bureau, university = users.get("bureau@demo.sjz.cn"), users.get("university@demo.sjz.cn")
    if bureau is None:
        progress("没有演示科技局账号，跳过示例活动")
        return 0
    for n, user in enumerate(sorted(users.values(), key=lambda u: u.id)):
        if not user.phone:
            user.phone = f"1380311{n:04d}"
    results = db.session.scalars(
        select(ResearchResult)
        .where(ResearchResult.status == "published")
        .order_by(ResearchResult.id)
        .limit(12)
    ).all()
    patents = db.session.scalars(
        select(Patent).where(Patent.status == "published").order_by(Patent.id).limit(4)
    ).all()
    demands = db.session.scalars(
        select(Demand)
        .where(Demand.status == "published")
        .order_by(Demand.hide_name.desc(), Demand.id)
        .limit(4)
    ).all()
    # Results that already have inquiries are presented at the past roadshow, so the funnel shows them.
    asked = db.session.scalars(
        select(Inquiry)
        .where(Inquiry.kind == "inquiry", Inquiry.result_id.is_not(None))
        .order_by(Inquiry.id)
        .limit(2)
    ).all()
    attendees = sorted(users.values(), key=lambda u: u.id)
    made = 0
    for index, (title, kind, days, hours, capacity, place, featured, training) in enumerate(EVENTS):
        starts = _beijing_morning(days)
        event = Event(
            title=title,
            event_type=kind,
            starts_at=starts,
            ends_at=starts + timedelta(hours=hours),
            place=place,
            online_url="" if place else "https://meeting.example.cn/sjz-forum",
            organiser_name="石家庄市科学技术局" if index != 3 else "石家庄市科学技术局、河北科技大学",
            organisation_id=bureau.organisation_id,
            created_by_id=bureau.id,
            capacity=capacity,
            registration_deadline=starts - timedelta(days=1),
            agenda=AGENDA,
            training_hours=training,
            status="published",
            featured=featured,
            created_at=starts - timedelta(days=20),
            published_at=starts - timedelta(days=20),
        )
        db.session.add(event)
        db.session.flush()
        listings = []
        if index == 0:
            listings = [("result", i.result_id) for i in asked] + [("result", r.id) for r in results[:2]]
        elif kind in ("roadshow", "matchmaking", "competition"):
            listings = [("result", r.id) for r in results[2 + index : 5 + index]]
            listings += [("patent", p.id) for p in patents[:1]] + [("demand", d.id) for d in demands[:2]]
        seen = set()
        for slot, (listing_kind, listing_id) in enumerate(listings):
            if (listing_kind, listing_id) in seen:
                continue
            seen.add((listing_kind, listing_id))
            db.session.add(
                EventProject(
                    event_id=event.id,
                    listing_kind=listing_kind,
                    slot_at=starts + timedelta(minutes=45 + 13 * slot),
                    **{f"{listing_kind}_id": listing_id},
                )
            )
        taken: set[str] = set()
        for number, user in enumerate(attendees):
            # Every fourth person did not come, except the brokers (their profiles show the hours).
            came = days < 0 and (number % 4 != 3 or user.role == "broker")
            db.session.add(
                registration := Registration(
                    event_id=event.id,
                    user_id=user.id,
                    name=user.name,
                    phone=user.phone,
                    note="【示例】",
                    status="registered",
                    code=_code(taken),
                    consent_at=starts - timedelta(days=5, hours=number),
                    queued_at=starts - timedelta(days=5, hours=number),
                    created_at=starts - timedelta(days=5, hours=number),
                    checked_in_at=starts + timedelta(minutes=number) if came else None,
                    checked_in_by_id=bureau.id if came else None,
                )
            )
            if registration.checked_in_at is not None:
                # Attendance at a past 培训 reaches the person's training record the usual way.
                announce_training(event, registration)
        if days < 0:
            db.session.add(
                Registration(
                    event_id=event.id,
                    name="【示例】现场来宾",
                    phone="13700000000",
                    status="registered",
                    walk_in=True,
                    code=_code(taken),
                    consent_at=starts,
                    checked_in_at=starts + timedelta(minutes=20),
                    checked_in_by_id=bureau.id,
                )
            )
        if index == 0:
            for inquiry in asked:
                inquiry.event_id = event.id
        made += 1
    if university is not None:
        starts = _beijing_morning(25)
        db.session.add(
            Event(
                title="【示例】高校科技成果开放日（待审核）",
                event_type="roadshow",
                starts_at=starts,
                ends_at=starts + timedelta(hours=4),
                place="示范高校科技园",
                organiser_name=university.org.name if university.org else "示范高校",
                organisation_id=university.organisation_id,
                created_by_id=university.id,
                capacity=100,
                registration_deadline=starts - timedelta(days=1),
                agenda=AGENDA,
                status="pending",
            )
        )
        made += 1
    db.session.commit()
    progress(f"示例活动 {made} 场")
    return made
