from marketplace.extensions import db
from marketplace.notices.models import Notice
from marketplace.notices.services import notify, unread_count
from tests.factories import login, make_user


def test_notice_shows_in_header_and_opens(client, app):
    with app.app_context():
        user = make_user("university")
        other = make_user("enterprise")
        notice = notify(user.organisation_id, "match", "新需求与您的成果匹配", url="/dashboard")
        notify(other.organisation_id, "match", "别人的通知")
        db.session.commit()
        notice_id = notice.id
        login(client, user)
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'id="unread-count">1<' in page
    listing = client.get("/notices/").get_data(as_text=True)
    assert "新需求与您的成果匹配" in listing and "别人的通知" not in listing
    response = client.post(f"/notices/{notice_id}/open")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    assert 'id="unread-count"' not in client.get("/dashboard").get_data(as_text=True)


def test_cannot_open_another_orgs_notice(client, app):
    with app.app_context():
        owner = make_user("university")
        intruder = make_user("enterprise")
        notice = notify(owner.organisation_id, "inquiry", "私密")
        db.session.commit()
        notice_id = notice.id
        login(client, intruder)
    assert client.post(f"/notices/{notice_id}/open").status_code == 404
    with app.app_context():
        assert db.session.get(Notice, notice_id).read_at is None


def test_same_event_is_announced_once_and_read_all(client, app):
    with app.app_context():
        user = make_user("enterprise")
        assert notify(user.organisation_id, "match", "A", subject_key="match:demand:1:result:2")
        assert notify(user.organisation_id, "match", "A", subject_key="match:demand:1:result:2") is None
        notify(user.organisation_id, "message", "B")
        db.session.commit()
        assert unread_count(user.organisation_id) == 2
        login(client, user)
    client.post("/notices/read-all")
    with app.app_context():
        assert unread_count(user.organisation_id) == 0


def test_a_personal_notice_is_seen_by_its_user_only(client, app):
    with app.app_context():
        colleague = make_user("university")
        user = make_user("university", org=colleague.organisation, manager=False)
        mine = notify(
            user.organisation_id, "system", "明天的路演提醒", user_id=user.id, subject_key="event:1"
        )
        assert notify(user.organisation_id, "system", "重复", user_id=user.id, subject_key="event:1") is None
        # The same subject for a colleague is a different addressee.
        assert notify(None, "system", "同事的提醒", user_id=colleague.id, subject_key="event:1")
        db.session.commit()
        mine_id = mine.id
        assert unread_count(user.organisation_id) == 0
        assert unread_count(user.organisation_id, user.id) == 1
        login(client, colleague)
    listing = client.get("/notices/").get_data(as_text=True)
    assert "明天的路演提醒" not in listing and "同事的提醒" in listing
    assert client.post(f"/notices/{mine_id}/open").status_code == 404
    client.post("/notices/read-all")
    with app.app_context():
        assert db.session.get(Notice, mine_id).read_at is None
    client.post("/account/logout")
    with app.app_context():
        login(client, user)
    assert 'id="unread-count">1<' in client.get("/dashboard").get_data(as_text=True)
    assert "明天的路演提醒" in client.get("/notices/").get_data(as_text=True)
    client.post("/notices/read-all")
    with app.app_context():
        assert db.session.get(Notice, mine_id).read_at is not None
