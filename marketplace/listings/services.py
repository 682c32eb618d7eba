"""Write logic for listings: drafts, publishing, withdrawal, confirmation, take-down, expiry.

Services take the acting user and plain values, raise domain errors, record every state change in
the audit log and never commit. All status changes go through the ORM session so that observers
(search indexing) see them; only bulk imports insert in bulk, and then call `after_bulk_import`.
"""

from datetime import date

from flask_babel import gettext
from sqlalchemy import or_, select

from marketplace.common import domain
from marketplace.common.audit import record_audit
from marketplace.common.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.common.i18n import N_, tr
from marketplace.common.kinds import KIND_LABELS, SEGMENTS
from marketplace.common.permissions import can
from marketplace.common.roles import is_bureau
from marketplace.common.timeutil import beijing_today, utcnow
from marketplace.common.validators import patent_type_from_application_number
from marketplace.extensions import db

# Re-exported for listings/api.py and the search feature, which import them from here.
from marketplace.listings.access import PUBLIC_STATUSES
from marketplace.listings.access import can_see_private as can_see_private
from marketplace.listings.access import can_view as can_view
from marketplace.listings.fields import (
    FIELD_BY_NAME,
    clean_record,
    empty_value,
    labelled,
    patent_type_from_publication_number,
)
from marketplace.listings.models import (
    HIDDEN_NAME,
    LISTING_MODELS,
    STALE_AFTER,
    Demand,
    Patent,
    ResearchResult,
)

KIND_OF_SEGMENT = {segment: kind for kind, segment in SEGMENTS.items()}
POSTERS = {
    "patent": domain.CAN_POST_PATENTS,
    "result": domain.CAN_POST_RESULTS,
    "demand": domain.CAN_POST_DEMANDS,
}
# Fields the web form edits beside the shared import/API fields.
EXTRA_FIELDS = {
    "patent": ("private_details",),
    "result": ("technical_level", "contact_name", "contact_phone", "private_details"),
    "demand": ("industry", "partner_preference", "private_details"),
}


def can_post(user, kind: str) -> bool:
    """Whether the user's organisation type may post this kind of listing."""
    return bool(getattr(user, "is_authenticated", False)) and user.role in POSTERS[kind]


def shows_name_to(listing, user) -> bool:
    return listing.shows_name_to(user) if isinstance(listing, Demand) else True


def public_org(listing, user) -> dict:
    """The organisation as the API shows it to this user: {"id", "name"} or hidden."""
    if shows_name_to(listing, user):
        return {"id": listing.organisation_id, "name": listing.organisation.name}
    return {"id": None, "name": HIDDEN_NAME}


def get_listing(kind: str, listing_id: int):
    listing = db.session.get(LISTING_MODELS[kind], listing_id) if listing_id < 2**31 else None
    if listing is None:
        raise NotFound(gettext("该%(kind)s不存在或已删除", kind=tr(KIND_LABELS[kind])))
    return listing


def snapshot(listing) -> dict:
    """The listing's fields, for the audit log's before/after."""
    data = {
        name: getattr(listing, name, None) for name in FIELD_BY_NAME[listing.kind] if name != "patent_ids"
    }
    if isinstance(listing, ResearchResult):
        data["patent_ids"] = sorted(p.id for p in listing.patents)
    data["status"] = listing.status
    return data


def _require_editor(listing, user) -> None:
    if not can(user, "edit", listing):
        raise PermissionDenied(gettext("只有发布单位的成员可以修改该信息"))


def _require_poster(user, kind: str) -> None:
    if not can_post(user, kind):
        raise PermissionDenied(gettext("贵单位类型不能发布%(kind)s", kind=tr(KIND_LABELS[kind])))


def _require_verified(user) -> None:
    if not user.org_verified:
        raise PermissionDenied(gettext("单位通过认证后才能发布；认证前可以先保存为草稿"))


