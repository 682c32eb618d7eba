"""Privacy: hidden enterprise names, owner filters, match pages of non-public listings, how one
joins the bureau, and credentials that must end with a password change.

One world per module: an enterprise that hides its name on a published demand, and every kind of
viewer (issue 13, "Privacy"). The hidden name is shown only to the owner's members, the bureau,
verified brokers and the counterpart of an accepted inquiry; everyone else sees 某企业.
"""

import json

import pytest
from sqlalchemy import select

from marketplace.accounts import services as account_services
from marketplace.accounts.models import User
from marketplace.common.errors import ValidationError
from marketplace.extensions import db
from tests.deals.factories import accept, offer
from tests.factories import PASSWORD, make_org, make_user
from tests.search.factories import make_demand, make_result
from tests.security.conftest import bearer, client_as

OWNER_NAME = "保密重工装备有限公司"
OWNER_DISTRICT = "130109"  # 藁城区; every other organisation here sits in 桥西区 (130104)
DEMAND_TITLE = "寻求高温合金真空钎焊工艺"
QUERY = "高温合金真空钎焊"

DENIED = ("anon", "unverified_broker", "unverified_university", "unverified_enterprise", "outsider")
ALLOWED = ("owner", "colleague", "broker", "bureau", "counterpart")


@pytest.fixture(scope="module")
def world(shared_app):
    with shared_app.app_context():
        owner_org = make_org("enterprise", name=OWNER_NAME, district=OWNER_DISTRICT)
        owner = make_user(org=owner_org)
        users = {
            "owner": owner,
            "colleague": make_user(org=owner_org, manager=False),
            "broker": make_user("broker"),
            "unverified_broker": make_user("broker", verified=False),
            "unverified_university": make_user("university", verified=False),
            "unverified_enterprise": make_user("enterprise", verified=False),
            "outsider": make_user("enterprise"),
            "bureau": make_user("bureau"),
            "admin": make_user("bureau", admin=True),
            "counterpart": make_user("university"),
        }
        demand = make_demand(
            owner_org,
            title=DEMAND_TITLE,
            description="真空钎焊接头在 900 度下强度不足，寻求工艺与钎料方案。",
            keywords=["高温合金", "真空钎焊"],
            hide_name=True,
        )
        draft = make_demand(owner_org, title="草稿需求：不公开的冷轧轧辊修复", status="draft")
        withdrawn = make_demand(owner_org, title="已撤回需求：不公开的涂层剥落", status="withdrawn")
        solution = make_result(users["counterpart"].organisation, title="镍基高温合金真空钎焊工艺")
        draft_result = make_result(
            users["counterpart"].organisation, title="草稿成果：不公开的钎料配方", status="draft"
        )
        inquiry = offer(users["counterpart"], solution, demand)
        accept(owner, inquiry)
        tokens = {}
        for role, user in users.items():
            tokens[role] = account_services.create_api_token(user, "privacy")
        db.session.commit()
        return {
            "users": users,
            "tokens": tokens,
            "owner_org": owner_org.id,
            "demand": demand.id,
            "draft": draft.id,
            "withdrawn": withdrawn.id,
            "draft_result": draft_result.id,
            "inquiry": inquiry.id,
            "bureau_org": users["bureau"].organisation_id,
        }


def _client(app, world, who):
    return client_as(app, None if who == "anon" else world["users"][who])


def _get(app, world, who, url):
    """GET a page, or an API URL with the viewer's token (anonymous: none)."""
    if url.startswith("/api/") and who != "anon":
        return app.test_client().get(url, headers=bearer(world["tokens"][who]))
    return _client(app, world, who).get(url)


def _text(response) -> str:
    """The body as a person reads it (JSON without \\u escapes)."""
    if response.is_json:
        return json.dumps(response.json, ensure_ascii=False)
    return response.get_data(as_text=True)


def _organisations(data) -> list[dict]:
    """Every "organisation" object anywhere in a JSON answer."""
    if isinstance(data, list):
        return [org for item in data for org in _organisations(item)]
    if not isinstance(data, dict):
        return []
    found = [data["organisation"]] if isinstance(data.get("organisation"), dict) else []
    return found + [org for value in data.values() for org in _organisations(value)]


# --- 1. hidden names ---------------------------------------------------------------------------

# Where a hidden demand or its owner may surface; the organisation page names the organisation
# itself, so there the demand must simply not be listed.
NAME_PAGES = [
    "/demands/{demand}",
    "/demands",
    "/demands?org={owner_org}",
    "/",
    "/search/?q=" + QUERY,
    "/search/?type=demand",
    "/api/v1/demands/{demand}",
    "/api/v1/demands",
    "/api/v1/search?q=" + QUERY,
    "/api/v1/search?type=demand",
]


