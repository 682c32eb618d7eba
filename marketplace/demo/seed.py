"""Demo data: fictional organisations (marked as samples), one login per role, listings.

The organisations come from marketplace/demo/data/organisations.json (see SOURCES.md there).
"""

import json
from pathlib import Path

from sqlalchemy import select

from marketplace.accounts.cli import ensure_user
from marketplace.accounts.services import NewOrganisation, create_organisation
from marketplace.common.roles import Role
from marketplace.extensions import db
from marketplace.organisations.models import Organisation

DATA_DIR = Path(__file__).parent / "data"
DEMO_PASSWORD = "Demo2026sjz"
BUREAU_NAME = "石家庄市科学技术局"

# (organisation type, e-mail, label); the organisation is the first of that type in the data.
DEMO_LOGINS = [
    (Role.UNIVERSITY, "university@demo.sjz.cn", "高校"),
    (Role.INSTITUTE, "institute@demo.sjz.cn", "科研院所"),
    (Role.ENTERPRISE, "enterprise@demo.sjz.cn", "企业"),
    (Role.BROKER, "broker@demo.sjz.cn", "技术经纪人"),
    (Role.BUREAU, "bureau@demo.sjz.cn", "科技局"),
    (Role.BUREAU, "admin@demo.sjz.cn", "平台管理员"),
]


def load_organisations() -> list[dict]:
    path = DATA_DIR / "organisations.json"
    return json.loads(path.read_text(encoding="utf-8"))


def seed_organisations(records: list[dict]) -> dict[str, Organisation]:
    """Create the demo organisations that do not exist yet; return them by key."""
    by_key: dict[str, Organisation] = {}
    for record in records:
        org = db.session.scalar(select(Organisation).where(Organisation.name == record["name"]))
        if org is None:
            org = create_organisation(
                NewOrganisation(
                    name=record["name"],
                    org_type=record["type"],
                    credit_code=record.get("credit_code") or "",
                    district=record.get("district") or "130100",
                    zone=_zone_key(record.get("zone")),
                    nature_code=record.get("nature_code") or "900",
                    contact_name=record.get("contact_name") or "",
                    contact_phone=record.get("contact_phone") or "",
                    description=record.get("description") or "",
                ),
                verified=True,
            )
            org.is_transfer_institution = record["type"] == Role.BROKER
        by_key[record["key"]] = org
    db.session.flush()
    return by_key


def _zone_key(label: str | None) -> str | None:
    return {"高新区": "high_tech", "循环化工园区": "circular_chem", "综合保税区": "bonded"}.get(label or "")


def seed_demo(progress=print) -> str:
    """Load everything the demo needs; safe to run again."""
    records = load_organisations()
    orgs = seed_organisations(records)
    first_of_type: dict[str, Organisation] = {}
    for record in records:
        first_of_type.setdefault(record["type"], orgs[record["key"]])
    created = 0
    for role, email, label in DEMO_LOGINS:
        org = first_of_type[role]
        _user, made = ensure_user(
            email,
            DEMO_PASSWORD,
            role,
            org.name,
            admin=email.startswith("admin"),
            name=f"演示{label}",
        )
        created += int(made)
    progress(f"演示单位 {len(orgs)} 个，新建演示账号 {created} 个")
    from marketplace.demo.listings import seed_listings

    seed_listings(DATA_DIR, records, orgs, progress)
    from marketplace.deals.demo import seed_demo_deals

    seed_demo_deals(progress=progress)
    from marketplace.contracts.demo import seed_demo_contracts

    seed_demo_contracts(progress=progress)
    from marketplace.events.demo import seed_demo_events

    seed_demo_events(progress=progress)
    from marketplace.brokers.demo import seed_demo_brokers

    seed_demo_brokers(progress=progress)
    from marketplace.policy.demo import seed_demo_policy

    seed_demo_policy(progress=progress)
    return "演示数据已就绪"
