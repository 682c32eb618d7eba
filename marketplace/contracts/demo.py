"""Demo contracts (示例数据): registered ones spread over this year, and a few in review.

Parties are the demo organisations; amounts are invented and the project names say 【示例】.
"""

import io
import random
from datetime import date, timedelta

from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from marketplace.accounts.models import User
from marketplace.common.roles import Role
from marketplace.common.timeutil import beijing_today
from marketplace.contracts import services
from marketplace.contracts.models import RegistrationPoint, RegistrationReviewer, TechContract
from marketplace.contracts.signals import contract_registered
from marketplace.extensions import db
from marketplace.organisations.models import Organisation

DEMO_PDF = b"%PDF-1.4\n% demo contract scan\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PROJECTS = [
    ("transfer", "patent_right", "invention_patent", "{field}专利权转让"),
    ("license", "patent_license", "invention_patent", "{field}专利实施许可"),
    ("development", "commissioned", "technical_secret", "{field}关键技术委托开发"),
    ("development", "cooperative", "none", "{field}联合攻关合作开发"),
    ("service", "technical_service", "none", "{field}技术服务"),
    ("consulting", "other", "none", "{field}技术咨询"),
]


def _scan() -> FileStorage:
    return FileStorage(io.BytesIO(DEMO_PDF), filename="合同扫描件.pdf", content_type="application/pdf")


def seed_demo_contracts(progress=print, count: int = 48) -> int:
    """Register sample contracts once, as the demo broker with the demo bureau reviewing."""
    if db.session.scalar(select(func.count(TechContract.id))):
        progress("已有技术合同，跳过示例合同")
        return 0
    broker = db.session.scalar(select(User).where(User.email == "broker@demo.sjz.cn"))
    reviewer = db.session.scalar(select(User).where(User.email == "bureau@demo.sjz.cn"))
    if broker is None or reviewer is None:
        return 0
    point = RegistrationPoint(region_code="130104", point_code="01", name="石家庄科技大市场技术合同登记点")
    db.session.add(point)
    db.session.flush()
    db.session.add(RegistrationReviewer(user_id=reviewer.id, point_id=point.id))
    sellers = db.session.scalars(
        select(Organisation).where(Organisation.org_type.in_((Role.UNIVERSITY, Role.INSTITUTE)))
    ).all()
    buyers = db.session.scalars(select(Organisation).where(Organisation.org_type == Role.ENTERPRISE)).all()
    rng = random.Random(2026)
    today = beijing_today()
    fields = ["新材料及其应用", "生物、医药和医疗器械", "先进制造", "电子信息", "环境保护与资源综合利用"]
    made = 0
    for n in range(count):
        kind, subtype, ip_type, name = PROJECTS[n % len(PROJECTS)]
        field = fields[n % len(fields)]
        seller, buyer = rng.choice(sellers), rng.choice(buyers)
        amount = (
            rng.choice([30, 50, 80, 120, 200, 350, 600, 1200, 2500]) * 10_000_00 + rng.randrange(0, 100) * 100
        )
        deductions = []
        if kind == "development" and amount > 100 * 10_000_00:
            deductions.append({"category": "equipment", "description": "中试设备", "amount_fen": amount // 5})
        signed = today - timedelta(days=rng.randrange(20, 300))
        data = {
            "project_name": f"【示例】{name.format(field=field.split('、')[0])}",
            "contract_type": kind,
            "subtype": subtype,
            "signed_on": signed.isoformat(),
            "valid_from": signed.isoformat(),
            "valid_to": (signed + timedelta(days=730)).isoformat(),
            "seller": {"org_id": seller.id},
            "buyer": {"org_id": buyer.id},
            "technology_field": field,
            "ip_type": ip_type,
            "contract_amount_fen": amount,
            "deductions": deductions,
        }
        contract = services.create_contract(broker, data)
        services.add_attachment(broker, contract, _scan())
        if n % 12 == 11:
            continue  # a few drafts stay with the broker
        services.submit_contract(broker, contract)
        if n % 12 == 10:
            continue  # and a few wait in the bureau's queue
        services.approve_contract(reviewer, contract)
        # Spread registrations over this year so the monthly trend has a shape; announce the
        # registration again so the statistics count it on the new date.
        contract.registered_on = max(date(today.year, 1, 5), min(today, signed + timedelta(days=15)))
        contract_registered.send(contract)
        made += 1
    db.session.flush()
    progress(f"示例技术合同：登记 {made} 项")
    return made
