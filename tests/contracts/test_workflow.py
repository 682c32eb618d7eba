"""Every transition of the workflow, allowed and forbidden, per state and per role."""

import pytest
from sqlalchemy import select

from marketplace.common.audit import AuditLog
from marketplace.common.errors import Conflict, PermissionDenied, ValidationError
from marketplace.contracts import services, signals
from marketplace.contracts.models import TechContract
from marketplace.extensions import db
from tests.contracts.conftest import platform_payload
from tests.contracts.factories import make_contract

STATES = ["draft", "submitted", "under_review", "needs_correction", "registered", "refused", "cancelled"]


def drive(cast, state: str) -> TechContract:
    """File a contract as the broker and bring it into `state`."""
    contract = make_contract(cast.broker, platform_payload(cast))
    steps = {
        "draft": [],
        "submitted": ["submit"],
        "under_review": ["submit", "start"],
        "needs_correction": ["submit", "start", "request_changes"],
        "registered": ["submit", "approve"],
        "refused": ["submit", "refuse"],
        "cancelled": ["submit", "approve", "cancel"],
    }[state]
    for step in steps:
        act(cast, contract, step)
        db.session.commit()
    assert contract.workflow_status == state
    return contract


def act(cast, contract, action: str, actor=None):
    """Perform an action as the natural actor (the broker for filing, the reviewer for review)."""
    filer = actor or cast.broker
    reviewer = actor or cast.reviewer
    return {
        "update": lambda: services.update_contract(filer, contract, {"project_name": "改名后的项目"}),
        "submit": lambda: services.submit_contract(filer, contract),
        "amend": lambda: services.open_amendment(filer, contract),
        "start": lambda: services.review_contract(reviewer, contract, "start"),
        "approve": lambda: services.review_contract(reviewer, contract, "approve"),
        "request_changes": lambda: services.review_contract(
            reviewer, contract, "request_changes", comment="请补充盖章页"
        ),
        "refuse": lambda: services.review_contract(
            reviewer, contract, "refuse", ["not_technology_contract", "other"], "属于一般技术产品买卖"
        ),
        "cancel": lambda: services.cancel_contract(reviewer, contract, "合同已解除"),
    }[action]()


# (state, action) -> the contract's workflow status afterwards; missing pairs must be refused (409).
ALLOWED = {
    ("draft", "update"): "draft",
    ("draft", "submit"): "submitted",
    ("submitted", "start"): "under_review",
    ("submitted", "approve"): "registered",
    ("submitted", "request_changes"): "needs_correction",
    ("submitted", "refuse"): "refused",
    ("under_review", "approve"): "registered",
    ("under_review", "request_changes"): "needs_correction",
    ("under_review", "refuse"): "refused",
    ("needs_correction", "update"): "needs_correction",
    ("needs_correction", "submit"): "submitted",
    ("registered", "amend"): "draft",
    ("registered", "cancel"): "cancelled",
}
ACTIONS = ["update", "submit", "amend", "start", "approve", "request_changes", "refuse", "cancel"]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
def test_transition_table(cast, state, action):
    contract = drive(cast, state)
    audits_before = db.session.scalar(
        select(db.func.count())
        .select_from(AuditLog)
        .where(AuditLog.object_id == contract.id, AuditLog.object_type == "tech_contracts")
    )
    expected = ALLOWED.get((state, action))
    if expected is None:
        with pytest.raises(Conflict):
            act(cast, contract, action)
        db.session.rollback()
        assert db.session.get(TechContract, contract.id).workflow_status == state
        return
    act(cast, contract, action)
    db.session.commit()
    fresh = db.session.get(TechContract, contract.id)
    assert fresh.workflow_status == expected
    audits_after = db.session.scalar(
        select(db.func.count())
        .select_from(AuditLog)
        .where(AuditLog.object_id == contract.id, AuditLog.object_type == "tech_contracts")
    )
    # Approving a submitted contract takes it first: two audited steps.
    steps = 2 if (state, action) == ("submitted", "approve") else 1
    assert audits_after == audits_before + steps, "every transition is audited"


FILER_ACTIONS = ["update", "submit", "amend"]
REVIEW_ACTIONS = ["start", "approve", "request_changes", "refuse", "cancel"]
# The state in which each action is allowed, so that only the role decides.
READY = {
    "update": "draft",
    "submit": "draft",
    "amend": "registered",
    "start": "submitted",
    "approve": "submitted",
    "request_changes": "under_review",
    "refuse": "under_review",
    "cancel": "registered",
}


