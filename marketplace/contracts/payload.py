"""A contract's content as the API and the form send it: checked field by field, normalised.

`clean_payload` returns the content ready to apply to a revision, or raises one `ValidationError`
with a message per field, so a filer sees every problem in one round. The checks follow the
技术合同认定规则 summarised in DOMAIN.md.
"""

import re
from datetime import date, datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import or_, select

from marketplace.common.domain import DISTRICTS, NATURE_CODES, TECHNOLOGY_FIELDS
from marketplace.common.errors import ValidationError
from marketplace.common.i18n import N_, tr
from marketplace.common.money import MAX_FEN, format_wan, format_wan_exact
from marketplace.common.roles import Role
from marketplace.common.timeutil import beijing_today
from marketplace.common.validators import credit_code_error, normalise_credit_code
from marketplace.contracts.citations import deal_problem
from marketplace.contracts.models import (
    CONTRACT_TYPES,
    DEDUCTION_CATEGORIES,
    DOMESTIC_COUNTRY,
    IP_TYPES,
    SUBTYPES,
    ContractRevision,
)
from marketplace.extensions import db
from marketplace.listings.models import Demand, Patent, ResearchResult
from marketplace.organisations.models import Organisation

MAX_DEDUCTIONS = 50
SIDES = {"seller": N_("卖方"), "buyer": N_("买方")}
# Fields a revision stores as they come out of `clean_payload`.
PLAIN_FIELDS = (
    "project_name",
    "contract_type",
    "subtype",
    "signed_on",
    "valid_from",
    "valid_to",
    "technology_field",
    "ip_type",
)
# What `clean_payload` refuses to go without: every plain field, both parties and the amount.
REQUIRED_FIELDS = (*PLAIN_FIELDS, "seller", "buyer", "contract_amount_fen")
PAYLOAD_FIELDS = (
    *PLAIN_FIELDS,
    "seller",
    "buyer",
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
AMOUNT_UNITS = ("yuan", "wan")  # how the filer typed the amounts; stored so forms reopen in it
EARLIEST_SIGNING = date(1980, 1, 1)
MAX_VALID_YEARS = 30
_COUNTRY = re.compile(r"^[A-Z]{3}$")
_REGION = re.compile(r"^[0-9]{6}$")


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
        errors[name] = gettext("应为文本")
        return ""
    return value.strip()


def _choice(value, name: str, errors: dict) -> str | None:
    """A code picked from a list: only a string can be one (an object would not even hash)."""
    if value is None or isinstance(value, str):
        return value
    errors[name] = gettext("应为文本代码")
    return None


def _date(value, name: str, errors: dict) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
        errors[name] = gettext("日期格式应为 YYYY-MM-DD，如 2026-03-01")
        return None
    errors[name] = gettext("请填写日期") if value in (None, "") else gettext("日期应为 YYYY-MM-DD 格式的文本")
    return None


def _amount(value, name: str, errors: dict, *, positive: bool) -> int | None:
    if not _is_int(value):
        errors[name] = gettext("金额须为整数，单位为分")
        return None
    if value < 0:
        errors[name] = gettext("金额不能为负数")
        return None
    if positive and value == 0:
        errors[name] = gettext("金额须大于 0")
        return None
    if value > MAX_FEN:
        errors[name] = gettext("金额超出允许范围")
        return None
    return value


def _years_later(start: date, years: int = MAX_VALID_YEARS) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def _clean_party(value, side: str, errors: dict) -> dict:
    label = gettext(SIDES[side])
    if not isinstance(value, dict):
        errors[side] = gettext("请填写%(side)s：选择平台上的单位，或填写外部单位的信息", side=label)
        return {}
    if value.get("org_id") not in (None, ""):
        org_id = value["org_id"]
        org = db.session.get(Organisation, org_id) if _is_id(org_id) else None
        if org is None:
            errors[side] = gettext("%(side)s单位不存在，请重新选择", side=label)
            return {}
        if org.org_type == Role.BUREAU:
            errors[side] = gettext("科技管理部门（登记机构）不能作为技术合同的%(side)s", side=label)
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
        errors[f"{side}.name"] = gettext("请填写%(side)s名称", side=label)
    elif len(name) > 200:
        errors[f"{side}.name"] = gettext("%(side)s名称不能超过 200 字", side=label)
    if not _COUNTRY.match(country):
        errors[f"{side}.country"] = gettext("国别应为 ISO 3166-1 三位字母代码，如 CHN、DEU、USA")
    if nature_code not in NATURE_CODES:
        errors[f"{side}.nature_code"] = gettext("请选择%(side)s的主体性质", side=label)
    if country == DOMESTIC_COUNTRY:
        if not credit_code:
            errors[f"{side}.credit_code"] = gettext("国内%(side)s须填写统一社会信用代码", side=label)
        else:
            problem = credit_code_error(credit_code)
            if problem:
                errors[f"{side}.credit_code"] = problem
        if not _REGION.match(region_code):
            errors[f"{side}.region_code"] = gettext(
                "请填写%(side)s所在地的 6 位行政区划代码，如石家庄市 130100", side=label
            )
    else:
        if credit_code:
            errors[f"{side}.credit_code"] = gettext("境外单位没有统一社会信用代码，请填写国别")
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
        errors[name] = gettext("应为编号的列表")
        return []
    ids = sorted(set(value))
    if len(ids) > 50:
        errors[name] = gettext("最多关联 50 项")
        return []
    found = set(db.session.scalars(_linkable(model, ids, party_orgs))) if ids else set()
    missing = [i for i in ids if i not in found]
    if missing:
        errors[name] = gettext("编号不存在或未公开：%(ids)s", ids=", ".join(str(i) for i in missing[:5]))
    return ids


def clean_payload(data: dict[str, Any]) -> dict[str, Any]:
    """Check a contract's content and return it normalised, or raise ValidationError by field.

    Each part adds its problems to `errors` and its clean values to the result; they run in the
    order the form shows the fields, so the first problem reported is the first on the page.
    """
    errors: dict[str, str] = {}
    unknown = sorted(set(data) - set(PAYLOAD_FIELDS) - READ_ONLY_FIELDS)
    if unknown:
        errors[unknown[0]] = gettext("未知字段")
    clean: dict[str, Any] = {"project_name": _clean_project_name(data, errors)}
    clean.update(_clean_type(data, errors))
    clean.update(_clean_dates(data, errors))
    clean["seller"] = _clean_party(data.get("seller"), "seller", errors)
    clean["buyer"] = _clean_party(data.get("buyer"), "buyer", errors)
    seller_org, buyer_org = clean["seller"].get("org_id"), clean["buyer"].get("org_id")
    if seller_org and seller_org == buyer_org:
        errors["buyer"] = gettext("买方和卖方不能是同一单位")
    clean["technology_field"] = _choice(data.get("technology_field"), "technology_field", errors)
    if clean["technology_field"] not in TECHNOLOGY_FIELDS:
        errors.setdefault("technology_field", gettext("请选择技术领域"))
    clean["ip_type"] = _choice(data.get("ip_type"), "ip_type", errors)
    if clean["ip_type"] not in IP_TYPES:
        errors.setdefault("ip_type", gettext("请选择知识产权类型"))
    clean.update(_clean_amounts(data, errors))
    clean.update(_clean_links(data, errors, seller_org, buyer_org))
    if errors:
        raise ValidationError(gettext("合同信息有误，请按提示修改"), fields=errors)
    return clean


def _clean_project_name(data: dict[str, Any], errors: dict) -> str:
    name = _text(data.get("project_name"), "project_name", errors)
    if not name:
        errors.setdefault("project_name", gettext("请填写项目名称"))
    elif len(name) > 200:
        errors["project_name"] = gettext("项目名称不能超过 200 字")
    return name


def _clean_type(data: dict[str, Any], errors: dict) -> dict[str, Any]:
    """The contract type and a subtype that belongs to it (技术合同认定规则)."""
    contract_type = _choice(data.get("contract_type"), "contract_type", errors)
    if contract_type not in CONTRACT_TYPES:
        errors["contract_type"] = gettext("请选择合同类别")
    subtype = _choice(data.get("subtype"), "subtype", errors)
    if contract_type in CONTRACT_TYPES and subtype not in SUBTYPES[contract_type]:
        errors["subtype"] = gettext(
            "合同子类与类别“%(type)s”不符，请重新选择", type=gettext(CONTRACT_TYPES[contract_type])
        )
    return {"contract_type": contract_type, "subtype": subtype}


def _clean_dates(data: dict[str, Any], errors: dict) -> dict[str, date | None]:
    """Signed already (only a signed contract is registered), and valid for a plausible term."""
    dates = {name: _date(data.get(name), name, errors) for name in ("signed_on", "valid_from", "valid_to")}
    signed, start, end = dates["signed_on"], dates["valid_from"], dates["valid_to"]
    if signed and signed > beijing_today():
        errors["signed_on"] = gettext("签订日期不能晚于今天：只有已签订的书面合同才能登记")
    elif signed and signed < EARLIEST_SIGNING:
        errors["signed_on"] = gettext(
            "签订日期不能早于 %(day)s，请核对年份", day=EARLIEST_SIGNING.isoformat()
        )
    if start and end and end < start:
        errors["valid_to"] = gettext("有效期截止日不能早于起始日")
    elif start and end and end > _years_later(start):
        errors["valid_to"] = gettext("有效期最长 %(n)s 年，请核对截止日", n=MAX_VALID_YEARS)
    return dates


def _clean_amounts(data: dict[str, Any], errors: dict) -> dict[str, Any]:
    """The unit typed in, 合同成交额, the deductions and what remains: 技术交易额."""
    unit = _choice(data.get("amount_unit"), "amount_unit", errors) or "yuan"
    if unit not in AMOUNT_UNITS:
        errors["amount_unit"] = gettext("金额单位应为 yuan（元）或 wan（万元）")
    amount = _amount(data.get("contract_amount_fen"), "contract_amount_fen", errors, positive=True)
    deductions = _clean_deductions(data.get("deductions"), errors)
    clean = {"amount_unit": unit, "contract_amount_fen": amount, "deductions": deductions}
    if amount is not None and all(d["amount_fen"] is not None for d in deductions):
        total = sum(d["amount_fen"] for d in deductions)
        if total > amount:
            errors["deductions"] = gettext(
                "非技术性扣除合计 %(total)s 超过合同成交额 %(amount)s，技术交易额不能为负，请核对扣除金额",
                total=format_wan(total, 6),
                amount=format_wan(amount, 6),
            )
        clean["technical_amount_fen"] = amount - total
    return clean


def _clean_deductions(value, errors: dict) -> list[dict[str, Any]]:
    """Non-technical deductions (equipment, parts, materials), each with what it is and its amount."""
    rows = [] if value is None else value
    if not isinstance(rows, list):
        errors["deductions"] = gettext("扣除项应为列表")
        rows = []
    if len(rows) > MAX_DEDUCTIONS:
        errors["deductions"] = gettext("扣除项最多 %(n)s 项", n=MAX_DEDUCTIONS)
        rows = []
    clean = []
    for index, item in enumerate(rows):
        key = f"deductions.{index}"
        if not isinstance(item, dict):
            errors[key] = gettext("扣除项格式不正确")
            continue
        category = _choice(item.get("category"), f"{key}.category", errors)
        description = _text(item.get("description"), f"{key}.description", errors)
        if category not in DEDUCTION_CATEGORIES:
            errors[f"{key}.category"] = gettext("扣除类别应为设备、仪器、零部件或原材料")
        if not description:
            errors.setdefault(f"{key}.description", gettext("请说明扣除的是什么（如：购置的检测设备）"))
        elif len(description) > 200:
            errors[f"{key}.description"] = gettext("说明不能超过 200 字")
        value = _amount(item.get("amount_fen"), f"{key}.amount_fen", errors, positive=True)
        clean.append({"category": category, "description": description, "amount_fen": value})
    return clean


def _clean_links(data: dict[str, Any], errors: dict, seller_org, buyer_org) -> dict[str, Any]:
    """The patents, results and demand the contract is about, and the deal it closes."""
    party_orgs = {i for i in (seller_org, buyer_org) if i}
    clean: dict[str, Any] = {
        "patent_ids": _clean_ids(data.get("patent_ids"), "patent_ids", Patent, errors, party_orgs),
        "result_ids": _clean_ids(data.get("result_ids"), "result_ids", ResearchResult, errors, party_orgs),
        "demand_id": None,
        "deal_id": None,
    }
    demand_id = data.get("demand_id")
    if demand_id not in (None, ""):
        if _is_id(demand_id) and db.session.scalar(_linkable(Demand, [demand_id], party_orgs)) is not None:
            clean["demand_id"] = demand_id
        else:
            errors["demand_id"] = gettext("关联的技术需求不存在或未公开")
    deal_id = data.get("deal_id")
    if deal_id not in (None, ""):
        if not _is_id(deal_id):
            errors["deal_id"] = gettext("对接编号应为正整数")
        else:
            clean["deal_id"] = deal_id
            problem = deal_problem(deal_id, seller_org, buyer_org)
            if problem:
                errors["deal_id"] = problem
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
            gettext(
                "合同成交额只有 %(amount)s，不足 1,000 元，请确认单位（元/万元）无误",
                amount=format_wan_exact(amount),
            )
        )
    if _is_int(amount) and amount > LARGE_CONTRACT_FEN:
        warnings.append(
            gettext(
                "合同成交额达 %(amount)s，超过 10 亿元，请确认单位（元/万元）无误",
                amount=format_wan_exact(amount),
            )
        )
    if saved is None:
        return warnings
    pairs = [(gettext("合同成交额"), saved.contract_amount_fen, amount)]
    new_rows = payload.get("deductions") or []
    for index, row in enumerate(saved.deductions):
        if index < len(new_rows) and isinstance(new_rows[index], dict):
            pairs.append(
                (gettext("第 %(n)s 项扣除", n=index + 1), row.amount_fen, new_rows[index].get("amount_fen"))
            )
    for label, before, after in pairs:
        if not (_is_int(before) and _is_int(after)) or before <= 0 or after <= 0:
            continue
        if after >= before * 10 or after * 10 <= before:
            warnings.append(
                gettext(
                    "%(label)s由 %(before)s 改为 %(after)s，相差十倍以上，请确认无误",
                    label=label,
                    before=format_wan_exact(before),
                    after=format_wan_exact(after),
                )
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


def registrant_side(revision: ContractRevision) -> str:
    """The seller registers; for a technology import (foreign seller) the domestic buyer does."""
    return "buyer" if revision.party("seller").is_foreign else "seller"


def check_registrant(revision: ContractRevision) -> None:
    """Refuse a contract this city's registration points may not register, saying why."""
    side = registrant_side(revision)
    party = revision.party(side)
    if side == "buyer" and party.is_foreign:
        raise ValidationError(
            gettext("买卖双方均为境外单位：技术进口合同由国内买方登记，本平台无法登记该合同"),
            fields={"buyer": gettext("技术进口合同的买方应为国内单位")},
        )
    if party.region_code not in DISTRICTS:
        where = tr(party.region_label) or party.region_code or gettext("未填写")
        role = gettext("国内买方（技术进口合同）") if side == "buyer" else gettext("卖方")
        raise ValidationError(
            gettext(
                "不予受理：技术合同由%(role)s在其所在地登记，该合同的%(role)s“%(name)s”所在地为%(where)s，"
                "不在石家庄市，请到登记方所在地的技术合同登记机构办理",
                role=role,
                name=party.name,
                where=where,
            ),
            fields={side: gettext("登记方须在石家庄市辖区内")},
        )