def clean_or_raise(kind: str, raw: dict, *, partial: bool = False) -> dict:
    """Clean raw values, raising a ValidationError that names every bad field."""
    values, errors, _unknown = clean_record(kind, raw, partial=partial)
    if errors:
        raise ValidationError(
            gettext("提交的内容有误：%(errors)s", errors=gettext("；").join(errors.values())), fields=errors
        )
    return values


def _apply(listing, values: dict, org_id: int) -> None:
    if (
        isinstance(listing, Patent)
        and "legal_status" in values
        and "legal_status_detail" not in values
        and values["legal_status"] != listing.legal_status
    ):
        # The owner changed the status by hand: the database's wording and date no longer apply.
        listing.legal_status_detail, listing.legal_status_date, listing.legal_status_note = "", None, ""
    for name, value in values.items():
        if name == "patent_ids":
            listing.patents = _own_patents(value, org_id)
        else:
            setattr(listing, name, value)
    if isinstance(listing, Patent) and not listing.patent_type:
        listing.patent_type = patent_type_from_publication_number(listing.publication_number) or (
            _type_from_application(listing.application_number)
        )


def _type_from_application(number: str | None) -> str | None:
    return patent_type_from_application_number(number or "")


def _own_patents(ids: list[int], org_id: int) -> list[Patent]:
    """A result may link only its own organisation's patents."""
    if not ids:
        return []
    patents = db.session.scalars(select(Patent).where(Patent.id.in_(ids))).all()
    found = {p.id: p for p in patents if p.organisation_id == org_id}
    missing = [i for i in ids if i not in found]
    if missing:
        message = labelled(
            N_("关联专利"), gettext("编号 %(ids)s 不存在或不属于本单位", ids=", ".join(map(str, missing)))
        )
        raise ValidationError(message, fields={"patent_ids": message})
    return [found[i] for i in ids]


def create_listing(user, kind: str, values: dict):
    """Save a new draft for the user's organisation."""
    _require_poster(user, kind)
    model = LISTING_MODELS[kind]
    listing = model(organisation_id=user.org.id, created_by_id=user.id, status="draft")
    listing.organisation = user.org
    for spec_name in FIELD_BY_NAME[kind]:
        if spec_name not in values and spec_name != "patent_ids":
            setattr(listing, spec_name, _default(kind, spec_name))
    _apply(listing, values, user.org.id)
    db.session.add(listing)
    now = utcnow()
    listing.created_at = listing.updated_at = now
    record_audit(user, f"{kind}.create", listing, after=snapshot(listing), summary=listing.title)
    return listing


def _default(kind: str, name: str):
    return empty_value(FIELD_BY_NAME[kind][name])


def update_listing(user, listing, values: dict):
    """Change a listing's fields; it keeps its status, and counts as freshly updated."""
    _require_editor(listing, user)
    before = snapshot(listing)
    _apply(listing, values, listing.organisation_id)
    after = snapshot(listing)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if changed or any(k in values for k in EXTRA_FIELDS[listing.kind]):
        listing.updated_at = utcnow()
        record_audit(
            user,
            f"{listing.kind}.update",
            listing,
            before={k: before.get(k) for k in changed},
            after=changed,
            summary=listing.title,
        )
    return listing


def publish_listing(user, listing):
    """Publish a draft or withdrawn listing; only verified organisations publish."""
    _require_editor(listing, user)
    _require_verified(user)
    if listing.status == "published":
        return listing
    if listing.status == "taken_down":
        raise Conflict(
            gettext(
                "该信息已被科技局下架（原因：%(reason)s），修改后请联系科技局", reason=listing.takedown_reason
            )
        )
    if isinstance(listing, Demand) and listing.deadline and listing.deadline < beijing_today():
        raise ValidationError(
            gettext("需求截止日期已过，请先修改截止日期再发布"), fields={"deadline": gettext("截止日期已过")}
        )
    before = listing.status
    listing.status = "published"
    listing.published_at = listing.updated_at = utcnow()
    listing.takedown_reason = ""
    record_audit(
        user,
        f"{listing.kind}.publish",
        listing,
        before={"status": before},
        after={"status": "published"},
        summary=listing.title,
    )
    return listing


