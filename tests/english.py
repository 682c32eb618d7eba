"""Reading a page as an English visitor: the Chinese left in its interface, for every area's tests.

The whole body is read, markup and attributes included (placeholders, titles, aria-labels and
confirmations are read by people too), except:
- scripts (their labels are checked where they are built),
- `value="..."` attributes (codes sent back to the server, or what the user typed),
- elements marked as being in another language (`lang="zh-CN"`: the switcher's 中文, the site's
  Chinese name under the English one).
The tests write their data in English, so any Chinese left is the interface's own.
"""

import re

HAN = re.compile(r"[\u4e00-\u9fff]")
_BODY = re.compile(r"<body\b.*?</body>", re.S)
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
_VALUE = re.compile(r'\svalue="[^"]*"')
_OTHER_LANGUAGE = re.compile(r'<(\w+)\b[^>]*\slang="zh-CN"[^>]*>.*?</\1>', re.S)
_STRETCH = re.compile(r"[^<>\"]{0,20}[\u4e00-\u9fff][^<>\"]{0,20}")


def chinese_left(page: str) -> list[str]:
    """Each stretch of Chinese an English reader would meet on the page, with a little context."""
    found = _BODY.search(page)
    assert found, "the page has no <body>"
    body = _OTHER_LANGUAGE.sub("", _VALUE.sub("", _SCRIPT.sub("", found.group(0))))
    return sorted({match.group(0).strip() for match in _STRETCH.finditer(body)})


def choose_english(client) -> None:
    """Choose English, as the switch in the top bar does."""
    assert client.post("/language", data={"language": "en"}).status_code == 302


def assert_english(page: str) -> None:
    left = chinese_left(page)
    assert not left, f"Chinese left on the page: {left[:10]}"
