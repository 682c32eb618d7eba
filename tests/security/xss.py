"""The XSS corpus and the checks on rendered HTML, shared by the test-client and browser tests.

Every payload, if it ever ran, would set window.__xss; if it ever became markup, it would add an
on* attribute, a javascript: URL, an inline <script>, or an <svg>/<img src=x>/<iframe> element.
"""

import html
import re
from html.parser import HTMLParser

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '"><img src=x onerror="window.__xss=2">',
    "'><svg onload=window.__xss=3>",
    "javascript:window.__xss=4",
    '<a href="javascript:window.__xss=5">链接</a>',
    "</textarea></title><script>window.__xss=6</script>",
    '" autofocus onfocus="window.__xss=7" x="',
    "' onmouseover='window.__xss=8' x='",
    "{{7*7}}{% if 1 %}tpl{% endif %}${7*7}#{7*7}",
    "＜script＞window.__xss=9＜/script＞\u202e\u200b<iframe src=javascript:window.__xss=10>",
    "<svg><animate onbegin=window.__xss=11 attributeName=x dur=1s>",
    "\\u003cscript\\u003ewindow.__xss=12\\u003c/script\\u003e <!-- x --> ]]>",
]
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}
DANGEROUS_TAGS = {"iframe", "object", "embed", "svg", "math", "animate", "base", "frame", "frameset", "meta"}


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler attribute")
            if name in URL_ATTRIBUTES and re.sub(r"[\s\x00-\x1f]", "", value).lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}={value[:40]!r}> javascript: URL")
        if tag == "script":
            src = dict(attrs).get("src") or ""
            kind = dict(attrs).get("type") or ""
            if not src.startswith("/static/") and kind != "application/json":
                self.problems.append(f"inline <script {attrs!r}>")
        if tag in DANGEROUS_TAGS and not (tag == "meta" and self._harmless_meta(attrs)):
            self.problems.append(f"<{tag}> element")
        if tag == "img" and dict(attrs).get("src") == "x":
            self.problems.append("<img src=x> element")

    @staticmethod
    def _harmless_meta(attrs) -> bool:
        names = {name for name, _ in attrs}
        return "http-equiv" not in names or dict(attrs).get("http-equiv", "").lower() == "x-ua-compatible"


def injection_problems(page: str) -> list[str]:
    """What in the HTML looks like a payload turned into markup (empty when all is escaped)."""
    scanner = _Scanner()
    scanner.feed(page)
    scanner.close()
    problems = list(scanner.problems)
    for payload in PAYLOADS:
        if "<" in payload and payload in page:
            problems.append(f"raw payload {payload[:40]!r}")
    if "49tpl${7*7}" in html.unescape(page):
        problems.append("template syntax evaluated")
    return problems
