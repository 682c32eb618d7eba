"""Shared form pieces: Chinese messages for common validators and choice lists."""

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
    choices = [(code, f"{name}（{code}）") for code, name in domain.DISTRICTS.items()]
    choices += [(code, f"{name}（{code}）") for code, name in domain.OTHER_REGIONS.items()]
    return ([("", "请选择")] if include_blank else []) + choices


def zone_choices() -> list[tuple[str, str]]:
    return [("", "无")] + list(domain.FUNCTIONAL_ZONES.items())


def nature_choices() -> list[tuple[str, str]]:
    return [(code, f"{code} {label}") for code, label in domain.NATURE_CODES.items()]


def org_type_choices(include_bureau: bool = False) -> list[tuple[str, str]]:
    return [(k, v) for k, v in domain.ORG_TYPES.items() if include_bureau or k != Role.BUREAU]