@pytest.mark.parametrize("action", FILER_ACTIONS + REVIEW_ACTIONS)
@pytest.mark.parametrize("who", ["broker", "seller", "buyer", "outsider", "reviewer"])
def test_roles_per_action(cast, action, who):
    contract = drive(cast, READY[action])
    actor = getattr(cast, who)
    # The filing broker and the registering university may file; only the bureau reviews.
    allowed = who in ("broker", "seller") if action in FILER_ACTIONS else who == "reviewer"
    if allowed:
        act(cast, contract, action, actor=actor)
        db.session.commit()
    else:
        with pytest.raises(PermissionDenied):
            act(cast, contract, action, actor=actor)
        db.session.rollback()
        assert db.session.get(TechContract, contract.id).workflow_status == READY[action]


def test_bureau_user_without_a_point_cannot_approve(cast):
    contract = drive(cast, "submitted")
    with pytest.raises(PermissionDenied, match="登记点"):
        services.approve_contract(cast.unassigned, contract)
    db.session.rollback()
    # ...but may take it and send it back.
    services.start_review(cast.unassigned, contract)
    services.request_changes(cast.unassigned, contract, "请补充附件")
    db.session.commit()
    assert contract.status == "needs_correction"


def test_a_contract_taken_by_one_reviewer_cannot_be_decided_by_another(cast, app_ctx):
    from tests.contracts.factories import make_reviewer

    contract = drive(cast, "under_review")
    other = make_reviewer()
    with pytest.raises(Conflict, match="正由"):
        services.approve_contract(other, contract)


def test_refusal_needs_valid_reasons_and_text(cast):
    contract = drive(cast, "under_review")
    for reasons, comment in [([], "说明"), (["made_up"], "说明"), (["other"], "  ")]:
        with pytest.raises(ValidationError):
            services.refuse_contract(cast.reviewer, contract, reasons, comment)
    services.refuse_contract(cast.reviewer, contract, ["seal_problem", "documents_missing"], "印章与名称不符")
    db.session.commit()
    revision = contract.revisions[-1]
    assert revision.refusal_reasons == ["seal_problem", "documents_missing"]
    assert revision.refusal_labels == ["印章缺失或与名称不符", "证明文件缺失或不合规"]
    assert contract.registration_number is None


def test_request_changes_needs_a_comment(cast):
    contract = drive(cast, "submitted")
    with pytest.raises(ValidationError):
        services.request_changes(cast.reviewer, contract, "")


def test_unverified_filer_keeps_drafts_but_cannot_submit(app_ctx, cast):
    from tests.factories import make_user

    unverified = make_user("university", verified=False)
    contract = make_contract(
        unverified, platform_payload(cast, seller={"org_id": unverified.organisation_id})
    )
    assert contract.status == "draft"
    with pytest.raises(PermissionDenied, match="尚未通过认证"):
        services.submit_contract(unverified, contract)


def test_submit_needs_the_signed_contract(cast):
    contract = make_contract(cast.broker, platform_payload(cast), attach=False)
    with pytest.raises(ValidationError, match="上传"):
        services.submit_contract(cast.broker, contract)


def test_amendment_keeps_the_registered_revision_counting(cast):
    contract = drive(cast, "registered")
    number = contract.registration_number
    first = contract.registered_revision
    services.open_amendment(cast.seller, contract)
    db.session.commit()
    services.update_contract(cast.seller, contract, {"contract_amount_fen": 3_000_000_00})
    services.submit_contract(cast.seller, contract)
    db.session.commit()

    def counted():
        return [
            (c.id, r.contract_amount_fen)
            for c, r in db.session.execute(services.registered_contracts_query())
        ]

    assert contract.status == "registered" and contract.pending_revision.status == "submitted"
    assert counted() == [(contract.id, 1_000_000_00)]
    services.approve_contract(cast.reviewer, contract)
    db.session.commit()
    assert counted() == [(contract.id, 3_000_000_00)]
    assert contract.registration_number == number, "an amendment keeps the registration number"
    assert first.status == "superseded" and contract.registered_revision.number == 2
    assert [r.number for r in contract.revisions] == [1, 2]


