"""Read the forms of a rendered page and fill them in, as a person (or an attacker) would."""

import itertools
import re
from html.parser import HTMLParser

from tests.factories import valid_credit_code

TEXT_TYPES = {"text", "search", "email", "tel", "url", ""}
_seq = itertools.count(9000)


class FormParser(HTMLParser):
    """Collect <form> elements with their fields (inputs, textareas, selects, named buttons)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: dict | None = None
        self._select: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {
                "action": a.get("action", ""),
                "method": a.get("method", "get").lower(),
                "fields": [],
            }
            self.forms.append(self._form)
        if self._form is None:
            return
        if tag == "input" and a.get("name"):
            self._form["fields"].append(
                {
                    "tag": "input",
                    "name": a["name"],
                    "type": a.get("type", "").lower(),
                    "value": a.get("value", ""),
                    "checked": "checked" in a,
                }
            )
        elif tag == "button" and a.get("name"):
            self._form["fields"].append(
                {
                    "tag": "button",
                    "name": a["name"],
                    "type": "submit",
                    "value": a.get("value", ""),
                    "checked": False,
                }
            )
        elif tag == "textarea" and a.get("name"):
            self._textarea = {
                "tag": "textarea",
                "name": a["name"],
                "type": "textarea",
                "value": "",
                "checked": False,
            }
            self._form["fields"].append(self._textarea)
        elif tag == "select" and a.get("name"):
            self._select = {
                "tag": "select",
                "name": a["name"],
                "type": "select",
                "options": [],
                "value": None,
                "checked": False,
            }
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select["options"].append(value)
            if "selected" in a:
                self._select["value"] = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def parse_forms(page: str) -> list[dict]:
    parser = FormParser()
    parser.feed(page)
    parser.close()
    return parser.forms


def is_text(field) -> bool:
    return field["tag"] == "textarea" or (field["tag"] == "input" and field["type"] in TEXT_TYPES)


def _valid_value(name: str, current: str) -> str | None:
    """A value that passes validation for a structured field, or None for free text."""
    base = name.rsplit("-", 1)[-1]
    n = next(_seq)
    if re.search(r"e?mail$", base):
        return f"xss{n}@example.cn"
    if base.endswith("phone"):
        return "0311-88888888"
    if base.endswith("credit_code"):
        return valid_credit_code(n)
    if base == "application_number":
        return "201710601862.3"
    if base == "publication_number":
        return ""
    if base == "ipc_codes":
        return "H01M 4/36"
    if re.search(r"(date|deadline|_on|valid_from|valid_to|as_of|period_start|period_end|^day)$", base):
        return current or ("2027-06-30" if base == "deadline" else "2026-03-01")
    if re.search(
        r"(price|budget|amount|_wan|^value|target|threshold|point_code|_id|on_behalf_of|year|count|_fen)",
        base,
    ):
        return current or "100"
    return None


def fill(form: dict, payload: str, *, valid: bool) -> list[tuple[str, str]]:
    """Every text field gets the payload (structured ones a valid value when `valid`)."""
    data: list[tuple[str, str]] = []
    radios_done: set[str] = set()
    button_done = False
    for field in form["fields"]:
        name, kind = field["name"], field["type"]
        if name == "csrf_token":
            continue
        if field["tag"] == "select":
            options = [o for o in field["options"] if o]
            value = field["value"] if field["value"] else (options[0] if options else "")
            data.append((name, value))
        elif field["tag"] == "button":
            if not button_done:
                data.append((name, field["value"]))
                button_done = True
        elif kind == "password":
            data.append((name, "Passw0rd-xss1"))
        elif kind in ("checkbox",):
            if field["checked"]:
                data.append((name, field["value"] or "y"))
        elif kind == "radio":
            if name not in radios_done and (
                field["checked"] or not any(f["name"] == name and f["checked"] for f in form["fields"])
            ):
                data.append((name, field["value"]))
                radios_done.add(name)
        elif kind in ("hidden", "submit"):
            data.append((name, field["value"]))
        elif kind == "file":
            continue
        elif is_text(field):
            structured = _valid_value(name, field["value"]) if valid else None
            data.append((name, payload if structured is None else structured))
        else:  # number, date and the like keep their value or get a plausible one
            data.append((name, field["value"] or _valid_value(name, "") or "1"))
    return data
