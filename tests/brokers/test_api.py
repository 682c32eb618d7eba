"""The directory in the API: listed profiles only, the page's filters, the computed record."""

from datetime import date

from marketplace.brokers.subscribers import record_training
from marketplace.extensions import db
from tests.brokers.factories import make_profile
from tests.deals.factories import make_result, send
from tests.factories import make_user


def test_the_api_lists_and_shows_listed_brokers_only(client, cast):
    listed = make_profile(cast.broker, name="甲经纪", level="senior", fields=["先进制造"])
    hidden = make_profile(make_user("broker"), name="乙经纪", status="pending")
    send(cast.broker, make_result(cast.university), on_behalf_of_org_id=cast.enterprise.organisation_id)
    record_training(None, user_id=cast.broker.id, event_id=1, hours=4, attended_on=date(2025, 9, 1))
    db.session.commit()

    page = client.get("/api/v1/brokers").json
    assert page["total"] == 1 and [item["name"] for item in page["items"]] == ["甲经纪"]
    assert page["items"][0]["organisation"]["name"] == cast.broker.organisation.name
    assert client.get("/api/v1/brokers?field=农业").json["total"] == 0
    assert client.get("/api/v1/brokers?level=bogus&page=x").json["total"] == 1

    detail = client.get(f"/api/v1/brokers/{listed.id}").json
    assert detail["certificate_number"] == listed.certificate_number
    years = {row["year"]: row for row in detail["years"]}
    assert years[2025]["training_hours"] == 4.0
    assert sum(row["introductions"] for row in detail["years"]) == 1
    missing = client.get(f"/api/v1/brokers/{hidden.id}")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
