"""The interface's two languages: Simplified Chinese (the default, and the message ids) and English.

Message ids are the Chinese text itself, so a Chinese page needs no catalogue and reads exactly
as written. English lives in `translations/en/LC_MESSAGES/*.po`, compiled in memory the first
time a process needs it (no compiled `.mo` file is kept in the repository, so none can be stale).

How text is marked:
- templates: `{{ _('保存') }}`, with placeholders `{{ _('共 %(n)s 条', n=total) }}`;
- Python, at the moment of use (flash, errors, mail): `gettext('...')`;
- module-level tables of code labels: `N_('...')` marks a label for extraction and leaves it a plain
  Chinese string, so the API and the exports, which must not change with the interface language,
  keep using the table as it is; pages translate it where they show it, with the `tr` filter
  (`{{ label|tr }}`) or `gettext(label)`;
- WTForms class attributes: `lazy_gettext('...')`.

Never pass text users wrote through `_()` in a template: Jinja marks what `_()` returns as safe HTML.
The `tr` filter returns plain text, so it is safe for any value.
"""

from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import has_request_context, request
from flask_babel import Domain, get_locale, gettext
from flask_login import current_user

TRANSLATIONS_DIR = Path(__file__).resolve().parents[2] / "translations"
DEFAULT_LOCALE = "zh_CN"
# The languages a visitor may choose, each named in its own language (for the switcher).
LANGUAGES = {"zh_CN": "中文", "en": "English"}
LANGUAGE_COOKIE = "lang"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, don't translate"
    """Mark a label for extraction; it stays the Chinese text until a page translates it."""
    return message


def tr(label) -> str:
    """A code label or other platform text in the interface language (plain text, escaped as usual)."""
    if label is None or label == "":
        return ""
    return gettext(str(label))


def is_supported(code: str | None) -> bool:
    return code in LANGUAGES


def select_locale() -> str:
    """The interface language of this request: the user's choice, else the cookie, else Chinese.

    The API answers in Chinese whatever the caller chose, so its messages never change under a
    client; Accept-Language is not consulted, because Chinese is the platform's default. Work done
    outside a request (jobs, the CLI) is in Chinese unless it forces a user's language.
    """
    if not has_request_context() or request.path.startswith("/api/"):
        return DEFAULT_LOCALE
    chosen = getattr(current_user, "language", None) if current_user.is_authenticated else None
    if is_supported(chosen):
        return chosen
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    return cookie if is_supported(cookie) else DEFAULT_LOCALE


def current_language() -> str:
    locale = get_locale()
    return DEFAULT_LOCALE if locale is None or str(locale) not in LANGUAGES else str(locale)


class CatalogueDomain(Domain):
    """Flask-Babel's domain, reading the `.po` catalogues of a locale directly (merged, once per process)."""

    def __init__(self, directory: Path = TRANSLATIONS_DIR) -> None:
        super().__init__(translation_directories=[str(directory)])
        self.directory = directory

    def get_translations(self):
        locale = get_locale()
        key = str(locale) if locale is not None else DEFAULT_LOCALE
        if key not in self.cache:
            self.cache[key] = load_catalogues(self.directory, key)
        return self.cache[key]


def catalogue_files(directory: Path, locale: str) -> list[Path]:
    return sorted((directory / locale / "LC_MESSAGES").glob("*.po"))


def load_catalogues(directory: Path, locale: str) -> Translations:
    """Every `.po` file of the locale, merged (the first file to translate a message wins)."""
    merged = Translations()
    for path in catalogue_files(directory, locale):
        with path.open("rb") as po:
            catalogue = read_po(po, locale=locale)
        compiled = BytesIO()
        write_mo(compiled, catalogue)  # fuzzy entries are left out, as pybabel compile does
        compiled.seek(0)
        part = Translations(fp=compiled)
        for msgid, msgstr in part._catalog.items():
            merged._catalog.setdefault(msgid, msgstr)
        if hasattr(part, "plural"):
            merged.plural = part.plural
    return merged
