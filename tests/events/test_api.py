"""The events API: list, page, register (201 registered/waiting, 409 again, 422 closed), cancel (204)."""

from datetime import timedelta

from marketplace.common.timeutil import utcnow
from marketplace.events.models import Event
from marketplace.extensions import db


def test_list_and_get(client, world):
    listed = client.get("/api/v1/events").get_json()
    assert listed["total"] == 1 and listed["items"][0]["type"] == "roadshow"
    assert client.get("/api/v1/events?type=training").get_json()["total"] == 0
    refused = client.get("/api/v1/events?type=nonsense")
    assert refused.status_code == 422 and "type" in refused.get_json()["error"]["fields"]
    assert client.get("/api/v1/events?when=null").status_code == 422
    detail = client.get(f"/api/v1/events/{world.event.id}").get_json()
    assert detail["capacity"] == 1 and detail["projects"] == []
    assert client.get("/api/v1/events/999999").status_code == 404


def test_register_wait_conflict_and_cancel(app, client, world):
    url = f"/api/v1/events/{world.event.id}/registrations"
    assert client.post(url, json={"consent": True}).status_code == 401
    first = client.post(url, json={"consent": True, "note": "到场"}, headers=world.headers("enterprise"))
    assert first.status_code == 201 and first.get_json()["status"] == "registered"
    second = client.post(url, json={"consent": True}, headers=world.headers("other"))
    assert second.status_code == 201 and second.get_json()["status"] == "waiting"
    again = client.post(url, json={"consent": True}, headers=world.headers("enterprise"))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    assert client.post(url, json={"consent": False}, headers=world.headers("university")).status_code == 422
    cancelled = client.delete(f"{url}/mine", headers=world.headers("enterprise"))
    assert cancelled.status_code == 204
    assert client.delete(f"{url}/mine", headers=world.headers("enterprise")).status_code == 404
    detail = client.get(f"/api/v1/events/{world.event.id}").get_json()
    assert (detail["registered"], detail["waiting"]) == (1, 0)


def test_register_after_the_deadline_is_422(app, client, world):
    with app.app_context():
        event = db.session.get(Event, world.event.id)
        event.registration_deadline = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = client.post(
        f"/api/v1/events/{world.event.id}/registrations",
        json={"consent": True},
        headers=world.headers("other"),
    )
    assert response.status_code == 422 and response.get_json()["error"]["message"] == "报名已截止"


def test_the_openapi_document_lists_the_events_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/events", "/api/v1/events/{event_id}", "/api/v1/events/{event_id}/registrations"} <= set(
        paths
    )
    assert "delete" in paths["/api/v1/events/{event_id}/registrations/mine"]


def test_the_online_link_goes_only_to_registered_people(app, client, world):
    with app.app_context():
        event = db.session.get(Event, world.event.id)
        event.online_url = "https://meeting.example.cn/abc"
        db.session.commit()
    url = f"/api/v1/events/{world.event.id}"
    assert client.get(url).get_json()["online_url"] == ""
    client.post(f"{url}/registrations", json={"consent": True}, headers=world.headers("enterprise"))
    client.post(f"{url}/registrations", json={"consent": True}, headers=world.headers("other"))
    assert client.get(url, headers=world.headers("enterprise")).get_json()["online_url"].endswith("/abc")
    assert client.get(url, headers=world.headers("other")).get_json()["online_url"] == ""  # waiting
    assert client.get(url, headers=world.headers("bureau")).get_json()["online_url"].endswith("/abc")
