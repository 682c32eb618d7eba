"""Citing a deal: a registered contract that names the deal it came from closes that deal.

Deals sit above contracts, so contracts do not import them: the deals feature hands its model over
with `cite_deals_from` (in `marketplace/deals/subscribers.py`, imported by the app factory). What
is read of it: `id`, `seller_org_id`, `buyer_org_id`, `broker_org_id` and `contract_id`.
"""

from flask_babel import gettext
from sqlalchemy import Select, or_, select

from marketplace.common.errors import ValidationError
from marketplace.extensions import db

_deal_model: list[type] = []


def cite_deals_from(model: type) -> None:
    """Take `model` as the deals a contract may cite (the deals feature calls this once)."""
    _deal_model[:] = [model]


def _deals() -> type:
    if not _deal_model:
        raise RuntimeError("no deal model: marketplace.deals.subscribers was not imported")
    return _deal_model[0]


def deal_problem(deal_id: int, seller_org: int | None, buyer_org: int | None) -> str | None:
    """Why a contract with these parties may not cite the deal, or None.

    A contract registered against a deal moves it to 已签合同并登记 and credits its broker, so it
    must be the deal's own contract: between the deal's two parties, and the deal's first.
    """
    deal = db.session.get(_deals(), deal_id)
    if deal is None:
        return gettext("对接记录不存在，请从“我的对接”中选择")
    if {seller_org, buyer_org} != {deal.seller_org_id, deal.buyer_org_id}:
        return gettext("合同的卖方和买方应为该对接的双方（请选择平台上的这两家单位）")
    return None


def check_deal_access(actor, deal_id: int | None, contract_id: int | None = None) -> None:
    """Only a party or the broker of a deal may cite it, and a deal has one registered contract."""
    if deal_id is None:
        return
    deal = db.session.get(_deals(), deal_id)
    org_id = actor.org.id if actor.org is not None else None
    if deal is None or org_id not in (deal.seller_org_id, deal.buyer_org_id, deal.broker_org_id):
        raise ValidationError(
            gettext("合同信息有误，请按提示修改"),
            fields={"deal_id": gettext("只能关联贵单位作为一方或经纪机构参与的对接")},
        )
    if deal.contract_id is not None and deal.contract_id != contract_id:
        raise ValidationError(
            gettext("合同信息有误，请按提示修改"),
            fields={"deal_id": gettext("该对接已有登记的技术合同，不能再次关联")},
        )


def _citable_deals_stmt(actor, contract_id: int | None = None) -> Select:
    deals = _deals()
    org = getattr(actor, "org", None)
    org_id = org.id if org is not None else -1
    return (
        select(deals)
        .where(
            or_(deals.seller_org_id == org_id, deals.buyer_org_id == org_id, deals.broker_org_id == org_id)
        )
        .where(or_(deals.contract_id.is_(None), deals.contract_id == (contract_id or -1)))
        .order_by(deals.id.desc())
    )


def citable_deals(actor, contract_id: int | None = None) -> list:
    """Deals the actor's organisation may cite: it is a party or the broker, no other contract yet."""
    return list(db.session.scalars(_citable_deals_stmt(actor, contract_id).limit(200)))


def citable_deal(actor, deal_id: str):
    """The deal a "登记技术合同" link names, if the actor may cite it; else None."""
    if not (isinstance(deal_id, str) and deal_id.isascii() and deal_id.isdigit() and len(deal_id) < 19):
        return None
    return db.session.scalar(_citable_deals_stmt(actor).where(_deals().id == int(deal_id)))
