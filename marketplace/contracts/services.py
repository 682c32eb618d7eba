"""Contract operations: filing, review, registration numbers, amendments and cancellation.

Services take the acting user and plain values (the API's JSON shape, amounts in 分), check the
rules of DOMAIN.md, change the models and record an audit entry; the caller commits.
"""

import hmac
import re
import secrets
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import User
from marketplace.common.audit import AuditLog, record_audit
from marketplace.common.domain import CAN_FILE_CONTRACTS, DISTRICTS, NATURE_CODES, TECHNOLOGY_FIELDS
from marketplace.common.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.common.money import MAX_FEN, format_wan, format_wan_exact
from marketplace.common.timeutil import beijing_today, utcnow
from marketplace.common.uploads import store_upload, upload_path
from marketplace.common.validators import credit_code_error, normalise_credit_code
from marketplace.contracts.calendar import add_working_days, review_working_days
from marketplace.contracts.models import (
    CALENDAR_KINDS,
    CONTRACT_TYPES,
    DEDUCTION_CATEGORIES,
    DOMESTIC_COUNTRY,
    EDITABLE_STATUSES,
    IN_REVIEW_STATUSES,
    IP_TYPES,
    REFUSAL_REASONS,
    SUBTYPES,
    CalendarDay,
    ContractAttachment,
    ContractDeduction,
    ContractRevision,
    RegistrationCounter,
    RegistrationPoint,
    RegistrationReviewer,
    TechContract,
)
from marketplace.extensions import db
from marketplace.listings.models import Demand, Patent, ResearchResult
from marketplace.notices.services import notify
from marketplace.organisations.models import Organisation

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
MAX_DEDUCTIONS = 50
MAX_SERIAL = 9999
PAYLOAD_FIELDS = (
    "project_name",
    "contract_type",
    "subtype",
    "signed_on",
    "valid_from",
    "valid_to",
    "seller",
    "buyer",
    "technology_field",
    "ip_type",
    "contract_amount_fen",
    "deductions",
    "patent_ids",
    "result_ids",
    "demand_id",
    "deal_id",
    "amount_unit",
)
READ_ONLY_FIELDS = {
    "id",
    "technical_amount_fen",
    "status",
    "registration_number",
    "registered_on",
    "broker",
}
# What an amendment copies from the registered revision.
CONTENT_COLUMNS = (
    "project_name",
    "contract_type",
    "subtype",
    "signed_on",
    "valid_from",
    "valid_to",
    "technology_field",
    "ip_type",
    *(
        f"{side}_{part}"
        for side in ("seller", "buyer")
        for part in ("org_id", "name", "credit_code", "region_code", "nature_code", "country")
    ),
    "registrant_org_id",
    "contract_amount_fen",
    "technical_amount_fen",
    "amount_unit",
    "demand_id",
)
AMOUNT_UNITS = ("yuan", "wan")  # how the filer typed the amounts; stored so forms reopen in it
EARLIEST_SIGNING = date(1980, 1, 1)
MAX_VALID_YEARS = 30
_COUNTRY = re.compile(r"^[A-Z]{3}$")
_REGION = re.compile(r"^[0-9]{6}$")


# --- Hooks and queries for other features ---------------------------------------------------


def on_registration_change(contract: TechContract) -> None:
    """Called inside the transaction when a contract is registered, amended or cancelled.

    The statistics keep one fact per registered contract at the revision that counts (an approved
    amendment replaces it, a cancellation removes it); a registered contract that cites a deal
    moves the deal to `contracted` and credits its broker.
    """
    from marketplace.stats.facts import remove_contract_fact, upsert_contract_fact

    if contract.status == "registered" and contract.registered_revision is not None:
        upsert_contract_fact(contract_fact(contract))
        if contract.deal_id:
            from marketplace.deals.services import on_contract_registered

            on_contract_registered(contract.deal_id, contract.id)
    else:
        remove_contract_fact(contract.id)


def contract_fact(contract: TechContract):
    """Describe a registered contract for the statistics, at its registered revision."""
    from marketplace.stats.facts import ContractFactData

    revision = contract.registered_revision
    seller, buyer = revision.party("seller"), revision.party("buyer")
    registrant = revision.party(registrant_side(revision))
    broker_org = contract.broker.organisation if contract.broker is not None else None
    return ContractFactData(
        contract_id=contract.id,
        registration_number=contract.registration_number or "",
        registered_on=contract.registered_on,
        contract_type=revision.contract_type,
        subtype=revision.subtype,
        technology_field=revision.technology_field,
        seller_name=seller.name,
        seller_org_id=revision.seller_org_id,
        seller_nature_code=seller.nature_code,
        buyer_name=buyer.name,
        buyer_org_id=revision.buyer_org_id,
        buyer_region_code=None if buyer.is_foreign else buyer.region_code,
        buyer_country=revision.buyer_country,
        district=registrant.region_code,
        broker_org_id=broker_org.id if broker_org is not None else None,
        broker_name=broker_org.name if broker_org is not None else None,
        registration_point_id=contract.point_id,
        demand_id=revision.demand_id,
        contract_amount_fen=revision.contract_amount_fen,
        technical_amount_fen=revision.technical_amount_fen,
    )


def registered_contracts_query() -> Select:
    """Select (TechContract, ContractRevision) rows of registered, not cancelled contracts.

    The revision is the one that counts: the registered one, even while an amendment is reviewed.
    """
    return (
        select(TechContract, ContractRevision)
        .join(ContractRevision, ContractRevision.id == TechContract.registered_revision_id)
        .where(TechContract.status == "registered")
    )


# --- Who may do what ---------------------------------------------------------------------------


