"""Shared form pieces: Chinese messages for common validators and choice lists.

Forms are classes, so their choice lists are built once at import: each label is a lazy string,
read in the interface language of the request that renders the form.
"""

from flask_babel import LazyString, gettext, lazy_gettext
from wtforms.validators import ValidationError as FormValidationError

from marketplace.common import domain
from marketplace.common.roles import Role
from marketplace.common.validators import credit_code_error


def credit_code_check(form, field) -> None:
    """WTForms validator for 统一社会信用代码."""
    if field.data:
        problem = credit_code_error(field.data)
        if problem:
            raise FormValidationError(problem)


def district_choices(include_blank: bool = False) -> list[tuple[str, str]]:
    regions = {**domain.DISTRICTS, **domain.OTHER_REGIONS}
    choices = [(code, LazyString(_region_choice, name, code)) for code, name in regions.items()]
    return ([("", lazy_gettext("请选择"))] if include_blank else []) + choices


def zone_choices() -> list[tuple[str, str]]:
    return [("", lazy_gettext("无"))] + [
        (code, lazy_label(label)) for code, label in domain.FUNCTIONAL_ZONES.items()
    ]


def nature_choices() -> list[tuple[str, str]]:
    return [
        (code, LazyString(lambda c, n: f"{c} {gettext(n)}", code, label))
        for code, label in domain.NATURE_CODES.items()
    ]


def org_type_choices(include_bureau: bool = False) -> list[tuple[str, str]]:
    return [(k, lazy_label(v)) for k, v in domain.ORG_TYPES.items() if include_bureau or k != Role.BUREAU]


def lazy_label(label: str) -> LazyString:
    """A code label (already marked with N_) read in the interface language when it is shown."""
    return LazyString(gettext, label)


def _region_choice(name: str, code: str) -> str:
    return gettext("%(name)s（%(code)s）", name=gettext(name), code=code)
