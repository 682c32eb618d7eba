"""The objects the security tests attack: owners with objects of every kind, and intruders.

The owners are the users the permission table's setups (tests/<feature>/permission_rules.py)
create objects for; the intruders hold the same roles in other organisations.
"""

from pathlib import Path

from flask import current_app
from sqlalchemy import select

from marketplace.accounts.services import create_api_token
from marketplace.contracts.models import ContractAttachment, ContractRevision
from marketplace.deals.models import DealMessage, Inquiry
from marketplace.extensions import db
from marketplace.listings.models import Demand, ImportJob, Patent, ResearchResult
from marketplace.notices.models import Notice
from marketplace.organisations.models import Organisation
from tests.factories import make_user
from tests.permission_roles import ORG_ROLES
from tests.test_permissions import FEATURES, RULE_OWNER, RULES, make_role_users

OWNING_ROLES = ("university", "institute", "enterprise", "broker")
# The permission table points these at objects that do not exist; give them real ones.
URL_OVERRIDES = {"notices.open_notice": ("POST", "/notices/{notice}/open")}


def make_world(app) -> dict:
    """Build the owners, their objects, the intruders and the secrets that must not leak."""
    with app.app_context():
        owners, tokens, ids = make_role_users("owner")
        for role in (*ORG_ROLES, "admin"):
            # Distinct names, so that an intruder's own "测试单位12" never matches "测试单位1".
            owners[role].organisation.name = f"被访问方{role}单位"
        db.session.commit()
        by_feature = {}
        for module in FEATURES:
            if hasattr(module, "setup"):
                by_feature[module.__name__] = module.setup(owners)
                db.session.commit()
        ids["notice"] = _notice(owners["enterprise"]).id
        _evidence(owners["university"].organisation)
        db.session.commit()
        intruders = {role: make_user(role) for role in OWNING_ROLES}
        intruder_tokens = {role: create_api_token(user, "intruder") for role, user in intruders.items()}
        db.session.commit()
        secrets = _secrets(owners)
    return {
        "owners": owners,
        "tokens": tokens,
        "ids": ids,
        "by_feature": by_feature,
        "intruders": intruders,
        "intruder_tokens": intruder_tokens,
        "secrets": secrets,
    }


def rule_url(world, endpoint) -> tuple[str, str, frozenset]:
    """The permission table's (method, URL, allowed roles) with the world's objects filled in."""
    method, template, allowed = RULES[endpoint]
    method, template = URL_OVERRIDES.get(endpoint, (method, template))
    placeholders = {**world["ids"], **world["by_feature"].get(RULE_OWNER.get(endpoint), {})}
    return method, template.format(**placeholders), allowed


def _notice(user) -> Notice:
    notice = Notice(
        organisation_id=user.organisation_id, kind="system", title="仅本单位可见的通知标题", url="/deals/"
    )
    db.session.add(notice)
    db.session.flush()
    return notice


def _evidence(org: Organisation) -> None:
    relative = f"evidence/licence-{org.id}.pdf"
    path = Path(current_app.config["UPLOAD_DIR"]) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.4 licence scan of the owner")
    org.evidence_path = relative
    org.evidence_filename = "营业执照扫描件.pdf"
    org.evidence_mimetype = "application/pdf"


def _secrets(owners) -> set[str]:
    """Strings only the owners' side may see; none may reach an intruder."""
    values: set[str] = {"licence scan of the owner", "营业执照扫描件"}
    for model in (Patent, ResearchResult, Demand):
        values.update(db.session.scalars(select(model.private_details)))
    values.update(db.session.scalars(select(ContractRevision.project_name)))
    values.update(db.session.scalars(select(ContractAttachment.filename)))
    values.update(db.session.scalars(select(Inquiry.message)))
    values.update(db.session.scalars(select(DealMessage.body)))
    values.update(db.session.scalars(select(Notice.title)))
    values.update(db.session.scalars(select(ImportJob.filename)))
    values.update(user.organisation.name for user in owners.values() if user.organisation is not None)
    return {value for value in values if value and len(value) >= 4}