def is_bureau(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (user.role == "bureau")


def party_org_ids(contract: TechContract) -> set[int]:
    """Platform organisations on either side of the current or the registered revision."""
    ids: set[int] = set()
    for revision in (contract.pending_revision, contract.registered_revision):
        if revision is not None:
            ids.update(i for i in (revision.seller_org_id, revision.buyer_org_id) if i)
    if not ids and contract.revisions:
        last = contract.revisions[-1]
        ids.update(i for i in (last.seller_org_id, last.buyer_org_id) if i)
    return ids


def can_view(user, contract: TechContract) -> bool:
    """Only the two parties, the filing organisation (their broker) and the bureau see a contract."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_bureau(user):
        return True
    org = user.org
    if org is None:
        return False
    return org.id == contract.filer_org_id or org.id in party_org_ids(contract)


def can_edit(user, contract: TechContract) -> bool:
    """The filing organisation and the registering organisation may change and submit it."""
    org = getattr(user, "org", None) if getattr(user, "is_authenticated", False) else None
    if org is None or user.role not in CAN_FILE_CONTRACTS:
        return False
    registrant = contract.current.registrant_org_id
    return org.id in (contract.filer_org_id, registrant)


def _list_options():
    """Load what a list row shows (revisions, parties, reviewer) in a few queries, not per row."""
    loads = []
    for relation in (TechContract.pending_revision, TechContract.registered_revision):
        loads += [
            selectinload(relation).selectinload(ContractRevision.seller_org),
            selectinload(relation).selectinload(ContractRevision.buyer_org),
            selectinload(relation).selectinload(ContractRevision.reviewer),
        ]
    return loads


def with_workflow_status(stmt: Select, status: str) -> Select:
    """Filter by the status people act on: an open revision's (amendments too), else the contract's."""
    if status in EDITABLE_STATUSES + IN_REVIEW_STATUSES:
        open_revision = (
            select(ContractRevision.id)
            .where(ContractRevision.id == TechContract.pending_revision_id, ContractRevision.status == status)
            .exists()
        )
        return stmt.where(open_revision)
    if status in ("registered", "refused", "cancelled"):
        return stmt.where(TechContract.status == status)
    return stmt


def visible_contracts_stmt(user) -> Select:
    """Contracts the user may see, newest first."""
    stmt = (
        select(TechContract)
        .options(*_list_options())
        .order_by(TechContract.updated_at.desc(), TechContract.id.desc())
    )
    if is_bureau(user):
        return stmt
    org = getattr(user, "org", None)
    if org is None:
        return stmt.where(False)
    party = (
        select(ContractRevision.contract_id)
        .where(or_(ContractRevision.seller_org_id == org.id, ContractRevision.buyer_org_id == org.id))
        .where(
            or_(
                ContractRevision.id == TechContract.pending_revision_id,
                ContractRevision.id == TechContract.registered_revision_id,
            )
        )
        .where(ContractRevision.contract_id == TechContract.id)
    )
    return stmt.where(or_(TechContract.filer_org_id == org.id, party.exists()))


def _require_filer_role(actor) -> None:
    if actor.org is None or actor.role not in CAN_FILE_CONTRACTS:
        raise PermissionDenied("只有技术转移机构、高校、科研院所和企业可以填报技术合同")


def _require_editor(actor, contract: TechContract) -> None:
    if not can_edit(actor, contract):
        raise PermissionDenied("只有填报单位或登记方可以修改、提交该合同")


def _require_reviewer(actor) -> None:
    if not is_bureau(actor):
        raise PermissionDenied("只有科技管理部门的审核人员可以审核技术合同")


# --- Validation of a contract's content --------------------------------------------------------


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_id(value) -> bool:
    """A JSON number that can be a row id: a positive integer within a 64-bit column."""
    return _is_int(value) and 0 < value < 2**63


def _text(value, name: str, errors: dict) -> str:
    """A JSON string field: missing is empty; a list, object or number is refused, never repr'd."""
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[name] = "应为文本"
        return ""
    return value.strip()


def _choice(value, name: str, errors: dict) -> str | None:
    """A code picked from a list: only a string can be one (an object would not even hash)."""
    if value is None or isinstance(value, str):
        return value
    errors[name] = "应为文本代码"
    return None


def _date(value, name: str, errors: dict) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
        errors[name] = "日期格式应为 YYYY-MM-DD，如 2026-03-01"
        return None
    errors[name] = "请填写日期" if value in (None, "") else "日期应为 YYYY-MM-DD 格式的文本"
    return None


def _amount(value, name: str, errors: dict, *, positive: bool) -> int | None:
    if not _is_int(value):
        errors[name] = "金额须为整数，单位为分"
        return None
    if value < 0:
        errors[name] = "金额不能为负数"
        return None
    if positive and value == 0:
        errors[name] = "金额须大于 0"
        return None
    if value > MAX_FEN:
        errors[name] = "金额超出允许范围"
        return None
    return value


def _years_later(start: date, years: int = MAX_VALID_YEARS) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def _deal_problem(deal_id: int, seller_org: int | None, buyer_org: int | None) -> str | None:
    """Why a contract with these parties may not cite the deal, or None.

    A contract registered against a deal moves it to 已签合同并登记 and credits its broker, so it
    must be the deal's own contract: between the deal's two parties, and the deal's first.
    """
    from marketplace.deals.models import Deal

    deal = db.session.get(Deal, deal_id)
    if deal is None:
        return "对接记录不存在，请从“我的对接”中选择"
    if {seller_org, buyer_org} != {deal.seller_org_id, deal.buyer_org_id}:
        return "合同的卖方和买方应为该对接的双方（请选择平台上的这两家单位）"
    return None


def check_deal_access(actor, deal_id: int | None, contract_id: int | None = None) -> None:
    """Only a party or the broker of a deal may cite it, and a deal has one registered contract."""
    if deal_id is None:
        return
    from marketplace.deals.models import Deal

    deal = db.session.get(Deal, deal_id)
    org_id = actor.org.id if actor.org is not None else None
    if deal is None or org_id not in (deal.seller_org_id, deal.buyer_org_id, deal.broker_org_id):
        raise ValidationError(
            "合同信息有误，请按提示修改", fields={"deal_id": "只能关联贵单位作为一方或经纪机构参与的对接"}
        )
    if deal.contract_id is not None and deal.contract_id != contract_id:
        raise ValidationError(
            "合同信息有误，请按提示修改", fields={"deal_id": "该对接已有登记的技术合同，不能再次关联"}
        )


def _citable_deals_stmt(actor, contract_id: int | None = None):
    from marketplace.deals.models import Deal

    org = getattr(actor, "org", None)
    org_id = org.id if org is not None else -1
    return (
        select(Deal)
        .where(or_(Deal.seller_org_id == org_id, Deal.buyer_org_id == org_id, Deal.broker_org_id == org_id))
        .where(or_(Deal.contract_id.is_(None), Deal.contract_id == (contract_id or -1)))
        .order_by(Deal.id.desc())
    )


def citable_deals(actor, contract_id: int | None = None) -> list:
    """Deals the actor's organisation may cite: it is a party or the broker, no other contract yet."""
    return list(db.session.scalars(_citable_deals_stmt(actor, contract_id).limit(200)))


def citable_deal(actor, deal_id: str):
    """The deal a "登记技术合同" link names, if the actor may cite it; else None."""
    if not (isinstance(deal_id, str) and deal_id.isascii() and deal_id.isdigit() and len(deal_id) < 19):
        return None
    from marketplace.deals.models import Deal

    return db.session.scalar(_citable_deals_stmt(actor).where(Deal.id == int(deal_id)))


def _clean_party(value, side: str, errors: dict) -> dict:
    label = "卖方" if side == "seller" else "买方"
    if not isinstance(value, dict):
        errors[side] = f"请填写{label}：选择平台上的单位，或填写外部单位的信息"
        return {}
    if value.get("org_id") not in (None, ""):
        org_id = value["org_id"]
        org = db.session.get(Organisation, org_id) if _is_id(org_id) else None
        if org is None:
            errors[side] = f"{label}单位不存在，请重新选择"
            return {}
        if org.org_type == "bureau":
            errors[side] = f"科技管理部门（登记机构）不能作为技术合同的{label}"
            return {}
        return {"org_id": org.id}
    name = _text(value.get("name"), f"{side}.name", errors)
    country = (_text(value.get("country"), f"{side}.country", errors) or DOMESTIC_COUNTRY).upper()
    credit_code = normalise_credit_code(_text(value.get("credit_code"), f"{side}.credit_code", errors))
    region_code = _text(value.get("region_code"), f"{side}.region_code", errors)
    nature_code = _text(value.get("nature_code"), f"{side}.nature_code", errors)
    if any(key.startswith(f"{side}.") for key in errors):
        return {}
    if not name:
        errors[f"{side}.name"] = f"请填写{label}名称"
    elif len(name) > 200:
        errors[f"{side}.name"] = f"{label}名称不能超过 200 字"
    if not _COUNTRY.match(country):
        errors[f"{side}.country"] = "国别应为 ISO 3166-1 三位字母代码，如 CHN、DEU、USA"
    if nature_code not in NATURE_CODES:
        errors[f"{side}.nature_code"] = f"请选择{label}的主体性质"
    if country == DOMESTIC_COUNTRY:
        if not credit_code:
            errors[f"{side}.credit_code"] = f"国内{label}须填写统一社会信用代码"
        else:
            problem = credit_code_error(credit_code)
            if problem:
                errors[f"{side}.credit_code"] = problem
        if not _REGION.match(region_code):
            errors[f"{side}.region_code"] = f"请填写{label}所在地的 6 位行政区划代码，如石家庄市 130100"
    else:
        if credit_code:
            errors[f"{side}.credit_code"] = "境外单位没有统一社会信用代码，请填写国别"
        credit_code = ""
        region_code = ""
    return {
        "name": name,
        "credit_code": credit_code or None,
        "region_code": region_code or None,
        "nature_code": nature_code,
        "country": country,
    }


def _linkable(model, ids: list[int], party_orgs: set[int]):
    """Listings a contract may cite: published ones, or any of the parties' own (drafts stay private)."""
    return select(model.id).where(
        model.id.in_(ids), or_(model.status == "published", model.organisation_id.in_(party_orgs or {-1}))
    )


def _clean_ids(value, name: str, model, errors: dict, party_orgs: set[int]) -> list[int]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(_is_id(v) for v in value):
        errors[name] = "应为编号的列表"
        return []
    ids = sorted(set(value))
    if len(ids) > 50:
        errors[name] = "最多关联 50 项"
        return []
    found = set(db.session.scalars(_linkable(model, ids, party_orgs))) if ids else set()
    missing = [i for i in ids if i not in found]
    if missing:
        errors[name] = f"编号不存在或未公开：{', '.join(str(i) for i in missing[:5])}"
    return ids


def clean_payload(data: dict[str, Any]) -> dict[str, Any]:
    """Check a contract's content and return it normalised, or raise ValidationError by field."""
    errors: dict[str, str] = {}
    unknown = sorted(set(data) - set(PAYLOAD_FIELDS) - READ_ONLY_FIELDS)
    if unknown:
        errors[unknown[0]] = "未知字段"
    clean: dict[str, Any] = {}

    name = _text(data.get("project_name"), "project_name", errors)
    if not name:
        errors.setdefault("project_name", "请填写项目名称")
    elif len(name) > 200:
        errors["project_name"] = "项目名称不能超过 200 字"
    clean["project_name"] = name

    contract_type = _choice(data.get("contract_type"), "contract_type", errors)
    if contract_type not in CONTRACT_TYPES:
        errors["contract_type"] = "请选择合同类别"
    subtype = _choice(data.get("subtype"), "subtype", errors)
    if contract_type in CONTRACT_TYPES and subtype not in SUBTYPES[contract_type]:
        errors["subtype"] = f"合同子类与类别“{CONTRACT_TYPES[contract_type]}”不符，请重新选择"
    clean["contract_type"], clean["subtype"] = contract_type, subtype

    for field_name in ("signed_on", "valid_from", "valid_to"):
        clean[field_name] = _date(data.get(field_name), field_name, errors)
    if clean["signed_on"] and clean["signed_on"] > beijing_today():
        errors["signed_on"] = "签订日期不能晚于今天：只有已签订的书面合同才能登记"
    elif clean["signed_on"] and clean["signed_on"] < EARLIEST_SIGNING:
        errors["signed_on"] = f"签订日期不能早于 {EARLIEST_SIGNING.isoformat()}，请核对年份"
    if clean["valid_from"] and clean["valid_to"] and clean["valid_to"] < clean["valid_from"]:
        errors["valid_to"] = "有效期截止日不能早于起始日"
    elif clean["valid_from"] and clean["valid_to"] and clean["valid_to"] > _years_later(clean["valid_from"]):
        errors["valid_to"] = f"有效期最长 {MAX_VALID_YEARS} 年，请核对截止日"

    clean["seller"] = _clean_party(data.get("seller"), "seller", errors)
    clean["buyer"] = _clean_party(data.get("buyer"), "buyer", errors)
    seller_org, buyer_org = clean["seller"].get("org_id"), clean["buyer"].get("org_id")
    if seller_org and seller_org == buyer_org:
        errors["buyer"] = "买方和卖方不能是同一单位"

    clean["technology_field"] = _choice(data.get("technology_field"), "technology_field", errors)
    if clean["technology_field"] not in TECHNOLOGY_FIELDS:
        errors.setdefault("technology_field", "请选择技术领域")
    clean["ip_type"] = _choice(data.get("ip_type"), "ip_type", errors)
    if clean["ip_type"] not in IP_TYPES:
        errors.setdefault("ip_type", "请选择知识产权类型")

    unit = _choice(data.get("amount_unit"), "amount_unit", errors) or "yuan"
    if unit not in AMOUNT_UNITS:
        errors["amount_unit"] = "金额单位应为 yuan（元）或 wan（万元）"
    clean["amount_unit"] = unit
    amount = _amount(data.get("contract_amount_fen"), "contract_amount_fen", errors, positive=True)
    clean["contract_amount_fen"] = amount
    deductions = data.get("deductions")
    deductions = [] if deductions is None else deductions
    clean["deductions"] = []
    if not isinstance(deductions, list):
        errors["deductions"] = "扣除项应为列表"
        deductions = []
    if len(deductions) > MAX_DEDUCTIONS:
        errors["deductions"] = f"扣除项最多 {MAX_DEDUCTIONS} 项"
        deductions = []
    for index, item in enumerate(deductions):
        key = f"deductions.{index}"
        if not isinstance(item, dict):
            errors[key] = "扣除项格式不正确"
            continue
        category = _choice(item.get("category"), f"{key}.category", errors)
        description = _text(item.get("description"), f"{key}.description", errors)
        if category not in DEDUCTION_CATEGORIES:
            errors[f"{key}.category"] = "扣除类别应为设备、仪器、零部件或原材料"
        if not description:
            errors.setdefault(f"{key}.description", "请说明扣除的是什么（如：购置的检测设备）")
        elif len(description) > 200:
            errors[f"{key}.description"] = "说明不能超过 200 字"
        value = _amount(item.get("amount_fen"), f"{key}.amount_fen", errors, positive=True)
        clean["deductions"].append({"category": category, "description": description, "amount_fen": value})
    if amount is not None and all(d["amount_fen"] is not None for d in clean["deductions"]):
        total = sum(d["amount_fen"] for d in clean["deductions"])
        if total > amount:
            errors["deductions"] = (
                f"非技术性扣除合计 {format_wan(total, 6)} 超过合同成交额 {format_wan(amount, 6)}，"
                "技术交易额不能为负，请核对扣除金额"
            )
        clean["technical_amount_fen"] = amount - total

    party_orgs = {i for i in (seller_org, buyer_org) if i}
    clean["patent_ids"] = _clean_ids(data.get("patent_ids"), "patent_ids", Patent, errors, party_orgs)
    clean["result_ids"] = _clean_ids(data.get("result_ids"), "result_ids", ResearchResult, errors, party_orgs)
    demand_id = data.get("demand_id")
    if demand_id in (None, ""):
        clean["demand_id"] = None
    elif not _is_id(demand_id) or db.session.scalar(_linkable(Demand, [demand_id], party_orgs)) is None:
        errors["demand_id"] = "关联的技术需求不存在或未公开"
    else:
        clean["demand_id"] = demand_id
    deal_id = data.get("deal_id")
    if deal_id in (None, ""):
        clean["deal_id"] = None
    elif not _is_id(deal_id):
        errors["deal_id"] = "对接编号应为正整数"
        clean["deal_id"] = None
    else:
        clean["deal_id"] = deal_id
        problem = _deal_problem(deal_id, seller_org, buyer_org)
        if problem:
            errors["deal_id"] = problem

    if errors:
        raise ValidationError("合同信息有误，请按提示修改", fields=errors)
    return clean


SMALL_CONTRACT_FEN = 1_000 * 100  # under 1,000 元 is most likely 万元 typed as 元
LARGE_CONTRACT_FEN = 10**9 * 100  # over 10 亿元 is most likely 元 typed as 万元


def amount_warnings(payload: dict[str, Any], saved: ContractRevision | None = None) -> list[str]:
    """Amounts a person should confirm before saving: implausible sizes and tenfold changes.

    A unit slip (15 meant as 万元 saved as 15.00 元) passes every rule, so the form asks.
    """
    warnings = []
    amount = payload.get("contract_amount_fen")
    if _is_int(amount) and 0 < amount < SMALL_CONTRACT_FEN:
        warnings.append(
            f"合同成交额只有 {format_wan_exact(amount)}，不足 1,000 元，请确认单位（元/万元）无误"
        )
    if _is_int(amount) and amount > LARGE_CONTRACT_FEN:
        warnings.append(f"合同成交额达 {format_wan_exact(amount)}，超过 10 亿元，请确认单位（元/万元）无误")
    if saved is None:
        return warnings
    pairs = [("合同成交额", saved.contract_amount_fen, amount)]
    new_rows = payload.get("deductions") or []
    for index, row in enumerate(saved.deductions):
        if index < len(new_rows) and isinstance(new_rows[index], dict):
            pairs.append((f"第 {index + 1} 项扣除", row.amount_fen, new_rows[index].get("amount_fen")))
    for label, before, after in pairs:
        if not (_is_int(before) and _is_int(after)) or before <= 0 or after <= 0:
            continue
        if after >= before * 10 or after * 10 <= before:
            warnings.append(
                f"{label}由 {format_wan_exact(before)} 改为 {format_wan_exact(after)}，相差十倍以上，请确认无误"
            )
    return warnings


def revision_payload(revision: ContractRevision, deal_id: int | None = None) -> dict[str, Any]:
    """Return a revision's content in the API's input shape (for merging a partial update)."""

    def party(side: str) -> dict:
        org_id = getattr(revision, f"{side}_org_id")
        if org_id:
            return {"org_id": org_id}
        return {
            "name": getattr(revision, f"{side}_name"),
            "credit_code": getattr(revision, f"{side}_credit_code"),
            "region_code": getattr(revision, f"{side}_region_code"),
            "nature_code": getattr(revision, f"{side}_nature_code"),
            "country": getattr(revision, f"{side}_country"),
        }

    return {
        "project_name": revision.project_name,
        "contract_type": revision.contract_type,
        "subtype": revision.subtype,
        "signed_on": revision.signed_on.isoformat(),
        "valid_from": revision.valid_from.isoformat(),
        "valid_to": revision.valid_to.isoformat(),
        "seller": party("seller"),
        "buyer": party("buyer"),
        "technology_field": revision.technology_field,
        "ip_type": revision.ip_type,
        "contract_amount_fen": revision.contract_amount_fen,
        "deductions": [
            {"category": d.category, "description": d.description, "amount_fen": d.amount_fen}
            for d in revision.deductions
        ],
        "patent_ids": [p.id for p in revision.patents],
        "result_ids": [r.id for r in revision.results],
        "demand_id": revision.demand_id,
        "deal_id": deal_id,
        "amount_unit": revision.amount_unit,
    }


def _party_region(revision: ContractRevision, side: str) -> tuple[str | None, bool]:
    party = revision.party(side)
    return party.region_code, party.is_foreign


def registrant_side(revision: ContractRevision) -> str:
    """The seller registers; for a technology import (foreign seller) the domestic buyer does."""
    return "buyer" if revision.party("seller").is_foreign else "seller"


def check_registrant(revision: ContractRevision) -> None:
    """Refuse a contract this city's registration points may not register, saying why."""
    side = registrant_side(revision)
    party = revision.party(side)
    if side == "buyer" and party.is_foreign:
        raise ValidationError(
            "买卖双方均为境外单位：技术进口合同由国内买方登记，本平台无法登记该合同",
            fields={"buyer": "技术进口合同的买方应为国内单位"},
        )
    if party.region_code not in DISTRICTS:
        where = party.region_label or party.region_code or "未填写"
        role = "国内买方（技术进口合同）" if side == "buyer" else "卖方"
        raise ValidationError(
            f"不予受理：技术合同由{role}在其所在地登记，该合同的{role}“{party.name}”所在地为{where}，"
            "不在石家庄市，请到登记方所在地的技术合同登记机构办理",
            fields={side: "登记方须在石家庄市辖区内"},
        )


def _apply(revision: ContractRevision, clean: dict[str, Any]) -> None:
    # Half-filled objects must not be flushed by the look-ups below.
    with db.session.no_autoflush:
        _apply_fields(revision, clean)


def _apply_fields(revision: ContractRevision, clean: dict[str, Any]) -> None:
    for name in ("project_name", "contract_type", "subtype", "signed_on", "valid_from", "valid_to"):
        setattr(revision, name, clean[name])
    revision.technology_field = clean["technology_field"]
    revision.ip_type = clean["ip_type"]
    for side in ("seller", "buyer"):
        party = clean[side]
        org_id = party.get("org_id")
        setattr(revision, f"{side}_org_id", org_id)
        setattr(revision, f"{side}_org", db.session.get(Organisation, org_id) if org_id else None)
        setattr(revision, f"{side}_name", "" if org_id else party["name"])
        setattr(revision, f"{side}_credit_code", None if org_id else party["credit_code"])
        setattr(revision, f"{side}_region_code", None if org_id else party["region_code"])
        setattr(revision, f"{side}_nature_code", "900" if org_id else party["nature_code"])
        setattr(revision, f"{side}_country", DOMESTIC_COUNTRY if org_id else party["country"])
    revision.contract_amount_fen = clean["contract_amount_fen"]
    revision.technical_amount_fen = clean["technical_amount_fen"]
    revision.amount_unit = clean["amount_unit"]
    revision.deductions = [
        ContractDeduction(
            position=i, category=d["category"], description=d["description"], amount_fen=d["amount_fen"]
        )
        for i, d in enumerate(clean["deductions"])
    ]
    revision.patents = list(db.session.scalars(select(Patent).where(Patent.id.in_(clean["patent_ids"]))))
    revision.results = list(
        db.session.scalars(select(ResearchResult).where(ResearchResult.id.in_(clean["result_ids"])))
    )
    revision.demand_id = clean["demand_id"]
    side = registrant_side(revision)
    revision.registrant_org_id = getattr(revision, f"{side}_org_id")


def _check_filer_is_registrant(actor, revision: ContractRevision) -> None:
    # A broker files for the registering party; anyone else may only file as that party.
    if actor.role == "broker":
        return
    if revision.registrant_org_id != actor.org.id:
        raise ValidationError(
            "贵单位不是该合同的登记方：技术合同由卖方登记（技术进口合同由国内买方登记），"
            "请由登记方或其委托的技术转移机构填报",
            fields={registrant_side(revision): "应为本单位"},
        )


def _summary(revision: ContractRevision) -> dict[str, Any]:
    return {
        "project_name": revision.project_name,
        "contract_amount_fen": revision.contract_amount_fen,
        "technical_amount_fen": revision.technical_amount_fen,
        "status": revision.status,
    }


# --- Filing ------------------------------------------------------------------------------------


def create_contract(actor, data: dict[str, Any]) -> TechContract:
    """Save a new contract as a draft filed by the actor's organisation."""
    _require_filer_role(actor)
    clean = clean_payload(data)
    check_deal_access(actor, clean["deal_id"])
    contract = TechContract(
        status="draft",
        filed_by_id=actor.id,
        filer_org_id=actor.org.id,
        broker_id=actor.id if actor.role == "broker" else None,
        deal_id=clean["deal_id"],
    )
    revision = ContractRevision(number=1, status="draft", contract=contract)
    db.session.add_all([contract, revision])
    _apply(revision, clean)
    _check_filer_is_registrant(actor, revision)
    check_registrant(revision)
    db.session.flush()
    contract.pending_revision = revision
    record_audit(actor, "contract.created", contract, after=_summary(revision), summary="创建合同草稿")
    return contract


def update_contract(actor, contract: TechContract, data: dict[str, Any]) -> TechContract:
    """Change the open revision (a draft or one sent back for correction); missing keys stay."""
    _require_editor(actor, contract)
    _lock(contract)
    revision = contract.pending_revision
    if revision is None or revision.status not in EDITABLE_STATUSES:
        raise Conflict("只有草稿或待补正的合同可以修改")
    before = _summary(revision)
    merged = {**revision_payload(revision, contract.deal_id), **data}
    clean = clean_payload(merged)
    if clean["deal_id"] != contract.deal_id:
        check_deal_access(actor, clean["deal_id"], contract.id)
    _apply(revision, clean)
    _check_filer_is_registrant(actor, revision)
    check_registrant(revision)
    contract.deal_id = clean["deal_id"]
    contract.updated_at = utcnow()
    record_audit(
        actor, "contract.updated", contract, before=before, after=_summary(revision), summary="修改合同信息"
    )
    return contract


def add_attachment(actor, contract: TechContract, storage) -> ContractAttachment:
    """Store a scan or PDF of the signed contract, checked by content and size."""
    _require_editor(actor, contract)
    revision = contract.pending_revision
    if revision is None or revision.status not in EDITABLE_STATUSES:
        raise Conflict("只有草稿或待补正的合同可以上传附件")
    max_bytes = current_app.config.get("CONTRACT_ATTACHMENT_MAX_BYTES", ATTACHMENT_MAX_BYTES)
    stored = store_upload(storage, f"contracts/{contract.id}", max_bytes=max_bytes)
    attachment = ContractAttachment(
        contract=contract,
        revision_id=revision.id,
        path=stored["path"],
        filename=stored["filename"],
        mimetype=stored["mimetype"],
        size=stored["size"],
        uploaded_by_id=actor.id,
    )
    db.session.add(attachment)
    contract.updated_at = utcnow()
    record_audit(
        actor,
        "contract.attachment_added",
        contract,
        after={"filename": attachment.filename},
        summary=f"上传附件：{attachment.filename}",
    )
    return attachment


def attachment_content(actor, contract: TechContract, attachment_id: int) -> tuple[ContractAttachment, bytes]:
    """Return an attachment of a contract the actor may view, with its bytes.

    The whole file is read (attachments are size-limited), so no file handle outlives a response.
    """
    if not can_view(actor, contract):
        raise PermissionDenied("您无权查看该合同：只有合同双方、其经纪机构和科技局可以查看")
    attachment = db.session.get(ContractAttachment, attachment_id)
    if attachment is None or attachment.contract_id != contract.id:
        raise NotFound("附件不存在")
    path = upload_path(attachment.path)
    if not path.is_file():
        raise NotFound("附件文件已不存在，请联系填报单位重新上传")
    return attachment, path.read_bytes()


def remove_attachment(actor, contract: TechContract, attachment: ContractAttachment) -> None:
    """Remove a file uploaded for the open revision; files a reviewer has seen stay in the record."""
    _require_editor(actor, contract)
    revision = contract.pending_revision
    if attachment.contract_id != contract.id:
        raise NotFound("附件不存在")
    if revision is None or revision.status not in EDITABLE_STATUSES or attachment.revision_id != revision.id:
        raise Conflict("只能删除本次填报（草稿或待补正）中上传的附件")
    if revision.submitted_at is not None and attachment.created_at <= revision.submitted_at:
        raise Conflict("该附件已随合同提交审核，不能删除；如有错误请上传更正后的文件")
    path = upload_path(attachment.path)
    db.session.delete(attachment)
    contract.updated_at = utcnow()
    record_audit(
        actor,
        "contract.attachment_removed",
        contract,
        before={"filename": attachment.filename},
        summary=f"删除附件：{attachment.filename}",
    )
    # The file goes after the row; a failed commit leaves only an orphan file, never a dangling row.
    db.session.flush()
    path.unlink(missing_ok=True)


def submit_contract(actor, contract: TechContract) -> TechContract:
    """Send the open revision to the bureau; the review deadline starts today."""
    _require_editor(actor, contract)
    _lock(contract)
    revision = contract.pending_revision
    if revision is None or revision.status not in EDITABLE_STATUSES:
        raise Conflict("只有草稿或待补正的合同可以提交登记")
    if not actor.org_verified:
        raise PermissionDenied("贵单位尚未通过认证，认证通过后才能提交登记（可先保存草稿）")
    check_registrant(revision)
    if revision.registrant_org is not None and not revision.registrant_org.is_verified:
        raise ValidationError(f"登记方“{revision.registrant_org.name}”尚未通过平台认证，暂不能提交登记")
    if not contract.attachments:
        raise ValidationError(
            "请先上传签字盖章的合同文本（PDF 或扫描图片）再提交", fields={"attachments": "必填"}
        )
    before = revision.status
    today = beijing_today()
    revision.status = "submitted"
    revision.submitted_at = utcnow()
    # A correction restarts the review period from the day it is sent back.
    revision.due_on = add_working_days(today, review_working_days(revision.technical_amount_fen))
    revision.reviewer_id = None
    revision.review_started_at = None
    if contract.registered_revision_id is None:
        contract.status = "submitted"
    contract.updated_at = utcnow()
    label = (
        "提交变更登记"
        if contract.registered_revision_id
        else ("补正后重新提交" if before == "needs_correction" else "提交登记")
    )
    record_audit(
        actor,
        "contract.submitted",
        contract,
        before={"status": before},
        after={"status": "submitted", "revision": revision.number, "due_on": revision.due_on},
        summary=f"{label}，审核期限 {revision.due_on.isoformat()}",
    )
    return contract


def open_amendment(actor, contract: TechContract) -> ContractRevision:
    """Open a new revision of a registered contract; the registered one keeps counting meanwhile."""
    _require_editor(actor, contract)
    _lock(contract)
    if contract.status != "registered":
        raise Conflict("只有已登记的合同可以申请变更")
    if contract.pending_revision is not None:
        raise Conflict("该合同已有一项变更正在办理")
    base = contract.registered_revision
    revision = ContractRevision(
        contract=contract, number=max(r.number for r in contract.revisions) + 1, status="draft"
    )
    db.session.add(revision)
    # Copy the registered content as it is; it is checked again when the amendment is saved or submitted.
    with db.session.no_autoflush:
        for column in CONTENT_COLUMNS:
            setattr(revision, column, getattr(base, column))
        revision.deductions = [
            ContractDeduction(
                position=d.position, category=d.category, description=d.description, amount_fen=d.amount_fen
            )
            for d in base.deductions
        ]
        revision.patents = list(base.patents)
        revision.results = list(base.results)
    db.session.flush()
    contract.pending_revision = revision
    contract.updated_at = utcnow()
    record_audit(
        actor,
        "contract.amendment_opened",
        contract,
        after={"revision": revision.number},
        summary=f"发起变更（第 {revision.number} 版）",
    )
    return revision


# --- Review by the bureau ----------------------------------------------------------------------


def _lock(contract: TechContract) -> TechContract:
    """Claim the contract row for this transaction, then re-read it and its open revision.

    Every state transition starts here. The claim is an UPDATE, not a SELECT: on PostgreSQL it
    takes the row lock, and on SQLite it takes the database's write lock (a plain SELECT takes
    none, so two approvals both read "under review" and both approved). Whoever claims second
    waits for the first to commit and then reads the state the first left, so exactly one of two
    simultaneous decisions wins and the other gets a Conflict.
    """
    db.session.flush()  # changes made earlier in this transaction must survive the re-read
    pending = contract.pending_revision
    if pending is not None:
        db.session.expire(pending)
    db.session.expire(contract)
    table = TechContract.__table__
    claimed = db.session.execute(
        update(table).where(table.c.id == contract.id).values(updated_at=table.c.updated_at)
    )
    if claimed.rowcount != 1:
        raise NotFound("合同不存在")
    db.session.refresh(contract)
    if contract.pending_revision is not None:
        db.session.refresh(contract.pending_revision)
    return contract


def _reviewable(contract: TechContract) -> ContractRevision:
    revision = contract.pending_revision
    if revision is None or revision.status not in IN_REVIEW_STATUSES:
        raise Conflict(f"该合同当前状态为“{contract.current.status_label}”，不在待审核状态")
    return revision


def reviewer_point(actor) -> RegistrationPoint | None:
    assignment = db.session.get(RegistrationReviewer, actor.id)
    return assignment.point if assignment is not None else None


def start_review(actor, contract: TechContract) -> TechContract:
    """A reviewer takes a submitted contract."""
    _require_reviewer(actor)
    _lock(contract)
    revision = contract.pending_revision
    if revision is None or revision.status != "submitted":
        raise Conflict("只有已提交、尚未有人受理的合同可以开始审核")
    _take(actor, contract, revision)
    return contract


def _take(actor, contract: TechContract, revision: ContractRevision) -> None:
    revision.status = "under_review"
    revision.reviewer_id = actor.id
    revision.review_started_at = utcnow()
    if contract.registered_revision_id is None:
        contract.status = "under_review"
    contract.updated_at = utcnow()
    record_audit(
        actor,
        "contract.review_started",
        contract,
        before={"status": "submitted"},
        after={"status": "under_review"},
        summary="开始审核",
    )


def _check_taken_by(actor, revision: ContractRevision) -> None:
    if revision.status == "under_review" and revision.reviewer_id not in (None, actor.id):
        name = revision.reviewer.name if revision.reviewer else "其他审核人员"
        raise Conflict(f"该合同正由{name}审核，不能重复处理")


def issue_registration_number(point: RegistrationPoint, year: int) -> str:
    """Take the next serial of the point's year under a row lock, so numbers never repeat or skip."""
    stmt = (
        select(RegistrationCounter)
        .where(RegistrationCounter.point_id == point.id, RegistrationCounter.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    counter = db.session.scalars(stmt).first()
    if counter is None:
        try:
            with db.session.begin_nested():
                db.session.add(RegistrationCounter(point_id=point.id, year=year, last_serial=0))
        except IntegrityError:
            pass  # another reviewer created the year's counter first; lock theirs below
        counter = db.session.scalars(stmt).one()
    if counter.last_serial >= MAX_SERIAL:
        raise Conflict(f"{point.name} {year} 年的登记序号已用完（最多 {MAX_SERIAL} 号），请联系系统管理员")
    counter.last_serial += 1
    db.session.flush()
    return f"{year:04d}{point.region_code}{point.point_code}{counter.last_serial:04d}"


VERIFICATION_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L to misread on paper


def new_verification_code(length: int = 10) -> str:
    """A random code printed on the certificate; with the number it opens the public check."""
    return "".join(secrets.choice(VERIFICATION_ALPHABET) for _ in range(length))


def find_for_verification(number, code) -> TechContract | None:
    """The contract a certificate's number and code pair names, or None for any wrong pair.

    Whether the number exists without the right code is not revealed: both give None, and the
    code is compared in constant time.
    """
    if not isinstance(number, str) or not isinstance(code, str):
        return None
    number, code = number.strip(), code.strip().upper()
    if not (number.isascii() and number.isdigit() and len(number) == 16) or not 8 <= len(code) <= 16:
        return None
    contract = db.session.scalar(select(TechContract).where(TechContract.registration_number == number))
    stored = contract.verification_code if contract is not None else None
    if not hmac.compare_digest((stored or "-").encode(), code.encode()) or stored is None:
        return None
    return contract


def approve_contract(actor, contract: TechContract) -> TechContract:
    """Register the contract (or its amendment) and issue a registration number on first approval."""
    _require_reviewer(actor)
    point = reviewer_point(actor)
    if point is None or not point.active:
        raise PermissionDenied("您尚未被分配到有效的技术合同登记点，不能办理登记；请联系科技局管理员")
    _lock(contract)
    revision = _reviewable(contract)
    _check_taken_by(actor, revision)
    check_registrant(revision)
    if revision.status == "submitted":
        _take(actor, contract, revision)
    previous = contract.registered_revision
    amended = previous is not None
    revision.status = "registered"
    revision.reviewed_at = utcnow()
    revision.reviewer_id = actor.id
    if previous is not None:
        previous.status = "superseded"
    contract.registered_revision = revision
    contract.pending_revision = None
    contract.status = "registered"
    if not contract.registration_number:
        today = beijing_today()
        contract.registration_number = issue_registration_number(point, today.year)
        contract.verification_code = new_verification_code()
        contract.registered_on = today
        contract.point_id = point.id
    contract.updated_at = utcnow()
    record_audit(
        actor,
        "contract.amendment_approved" if amended else "contract.approved",
        contract,
        before={"status": "under_review"},
        after={
            "status": "registered",
            "registration_number": contract.registration_number,
            "revision": revision.number,
        },
        summary=(
            f"变更登记通过（第 {revision.number} 版）"
            if amended
            else f"准予登记，登记号 {contract.registration_number}"
        ),
    )
    on_registration_change(contract)
    _tell_filer(
        contract,
        revision,
        f"《{revision.project_name}》" + ("变更已登记" if amended else "已准予登记"),
        f"登记号 {contract.registration_number}。",
    )
    return contract


def _tell_filer(contract: TechContract, revision, title: str, body: str) -> None:
    """Tell the filing organisation, and the registering party a broker filed for, of a decision."""
    for org_id in dict.fromkeys((contract.filer_org_id, revision.registrant_org_id)):
        if org_id is not None:
            # A plain path, not url_for: the API and CLI review without a request.
            notify(org_id, "contract", title, body=body, url=f"/contracts/{contract.id}", email=True)


def request_changes(actor, contract: TechContract, comment: str) -> TechContract:
    """Send the contract back to the filer to correct what the comment says."""
    _require_reviewer(actor)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError("请写明需要补正的内容", fields={"comment": "必填"})
    _lock(contract)
    revision = _reviewable(contract)
    _check_taken_by(actor, revision)
    before = revision.status
    revision.status = "needs_correction"
    revision.review_comment = comment[:2000]
    revision.reviewer_id = actor.id
    revision.reviewed_at = utcnow()
    if contract.registered_revision_id is None:
        contract.status = "needs_correction"
    contract.updated_at = utcnow()
    record_audit(
        actor,
        "contract.changes_requested",
        contract,
        before={"status": before},
        after={"status": "needs_correction", "comment": comment[:2000]},
        summary=f"退回补正：{comment[:200]}",
    )
    _tell_filer(contract, revision, f"《{revision.project_name}》须补正后重新提交", comment[:500])
    return contract


def refuse_contract(actor, contract: TechContract, reasons: list[str], comment: str) -> TechContract:
    """Refuse registration for one or more of the codes in DOMAIN.md, with an explanation."""
    _require_reviewer(actor)
    errors = {}
    if not isinstance(reasons, list) or not reasons:
        errors["reasons"] = "请至少选择一项不予登记的理由"
    elif any(code not in REFUSAL_REASONS for code in reasons):
        errors["reasons"] = "不予登记理由代码无效，可选：" + "、".join(REFUSAL_REASONS)
    comment = (comment or "").strip() if isinstance(comment, str) else ""
    if not comment:
        errors["comment"] = "请写明不予登记的具体说明"
    if errors:
        raise ValidationError("请补全不予登记的理由", fields=errors)
    _lock(contract)
    revision = _reviewable(contract)
    _check_taken_by(actor, revision)
    before = revision.status
    revision.status = "refused"
    revision.refusal_reasons = list(dict.fromkeys(reasons))
    revision.review_comment = comment[:2000]
    revision.reviewer_id = actor.id
    revision.reviewed_at = utcnow()
    contract.pending_revision = None
    amended = contract.registered_revision_id is not None
    if not amended:
        contract.status = "refused"
    contract.updated_at = utcnow()
    labels = "、".join(REFUSAL_REASONS[c] for c in revision.refusal_reasons)
    record_audit(
        actor,
        "contract.amendment_refused" if amended else "contract.refused",
        contract,
        before={"status": before},
        after={"status": "refused", "reasons": revision.refusal_reasons, "comment": comment[:2000]},
        summary=("变更不予登记" if amended else "不予登记") + f"：{labels}。{comment[:200]}",
    )
    _tell_filer(
        contract,
        revision,
        f"《{revision.project_name}》" + ("变更不予登记" if amended else "不予登记"),
        f"{labels}。{comment[:500]}",
    )
    return contract


def review_contract(
    actor, contract: TechContract, action: str, reasons=None, comment: str = ""
) -> TechContract:
    """Dispatch one of the API's review actions: start, approve, request_changes, refuse."""
    if action == "start":
        return start_review(actor, contract)
    if action == "approve":
        return approve_contract(actor, contract)
    if action == "request_changes":
        return request_changes(actor, contract, comment)
    if action == "refuse":
        return refuse_contract(actor, contract, reasons or [], comment)
    raise ValidationError("审核动作应为 start、approve、request_changes 或 refuse", fields={"action": "无效"})


def cancel_contract(actor, contract: TechContract, reason: str) -> TechContract:
    """Cancel (注销) a registered contract; it stops counting and any open amendment is dropped."""
    _require_reviewer(actor)
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationError("请写明注销的理由", fields={"reason": "必填"})
    _lock(contract)
    if contract.status != "registered":
        raise Conflict("只有已登记的合同可以注销")
    if contract.pending_revision is not None:
        contract.pending_revision.status = "discarded"
        contract.pending_revision = None
    contract.status = "cancelled"
    contract.cancelled_at = utcnow()
    contract.cancel_reason = reason[:500]
    contract.updated_at = utcnow()
    record_audit(
        actor,
        "contract.cancelled",
        contract,
        before={"status": "registered"},
        after={"status": "cancelled", "reason": reason[:500]},
        summary=f"注销登记：{reason[:200]}",
    )
    on_registration_change(contract)
    return contract


# --- What pages show ---------------------------------------------------------------------------

TIMELINE_LABELS = {
    "contract.created": "创建草稿",
    "contract.updated": "修改",
    "contract.attachment_added": "上传附件",
    "contract.attachment_removed": "删除附件",
    "contract.submitted": "提交",
    "contract.review_started": "开始审核",
    "contract.approved": "准予登记",
    "contract.changes_requested": "退回补正",
    "contract.refused": "不予登记",
    "contract.amendment_opened": "发起变更",
    "contract.amendment_approved": "变更通过",
    "contract.amendment_refused": "变更不予登记",
    "contract.cancelled": "注销",
}


def timeline(contract: TechContract) -> list[tuple[AuditLog, User | None, str]]:
    """The contract's audited transitions, oldest first, with who did them."""
    rows = db.session.execute(
        select(AuditLog, User)
        .outerjoin(User, User.id == AuditLog.actor_id)
        .where(AuditLog.object_type == TechContract.__tablename__, AuditLog.object_id == contract.id)
        .order_by(AuditLog.created_at, AuditLog.id)
    ).all()
    return [(entry, user, TIMELINE_LABELS.get(entry.action, entry.action)) for entry, user in rows]


def is_overdue(revision: ContractRevision | None, today: date | None = None) -> bool:
    if revision is None or revision.status not in IN_REVIEW_STATUSES or revision.due_on is None:
        return False
    return revision.due_on < (today or beijing_today())


def queue_stmt(
    *,
    status: str = "",
    contract_type: str = "",
    overdue: bool = False,
    min_fen: int | None = None,
    max_fen: int | None = None,
) -> Select:
    """The bureau's queue: contracts joined with the revision under review or else the current one.

    Amounts filter on 技术交易额 of that revision.
    """
    shown = func.coalesce(TechContract.pending_revision_id, TechContract.registered_revision_id)
    stmt = (
        select(TechContract)
        .options(*_list_options())
        # contract_id lets the planner use an index; the coalesce alone makes SQLite scan.
        .join(
            ContractRevision,
            and_(ContractRevision.contract_id == TechContract.id, ContractRevision.id == shown),
        )
        .where(or_(TechContract.status != "draft", ContractRevision.status != "draft"))
    )
    if status == "open":
        stmt = stmt.where(ContractRevision.status.in_(IN_REVIEW_STATUSES))
    elif status in ("submitted", "under_review", "needs_correction"):
        stmt = stmt.where(ContractRevision.status == status)
    elif status in ("registered", "refused", "cancelled"):
        stmt = stmt.where(TechContract.status == status)
    elif status == "amending":
        stmt = stmt.where(TechContract.status == "registered", TechContract.pending_revision_id.is_not(None))
    if contract_type in CONTRACT_TYPES:
        stmt = stmt.where(ContractRevision.contract_type == contract_type)
    if overdue:
        stmt = stmt.where(
            and_(ContractRevision.status.in_(IN_REVIEW_STATUSES), ContractRevision.due_on < beijing_today())
        )
    if min_fen is not None:
        stmt = stmt.where(ContractRevision.technical_amount_fen >= min_fen)
    if max_fen is not None:
        stmt = stmt.where(ContractRevision.technical_amount_fen <= max_fen)
    # Oldest deadline first, so what is due soonest is on top.
    return stmt.order_by(ContractRevision.due_on.is_(None), ContractRevision.due_on, TechContract.id.desc())


def bureau_counts() -> dict[str, int]:
    """Counts for the bureau's workbench: waiting, being reviewed, overdue."""
    rows = db.session.execute(
        select(ContractRevision.status, func.count())
        .join(TechContract, TechContract.pending_revision_id == ContractRevision.id)
        .where(ContractRevision.status.in_(IN_REVIEW_STATUSES))
        .group_by(ContractRevision.status)
    ).all()
    counts = {"submitted": 0, "under_review": 0}
    counts.update(dict(rows))
    counts["overdue"] = (
        db.session.scalar(
            select(func.count())
            .select_from(ContractRevision)
            .join(TechContract, TechContract.pending_revision_id == ContractRevision.id)
            .where(ContractRevision.status.in_(IN_REVIEW_STATUSES), ContractRevision.due_on < beijing_today())
        )
        or 0
    )
    return counts


def filer_counts(user) -> dict[str, int]:
    """Counts for a filer's workbench: drafts and contracts sent back for correction."""
    org = getattr(user, "org", None)
    if org is None:
        return {"draft": 0, "needs_correction": 0}
    rows = db.session.execute(
        select(ContractRevision.status, func.count())
        .join(TechContract, TechContract.pending_revision_id == ContractRevision.id)
        .where(
            or_(TechContract.filer_org_id == org.id, ContractRevision.registrant_org_id == org.id),
            ContractRevision.status.in_(EDITABLE_STATUSES),
        )
        .group_by(ContractRevision.status)
    ).all()
    counts = {"draft": 0, "needs_correction": 0}
    counts.update(dict(rows))
    return counts


# --- Data the bureau maintains ----------------------------------------------------------------


def save_point(actor, data: dict[str, Any], point: RegistrationPoint | None = None) -> RegistrationPoint:
    """Create or change a registration point; codes are unique together."""
    _require_reviewer(actor)
    errors = {}
    name = str(data.get("name") or "").strip()
    region = str(data.get("region_code") or "").strip()
    code = str(data.get("point_code") or "").strip()
    if not name:
        errors["name"] = "请填写登记点名称"
    if region not in DISTRICTS:
        errors["region_code"] = "请选择石家庄市辖区的 6 位行政区划代码"
    if not re.fullmatch(r"[0-9]{2}", code):
        errors["point_code"] = "登记点代码应为 2 位数字，如 01"
    org_id = data.get("organisation_id") or None
    if org_id is not None and db.session.get(Organisation, org_id) is None:
        errors["organisation_id"] = "单位不存在"
    clash = db.session.scalar(
        select(RegistrationPoint.id).where(
            RegistrationPoint.region_code == region,
            RegistrationPoint.point_code == code,
            RegistrationPoint.id != (point.id if point else -1),
        )
    )
    if clash:
        errors["point_code"] = f"区划 {region} 下已有代码为 {code} 的登记点"
    if errors:
        raise ValidationError("登记点信息有误", fields=errors)
    if point is not None and point.region_code + point.point_code != region + code:
        issued = db.session.scalar(
            select(func.count()).select_from(TechContract).where(TechContract.point_id == point.id)
        )
        if issued:
            raise Conflict("该登记点已发出登记号，不能再修改区划代码或登记点代码")
    before = None
    if point is None:
        point = RegistrationPoint()
        db.session.add(point)
    else:
        before = {
            "name": point.name,
            "region_code": point.region_code,
            "point_code": point.point_code,
            "active": point.active,
        }
    point.name = name[:200]
    point.region_code = region
    point.point_code = code
    point.organisation_id = org_id
    point.active = bool(data.get("active", True))
    db.session.flush()
    record_audit(
        actor,
        "registration_point.saved",
        point,
        before=before,
        after={"name": point.name, "region_code": region, "point_code": code, "active": point.active},
        summary=f"登记点：{point.label}",
    )
    return point


def assign_reviewer(actor, user_id: int, point_id: int | None) -> None:
    """Assign a bureau user to a registration point, or remove the assignment."""
    _require_reviewer(actor)
    user = db.session.get(User, user_id)
    if user is None or user.role != "bureau":
        raise ValidationError("只能分配科技管理部门的用户作为审核人员", fields={"user_id": "无效"})
    assignment = db.session.get(RegistrationReviewer, user.id)
    before = {"point_id": assignment.point_id if assignment else None}
    if point_id is None:
        if assignment is not None:
            db.session.delete(assignment)
    else:
        point = db.session.get(RegistrationPoint, point_id)
        if point is None:
            raise NotFound("登记点不存在")
        if assignment is None:
            db.session.add(RegistrationReviewer(user_id=user.id, point_id=point.id))
        else:
            assignment.point_id = point.id
            assignment.assigned_at = utcnow()
    record_audit(
        actor,
        "registration_reviewer.assigned",
        user,
        before=before,
        after={"point_id": point_id},
        summary=f"审核人员 {user.name} 分配登记点",
    )


def add_calendar_day(actor, day: date, kind: str, note: str = "") -> CalendarDay:
    """Mark a date as a holiday or a make-up working day (replacing an earlier entry)."""
    _require_reviewer(actor)
    if kind not in CALENDAR_KINDS:
        raise ValidationError("类型应为节假日或调休上班日", fields={"kind": "无效"})
    entry = db.session.get(CalendarDay, day)
    before = {"kind": entry.kind} if entry else None
    if entry is None:
        entry = CalendarDay(day=day)
        db.session.add(entry)
    entry.kind = kind
    entry.note = (note or "").strip()[:100]
    record_audit(
        actor,
        "contract_calendar.saved",
        object_type="contract_calendar_days",
        before=before,
        after={"day": day, "kind": kind},
        summary=f"{day.isoformat()} 设为{CALENDAR_KINDS[kind]}",
    )
    return entry


def remove_calendar_day(actor, day: date) -> None:
    _require_reviewer(actor)
    entry = db.session.get(CalendarDay, day)
    if entry is None:
        raise NotFound("该日期不在日历中")
    db.session.delete(entry)
    record_audit(
        actor,
        "contract_calendar.removed",
        object_type="contract_calendar_days",
        before={"day": day, "kind": entry.kind},
        summary=f"移除 {day.isoformat()}",
    )