@pytest.mark.parametrize("url", NAME_PAGES)
@pytest.mark.parametrize("who", DENIED)
def test_hidden_name_is_never_shown_to_those_who_may_not_see_it(shared_app, world, who, url):
    response = _get(shared_app, world, who, url.format(**world))
    assert response.status_code == 200
    body = _text(response)
    assert OWNER_NAME not in body and f"/orgs/{world['owner_org']}" not in body
    if response.is_json:
        assert world["owner_org"] not in [org["id"] for org in _organisations(response.json)]
    if DEMAND_TITLE in body:
        assert "某企业" in body


@pytest.mark.parametrize("who", DENIED)
def test_org_page_does_not_list_a_demand_that_hides_its_owner(shared_app, world, who):
    body = _get(shared_app, world, who, f"/orgs/{world['owner_org']}").get_data(as_text=True)
    assert DEMAND_TITLE not in body


@pytest.mark.parametrize("who", ALLOWED)
def test_owner_bureau_verified_broker_and_counterpart_see_the_name(shared_app, world, who):
    page = _get(shared_app, world, who, f"/demands/{world['demand']}").get_data(as_text=True)
    assert OWNER_NAME in page
    api = _get(shared_app, world, who, f"/api/v1/demands/{world['demand']}").json
    assert api["organisation"] == {"id": world["owner_org"], "name": OWNER_NAME}
    assert DEMAND_TITLE in _get(shared_app, world, who, f"/orgs/{world['owner_org']}").get_data(as_text=True)


def test_accepted_inquiry_names_the_owner_to_its_counterpart(shared_app, world):
    page = _get(shared_app, world, "counterpart", f"/deals/inquiries/{world['inquiry']}")
    assert OWNER_NAME in _text(page)


def test_the_demand_form_promises_the_name_only_to_verified_brokers(shared_app, world):
    page = _get(shared_app, world, "owner", "/demands/new").get_data(as_text=True)
    assert "经认证的技术经纪机构" in page and "经纪人和科技局仍可见" not in page


# --- 2. filters on the owner's attributes ------------------------------------------------------


@pytest.mark.parametrize("who", DENIED)
@pytest.mark.parametrize("district", [OWNER_DISTRICT, "130104"])
def test_region_filter_does_not_find_a_hidden_demand_by_its_owners_district(shared_app, world, who, district):
    api = _get(shared_app, world, who, f"/api/v1/search?type=demand&region={district}").json
    assert api["total"] == 0 and api["counts"]["demand"] == 0 and api["items"] == []
    page = _get(shared_app, world, who, f"/search/?type=demand&region={district}").get_data(as_text=True)
    assert DEMAND_TITLE not in page


def test_verified_broker_still_filters_hidden_demands_by_region(shared_app, world):
    api = _get(shared_app, world, "broker", f"/api/v1/search?type=demand&region={OWNER_DISTRICT}").json
    assert [item["id"] for item in api["items"]] == [world["demand"]]


@pytest.mark.parametrize("who", DENIED)
def test_company_filter_does_not_reveal_whose_hidden_demand_it_is(shared_app, world, who):
    page = _get(shared_app, world, who, f"/demands?org={world['owner_org']}").get_data(as_text=True)
    assert DEMAND_TITLE not in page


# --- 3. matches of listings that are not public ------------------------------------------------

MATCH_CASES = [
    # (who, listing, expected status) — the listing's own detail page rule decides.
    ("owner", "draft", 200),
    ("colleague", "draft", 200),
    ("broker", "draft", 404),
    ("unverified_broker", "draft", 404),
    ("bureau", "draft", 404),
    ("admin", "draft", 404),
    ("outsider", "draft", 404),
    ("owner", "withdrawn", 200),
    ("bureau", "withdrawn", 200),
    ("broker", "withdrawn", 404),
    ("admin", "withdrawn", 200),
]


@pytest.mark.parametrize(("who", "listing", "status"), MATCH_CASES)
def test_match_pages_of_a_demand_follow_the_demands_own_visibility(shared_app, world, who, listing, status):
    demand_id = world[listing]
    page = _get(shared_app, world, who, f"/search/matches/demand/{demand_id}")
    assert page.status_code == status
    if status == 404:
        assert "不公开的" not in _text(page)
    api = _get(shared_app, world, who, f"/api/v1/demands/{demand_id}/matches")
    assert api.status_code == status
    if status == 404:
        assert "不公开的" not in _text(api)


@pytest.mark.parametrize("who", ["bureau", "admin", "broker", "owner"])
def test_match_pages_of_a_draft_result_are_not_found_but_for_its_owner(shared_app, world, who):
    url = f"/search/matches/result/{world['draft_result']}"
    assert _get(shared_app, world, who, url).status_code == 404
    assert _get(shared_app, world, who, f"/api/v1/results/{world['draft_result']}/matches").status_code == 404
    assert _get(shared_app, world, "counterpart", url).status_code == 200


