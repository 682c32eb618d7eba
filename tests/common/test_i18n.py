"""The interface in English as well as Chinese: every message translated, the choice remembered.

The catalogue test extracts the messages exactly as `make translations` does (babel.cfg, the same
keywords), so a string marked for translation and not translated fails here, naming it.
"""

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from marketplace.accounts.models import User
from marketplace.common.i18n import TRANSLATIONS_DIR, catalogue_files
from marketplace.extensions import db
from tests.factories import login, make_user

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
HAN = re.compile(r"[\u4e00-\u9fff]")


def _extracted() -> dict[str, str]:
    """Every message id the code and templates mark, with where it was first seen."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords={**KEYWORDS}
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def _english() -> dict[str, str]:
    translated: dict[str, str] = {}
    for path in catalogue_files(TRANSLATIONS_DIR, "en"):
        with path.open("rb") as po:
            for message in read_po(po, locale="en"):
                if not message.id or message.fuzzy:
                    continue
                text = message.string if isinstance(message.string, str) else message.string[0]
                msgid = message.id if isinstance(message.id, str) else message.id[0]
                if text:
                    translated.setdefault(msgid, text)
    return translated


def test_every_marked_message_has_an_english_translation():
    english = _english()
    missing = {msgid: where for msgid, where in _extracted().items() if msgid not in english}
    assert not missing, f"{len(missing)} messages lack English, e.g. " + "; ".join(
        f"{where}: {msgid!r}" for msgid, where in list(missing.items())[:15]
    )


def test_translations_keep_placeholders_and_leave_no_chinese():
    problems = [
        msgid
        for msgid, text in _english().items()
        if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(text)) or HAN.search(text)
    ]
    assert not problems, f"translations with other placeholders or Chinese left: {problems[:10]}"


def test_chinese_is_the_default_even_for_an_english_browser(client):
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "石家庄科技成果转化服务广场" in page


def test_the_switch_is_remembered_in_a_cookie(client):
    response = client.post("/language", data={"language": "en", "next": "/about"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/about")
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Shijiazhuang Technology Transfer Service Square" in page
    client.post("/language", data={"language": "zh_CN"})
    assert '<html lang="zh-CN">' in client.get("/").get_data(as_text=True)


def test_an_unknown_language_or_an_outside_next_falls_back_safely(client):
    response = client.post("/language", data={"language": "fr", "next": "https://evil.example/"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    assert '<html lang="zh-CN">' in client.get("/").get_data(as_text=True)


def test_a_signed_in_users_choice_follows_them_to_another_browser(app, client):
    with app.app_context():
        user = make_user("enterprise")
        user_id = user.id
        login(client, user)
    client.post("/language", data={"language": "en"})
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.language == "en"
        other_browser = app.test_client()
        login(other_browser, user)
    assert '<html lang="en">' in other_browser.get("/").get_data(as_text=True)


def test_the_api_answers_in_chinese_whatever_the_interface_language(client):
    client.set_cookie("lang", "en")
    body = client.get("/api/v1/listings/999999").get_json()
    assert body is not None and HAN.search(body["error"]["message"])