def withdraw_listing(user, listing):
    """Withdraw a listing from public view; it can be published again later."""
    _require_editor(listing, user)
    if listing.status not in ("published", "expired", "draft"):
        raise Conflict(gettext("当前状态为“%(status)s”，不能撤回", status=tr(listing.status_label)))
    before = listing.status
    listing.status = "withdrawn"
    listing.updated_at = utcnow()
    record_audit(
        user,
        f"{listing.kind}.withdraw",
        listing,
        before={"status": before},
        after={"status": "withdrawn"},
        summary=listing.title,
    )
    return listing


def confirm_listing(user, listing):
    """Confirm that an unchanged published listing is still current (clears the stale mark)."""
    _require_editor(listing, user)
    if listing.status != "published":
        raise Conflict(gettext("只有已发布的信息需要确认"))
    listing.confirmed_at = utcnow()
    record_audit(user, f"{listing.kind}.confirm", listing, summary=listing.title)
    return listing


def take_down_listing(user, listing, reason: str):
    """The bureau removes a listing from public view, with a reason the owner sees."""
    if not is_bureau(user):
        raise PermissionDenied(gettext("只有科技局可以下架信息"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            gettext("请填写下架原因，发布单位会看到它"), fields={"reason": gettext("请填写下架原因")}
        )
    if len(reason) > 500:
        raise ValidationError(
            gettext("下架原因不能超过 500 字"), fields={"reason": gettext("不能超过 %(n)s 字", n=500)}
        )
    if listing.status == "draft":
        raise Conflict(gettext("草稿未公开，无需下架"))
    before = listing.status
    listing.status = "taken_down"
    listing.takedown_reason = reason
    record_audit(
        user,
        f"{listing.kind}.take_down",
        listing,
        before={"status": before},
        after={"status": "taken_down", "reason": reason},
        summary=f"{listing.title}：{reason}",
    )
    return listing


def expire_demands(today: date | None = None) -> int:
    """Mark published demands past their deadline as expired; return how many."""
    today = today or beijing_today()
    demands = db.session.scalars(
        select(Demand).where(Demand.status == "published", Demand.deadline < today)
    ).all()
    for demand in demands:
        demand.status = "expired"
        record_audit(
            None,
            "demand.expire",
            demand,
            before={"status": "published"},
            after={"status": "expired"},
            summary=f"{demand.title}（截止 {demand.deadline}）",
        )
    return len(demands)


def after_bulk_import(kind: str, ids: list[int]) -> None:
    """Called with the ids of listings inserted in bulk (imports, demo data).

    Bulk inserts bypass ORM session events, so they are queued for the search index here; the
    caller's commit makes the queue entries durable together with the listings.
    """
    from marketplace.search.outbox import enqueue

    enqueue(kind, ids)


def public_filter(model, today: date | None = None):
    """Where-clause for listings the public may see."""
    return model.status.in_(PUBLIC_STATUSES)


def active_demand_filter(today: date | None = None):
    today = today or beijing_today()
    return (Demand.status == "published") & (Demand.deadline >= today)


def expired_demand_filter(today: date | None = None):
    today = today or beijing_today()
    return or_(Demand.status == "expired", (Demand.status == "published") & (Demand.deadline < today))


def stale_listings(org_id: int, limit: int = 20) -> list:
    """Published listings of an organisation that nobody updated or confirmed for 12 months."""
    cutoff = utcnow() - STALE_AFTER
    found = []
    for model in LISTING_MODELS.values():
        found += db.session.scalars(
            select(model)
            .where(
                model.organisation_id == org_id,
                model.status == "published",
                model.updated_at < cutoff,
                or_(model.confirmed_at.is_(None), model.confirmed_at < cutoff),
            )
            .order_by(model.updated_at)
            .limit(limit)
        ).all()
    return found[:limit]