def test_refused_amendment_leaves_the_registration_alone(cast):
    contract = drive(cast, "registered")
    services.open_amendment(cast.broker, contract)
    services.update_contract(cast.broker, contract, {"contract_amount_fen": 5})
    services.submit_contract(cast.broker, contract)
    services.refuse_contract(cast.reviewer, contract, ["unclear_terms"], "价款不明确")
    db.session.commit()
    assert contract.status == "registered" and contract.pending_revision is None
    assert contract.registered_revision.contract_amount_fen == 1_000_000_00
    # A new amendment may be opened afterwards.
    services.open_amendment(cast.broker, contract)


def test_cancelling_drops_an_open_amendment_and_stops_counting(cast):
    contract = drive(cast, "registered")
    services.open_amendment(cast.broker, contract)
    db.session.commit()
    amendment = contract.pending_revision
    services.cancel_contract(cast.reviewer, contract, "双方解除合同")
    db.session.commit()
    assert amendment.status == "discarded" and contract.status == "cancelled"
    assert db.session.execute(services.registered_contracts_query()).all() == []
    with pytest.raises(ValidationError):
        services.cancel_contract(cast.reviewer, drive(cast, "registered"), "")


def test_registration_hook_runs_on_register_amend_and_cancel(cast):
    calls = []

    def record(c, **_):
        calls.append((c.id, c.status))

    with (
        signals.contract_registered.connected_to(record),
        signals.contract_amended.connected_to(record),
        signals.contract_cancelled.connected_to(record),
    ):
        contract = drive(cast, "registered")
        services.open_amendment(cast.broker, contract)
        services.submit_contract(cast.broker, contract)
        services.approve_contract(cast.reviewer, contract)
        services.cancel_contract(cast.reviewer, contract, "解除")
    assert calls == [(contract.id, "registered"), (contract.id, "registered"), (contract.id, "cancelled")]


def test_timeline_lists_each_transition(cast):
    contract = drive(cast, "needs_correction")
    labels = [label for _entry, _user, label in services.timeline(contract)]
    assert labels == ["创建草稿", "上传附件", "提交", "开始审核", "退回补正"]


def test_status_filter_follows_open_amendments(cast):
    draft = drive(cast, "draft")
    amending = drive(cast, "registered")
    services.open_amendment(cast.broker, amending)
    db.session.commit()

    def ids(status):
        stmt = services.with_workflow_status(services.visible_contracts_stmt(cast.broker), status)
        return sorted(db.session.scalars(stmt).all(), key=lambda c: c.id)

    assert ids("draft") == [draft, amending]
    assert ids("registered") == [amending]
    assert ids("submitted") == []
    assert services.filer_counts(cast.broker) == {"draft": 2, "needs_correction": 0}


def test_amendment_copies_the_registered_content(cast):
    from marketplace.listings.models import Patent

    patent = Patent(title="一种正极材料", organisation_id=cast.seller.organisation_id, status="published")
    db.session.add(patent)
    db.session.commit()
    data = platform_payload(
        cast,
        patent_ids=[patent.id],
        deductions=[{"category": "materials", "description": "原材料", "amount_fen": 500}],
    )
    contract = make_contract(cast.broker, data, submit=True)
    services.approve_contract(cast.reviewer, contract)
    db.session.commit()
    patent.status = "withdrawn"  # withdrawn later: the registered link still stands
    db.session.commit()
    amendment = services.open_amendment(cast.broker, contract)
    db.session.commit()
    registered = contract.registered_revision
    assert amendment.id != registered.id and amendment.number == 2
    assert services.revision_payload(amendment) == services.revision_payload(registered)
    assert amendment.party("seller").org_id == cast.seller.organisation_id
    assert amendment.registrant_org_id == registered.registrant_org_id


@pytest.mark.parametrize(
    ("state", "title", "body"),
    [
        ("needs_correction", "须补正后重新提交", "请补充盖章页"),
        ("registered", "已准予登记", "登记号 "),
        ("refused", "不予登记", "不属于技术合同"),
    ],
)
def test_the_filer_and_the_registering_party_are_told_of_each_decision(cast, state, title, body):
    from marketplace.notices.models import Notice

    contract = drive(cast, state)
    notices = db.session.scalars(select(Notice).where(Notice.kind == "contract")).all()
    # The broker filed for the university (the seller, who registers); the buyer is not told.
    assert {n.organisation_id for n in notices} == {cast.broker.organisation_id, cast.seller.organisation_id}
    for notice in notices:
        assert title in notice.title and body in notice.body and notice.url == f"/contracts/{contract.id}"
