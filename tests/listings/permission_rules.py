"""Who may use each listings route (see tests/test_permissions.py)."""

from tests.listings.factories import make_demand, make_patent, make_result
from tests.permission_roles import ANY, AUTH, BUREAU

POSTERS = frozenset({"university", "institute", "enterprise"})
PATENT_POSTERS = POSTERS
RESULT_POSTERS = frozenset({"university", "institute"})
DEMAND_POSTERS = frozenset({"enterprise", "institute"})
# The enterprise owns the demand; its pending member may not act for it.
OWNER = frozenset({"enterprise"})
OWNER_AND_BUREAU = frozenset({"enterprise", "bureau", "admin"})

RULES = {
    "listings.index": ("GET", "/demands", ANY),
    "listings.show": ("GET", "/demands/{demand}", ANY),
    "listings.private_details": ("GET", "/demands/{demand}/private", OWNER_AND_BUREAU),
    "listings.create": ("GET", "/results/new", RESULT_POSTERS),
    "listings.edit": ("GET", "/demands/{demand}/edit", OWNER),
    "listings.publish": ("POST", "/demands/{draft}/publish", OWNER),
    "listings.withdraw": ("POST", "/demands/{demand}/withdraw", OWNER),
    "listings.confirm": ("POST", "/demands/{demand}/confirm", OWNER),
    "listings.take_down": ("POST", "/demands/{demand}/takedown", BUREAU),
    "listings.mine": ("GET", "/my/listings", POSTERS),
    "listings.export": ("GET", "/my/listings/export.xlsx", POSTERS),
    "listings.import_upload": ("GET", "/my/listings/import", POSTERS),
    "listings.import_job": ("GET", "/my/listings/import/{job}", OWNER),
    "listings.import_status": ("GET", "/my/listings/import/{job}/status", OWNER),
    "listings.import_template": ("GET", "/listings/template/patent.xlsx", ANY),
    "listing_imports.preview": ("GET", "/my/listings/import/{preview_job}/preview", OWNER),
}

_API_ROLES = {"patents": PATENT_POSTERS, "results": RESULT_POSTERS, "demands": DEMAND_POSTERS}
for _segment, _posters in _API_ROLES.items():
    _obj = "{" + {"patents": "api_patent", "results": "api_result", "demands": "demand"}[_segment] + "}"
    _owner = {"patents": frozenset({"university"}), "results": frozenset({"university"}), "demands": OWNER}[
        _segment
    ]
    RULES[f"api.{_segment}_list"] = ("GET", f"/api/v1/{_segment}", ANY)
    RULES[f"api.{_segment}_show"] = ("GET", f"/api/v1/{_segment}/{_obj}", ANY)
    # POST with no body: the posters get past the permission check to a 400, the others 403.
    RULES[f"api.{_segment}_create"] = ("POST", f"/api/v1/{_segment}", _posters)
    RULES[f"api.{_segment}_update"] = ("PATCH", f"/api/v1/{_segment}/{_obj}", _owner)
    RULES[f"api.{_segment}_publish"] = ("POST", f"/api/v1/{_segment}/{_obj}/publish", _owner)
    RULES[f"api.{_segment}_withdraw"] = ("POST", f"/api/v1/{_segment}/{_obj}/withdraw", _owner)

assert AUTH  # the role sets are shared with the foundation's table


def setup(users) -> dict:
    from marketplace.extensions import db
    from marketplace.listings.models import ImportJob

    enterprise = users["enterprise"].organisation
    university = users["university"].organisation
    demand = make_demand(enterprise)
    draft = make_demand(enterprise, status="draft", title="草稿需求")
    job = ImportJob(kind="demand", organisation_id=enterprise.id, filename="x.csv", state="done")
    db.session.add(job)
    # A preview of a small uploaded file, as the upload leaves it.
    from marketplace.common.uploads import upload_path

    stored = upload_path("imports/permission-preview.csv")
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_text(
        "需求名称,需求描述\n求购锂电池隔膜技术,需要高孔隙率隔膜的制备工艺。\n", encoding="utf-8"
    )
    preview_job = ImportJob(
        kind="demand",
        organisation_id=enterprise.id,
        filename="x.csv",
        stored_path="imports/permission-preview.csv",
        state="preview",
    )
    db.session.add(preview_job)
    db.session.commit()
    return {
        "demand": demand.id,
        "draft": draft.id,
        "job": job.id,
        "preview_job": preview_job.id,
        "api_patent": make_patent(university).id,
        "api_result": make_result(university).id,
    }
