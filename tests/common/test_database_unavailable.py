"""A database that goes away (a PostgreSQL restart) answers 503 in the site's style, never a 500."""

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from marketplace.extensions import db
from tests.factories import login, make_user


class ConnectionLost(Exception):
    """Stands in for the driver's error when the server closes the connection."""


@pytest.fixture
def database_down(app):
    """Every statement from now on fails as on a server that restarted under the pool."""
    state = {"down": False}

    def refuse(conn, cursor, statement, parameters, context, executemany):
        if state["down"]:
            raise OperationalError(
                statement, parameters, ConnectionLost("server closed the connection unexpectedly")
            )

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", refuse)
    yield state
    event.remove(engine, "before_cursor_execute", refuse)


def test_a_page_answers_503_in_chinese_when_the_database_is_down(app, client, database_down):
    with app.app_context():
        user = make_user("enterprise")
        login(client, user)
    database_down["down"] = True
    # Loading the signed-in user already fails; the page must not need the database to render.
    response = client.get("/search/?q=锂电池")
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "数据库连接暂时中断，请稍后重试" in body
    assert "返回首页" in body and "Traceback" not in body
    assert response.headers["Retry-After"] == "5"
    database_down["down"] = False
    assert client.get("/search/?q=锂电池").status_code == 200


def test_the_api_answers_503_json_when_the_database_is_down(app, client, database_down):
    database_down["down"] = True
    response = client.get("/api/v1/search?q=锂电池")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"
    assert "数据库连接暂时中断" in response.get_json()["error"]["message"]