def test_unverified_broker_may_not_read_a_demands_matches(shared_app, world):
    url = f"/api/v1/demands/{world['demand']}/matches"
    assert _get(shared_app, world, "unverified_broker", url).status_code == 403
    assert _get(shared_app, world, "broker", url).status_code == 200


# --- 4. joining the bureau ---------------------------------------------------------------------


def _join_form(email: str, org_id) -> dict:
    return {
        "email": email,
        "name": "冒名者",
        "phone": "13800000000",
        "password": "Hebei2026pass",
        "confirm": "Hebei2026pass",
        "mode": "join",
        "join_org": str(org_id),
    }


@pytest.mark.parametrize("target", ["bureau", "missing", "huge"])
def test_registration_joins_only_organisations_offered_in_the_join_list(shared_app, world, target):
    org_id = {"bureau": world["bureau_org"], "missing": 987654, "huge": 2**70}[target]
    email = f"join-{target}@example.cn"
    client = shared_app.test_client()
    assert f'value="{world["bureau_org"]}"' not in client.get("/account/register").get_data(as_text=True)
    response = client.post("/account/register", data=_join_form(email, org_id))
    assert response.status_code == 422
    assert "所选单位不在可加入的单位列表中" in response.get_data(as_text=True)
    with shared_app.app_context():
        assert db.session.scalar(select(User).where(User.email == email)) is None


def test_registration_may_not_create_a_bureau(shared_app, world):
    form = {
        **_join_form("fake-bureau@example.cn", 0),
        "mode": "new",
        "org_name": "石家庄市科学技术局（仿冒）",
        "org_type": "bureau",
        "credit_code": "",
        "district": "130104",
        "nature_code": "010",
    }
    response = shared_app.test_client().post("/account/register", data=form)
    assert response.status_code == 422
    with shared_app.app_context():
        assert db.session.scalar(select(User).where(User.email == "fake-bureau@example.cn")) is None


def test_the_registration_service_refuses_a_new_bureau(shared_app, world):
    data = account_services.NewOrganisation(
        name="仿冒科技局二",
        org_type="bureau",
        credit_code="",
        district="130104",
        zone=None,
        nature_code="010",
        contact_name="冒名者",
        contact_phone="13800000000",
    )
    with shared_app.app_context():
        with pytest.raises(ValidationError) as error:
            account_services.register_with_new_org(
                "fake-bureau2@example.cn", "冒名者", "Hebei2026pass", "13800000000", data
            )
        assert "org_type" in error.value.fields
        db.session.rollback()


def test_a_bureau_manager_cannot_approve_a_bureau_member_only_an_admin_can(shared_app, world):
    with shared_app.app_context():
        applicant = make_user(
            org=db.session.get(User, world["users"]["bureau"].id).organisation, membership="pending"
        )
        applicant_id = applicant.id
    manager = client_as(shared_app, world["users"]["bureau"])
    manager.post(f"/my/org/members/{applicant_id}/approve")
    with shared_app.app_context():
        assert db.session.get(User, applicant_id).membership == "pending"
    admin = client_as(shared_app, world["users"]["admin"])
    admin.post(f"/my/org/members/{applicant_id}/approve")
    with shared_app.app_context():
        assert db.session.get(User, applicant_id).membership == "active"


# --- 5. credentials end with a password change -------------------------------------------------


def _token_for_new_user(app, **kw):
    with app.app_context():
        user = make_user("enterprise", **kw)
        raw = account_services.create_api_token(user, "script")
        db.session.commit()
        return user, raw


def _api_me(app, raw) -> int:
    return app.test_client().get("/api/v1/me", headers=bearer(raw)).status_code


def test_password_reset_revokes_every_api_token(shared_app, world):
    user, raw = _token_for_new_user(shared_app)
    assert _api_me(shared_app, raw) == 200
    with shared_app.app_context():
        fresh = db.session.get(User, user.id)
        token = account_services.make_reset_token(fresh, shared_app.config["SECRET_KEY"])
    response = shared_app.test_client().post(
        f"/account/reset/{token}", data={"password": "Renewed2026pass", "confirm": "Renewed2026pass"}
    )
    assert response.status_code == 302
    assert _api_me(shared_app, raw) == 401


def test_password_change_revokes_every_api_token(shared_app, world):
    user, raw = _token_for_new_user(shared_app)
    client = client_as(shared_app, user)
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "Changed2026pass", "confirm": "Changed2026pass"},
    )
    assert response.status_code == 302
    assert _api_me(shared_app, raw) == 401


def test_removing_a_member_revokes_their_tokens(shared_app, world):
    with shared_app.app_context():
        manager = make_user("enterprise")
        member = make_user(org=manager.organisation, manager=False)
        raw = account_services.create_api_token(member, "script")
        db.session.commit()
        member_id = member.id
    assert _api_me(shared_app, raw) == 200
    client_as(shared_app, manager).post(f"/my/org/members/{member_id}/remove")
    assert _api_me(shared_app, raw) == 401
