"""The API base: bearer tokens, JSON errors for every failure, the OpenAPI document."""

import pytest
from flask import Blueprint

from marketplace.accounts.services import create_api_token, revoke_api_token
from marketplace.extensions import db
from tests.factories import login, make_user


def _token(app, **kw):
    with app.app_context():
        user = make_user(**kw)
        raw = create_api_token(user, "test")
        db.session.commit()
        return user, raw


def test_token_authenticates_and_revocation_stops_it(client, app):
    user, raw = _token(app, org_type="university")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert response.json["organisation"]["type"] == "university"
    with app.app_context():
        from marketplace.accounts.models import ApiToken

        token = db.session.scalar(db.select(ApiToken))
        assert token.token_hash != raw and raw not in token.token_hash  # stored hashed
        revoke_api_token(db.session.get(type(user), user.id), token.id)
        db.session.commit()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"


def test_revoke_through_the_profile_page(client, app):
    user, raw = _token(app)
    with app.app_context():
        login(client, user)
        from marketplace.accounts.models import ApiToken

        token_id = db.session.scalar(db.select(ApiToken.id))
    client.post(f"/account/tokens/{token_id}/revoke")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_create_token_on_profile_shows_it_once(client, app):
    with app.app_context():
        login(client, make_user())
    page = client.post("/account/tokens", data={"name": "同步脚本"}).get_data(as_text=True)
    import re

    raw = re.search(r"(sjzk_[A-Za-z0-9_\-]+)", page).group(1)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    assert raw not in client.get("/account/profile").get_data(as_text=True)


def test_session_cookie_does_not_authenticate_the_api(client, app):
    with app.app_context():
        login(client, make_user())
    response = client.get("/api/v1/me")
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("header", "code"),
    [("Bearer nonsense", "unauthorized"), ("Basic abc", "unauthorized"), ("Bearer ", "unauthorized")],
)
def test_bad_authorization_headers(client, header, code):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401 and response.json["error"]["code"] == code


def test_json_errors_for_404_and_405(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json == {"error": {"code": "not_found", "message": response.json["error"]["message"]}}
    response = client.post("/api/v1/me")
    assert response.status_code == 405 and response.json["error"]["code"] == "method_not_allowed"


def test_json_error_for_500(app_factory):
    app = app_factory()
    broken = Blueprint("broken", __name__)

    @broken.route("/api/v1/boom")
    def boom():
        raise RuntimeError("boom")

    @broken.route("/boom")
    def boom_page():
        raise RuntimeError("boom")

    app.register_blueprint(broken)
    client = app.test_client()
    response = client.get("/api/v1/boom")
    assert response.status_code == 500 and response.json["error"]["code"] == "internal_error"
    page = client.get("/boom")
    assert page.status_code == 500 and "服务器内部错误" in page.get_data(as_text=True)
    assert "RuntimeError" not in page.get_data(as_text=True)


def test_html_error_pages_are_chinese(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "不存在" in response.get_data(as_text=True)


def test_openapi_documents_every_api_route(client, app):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    documented = set(spec["paths"])
    import re

    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            assert path in documented, f"{path} is not in the OpenAPI document"
    assert spec["components"]["schemas"]["Error"]["required"] == ["error"]
