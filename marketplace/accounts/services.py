"""Account operations: registration, membership, passwords, API tokens."""

import re
from dataclasses import dataclass

from flask_babel import gettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update

from marketplace.accounts.models import ApiToken, User
from marketplace.common.audit import record_audit
from marketplace.common.domain import ORG_TYPES
from marketplace.common.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.common.i18n import DEFAULT_LOCALE, current_language
from marketplace.common.permissions import can
from marketplace.common.roles import Role
from marketplace.common.rows import claim
from marketplace.common.timeutil import utcnow
from marketplace.common.validators import normalise_credit_code
from marketplace.extensions import db
from marketplace.organisations.models import Organisation

MIN_PASSWORD_LENGTH = 10

# The types a registering organisation may choose: every type but the bureau, named from ORG_TYPES.
_REGISTERABLE = [label for role, label in ORG_TYPES.items() if role != Role.BUREAU]


def _org_type_message() -> str:
    *first, last = (gettext(label) for label in _REGISTERABLE)
    return gettext("请选择单位类型：%(types)s或%(last)s", types=gettext("、").join(first), last=last)


def password_problem(password: str, email: str = "") -> str | None:
    """Say what is wrong with a new password under the minimum policy, or None."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return gettext("密码至少 %(n)s 位", n=MIN_PASSWORD_LENGTH)
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return gettext("密码须同时包含字母和数字")
    if email and password.lower() == email.lower():
        return gettext("密码不能与邮箱相同")
    if len(set(password)) < 4:
        return gettext("密码过于简单，请使用更多不同字符")
    return None


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def _check_new_user(email: str, password: str) -> None:
    if find_user_by_email(email):
        raise ValidationError(
            gettext("该邮箱已注册，请直接登录或找回密码"), fields={"email": gettext("该邮箱已注册")}
        )
    problem = password_problem(password, email)
    if problem:
        raise ValidationError(problem, fields={"password": problem})


@dataclass
class NewOrganisation:
    name: str
    org_type: str
    credit_code: str
    district: str
    zone: str | None
    nature_code: str
    contact_name: str
    contact_phone: str
    address: str = ""
    description: str = ""


def create_organisation(data: NewOrganisation, *, verified: bool = False) -> Organisation:
    """Create an organisation; unverified unless created by a trusted path (CLI, seed)."""
    name = data.name.strip()
    if db.session.scalar(select(Organisation).where(Organisation.name == name)):
        raise ValidationError(
            gettext("该单位已在平台注册，请选择“加入已有单位”"), fields={"org_name": gettext("已存在")}
        )
    code = normalise_credit_code(data.credit_code) or None
    if code and db.session.scalar(select(Organisation).where(Organisation.credit_code == code)):
        raise ValidationError(
            gettext("该统一社会信用代码已被其他单位使用"), fields={"credit_code": gettext("已存在")}
        )
    org = Organisation(
        name=name,
        org_type=data.org_type,
        credit_code=code,
        district=data.district,
        zone=data.zone or None,
        nature_code=data.nature_code,
        contact_name=data.contact_name.strip(),
        contact_phone=data.contact_phone.strip(),
        address=data.address.strip(),
        description=data.description.strip(),
        verification_status="verified" if verified else "unverified",
        verified_at=utcnow() if verified else None,
    )
    db.session.add(org)
    return org


def register_with_new_org(
    email: str, name: str, password: str, phone: str, org_data: NewOrganisation
) -> User:
    """Register a user together with a new, unverified organisation it manages."""
    _check_new_user(email, password)
    if org_data.org_type not in ORG_TYPES or org_data.org_type == Role.BUREAU:
        # The bureau and its members are created by an admin (CLI), never by registration.
        message = _org_type_message()
        raise ValidationError(message, fields={"org_type": message})
    org = create_organisation(org_data)
    user = User(
        email=email.strip().lower(),
        name=name.strip(),
        phone=phone.strip(),
        organisation=org,
        membership="active",
        is_org_manager=True,
        language=_chosen_language(),
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_audit(user, "organisation.registered", org, after={"name": org.name})
    record_audit(user, "user.registered", user, after={"email": user.email})
    return user


def _chosen_language() -> str | None:
    """The interface language a visitor chose before registering, kept on the new account."""
    language = current_language()
    return None if language == DEFAULT_LOCALE else language


def joinable_organisations():
    """The organisations a new user may ask to join at registration (the join list).

    Never the bureau: its powers come only from an admin who creates or approves its members.
    """
    return select(Organisation).where(Organisation.org_type != Role.BUREAU).order_by(Organisation.name)


def register_joining_org(email: str, name: str, password: str, phone: str, org_id: int) -> User:
    """Register a user who applies to join an existing organisation; its manager approves."""
    _check_new_user(email, password)
    org = None
    if isinstance(org_id, int) and 0 < org_id < 2**31:
        org = db.session.scalar(joinable_organisations().where(Organisation.id == org_id))
    if org is None:
        message = gettext("所选单位不在可加入的单位列表中，请从列表中选择")
        raise ValidationError(message, fields={"join_org": message})
    user = User(
        email=email.strip().lower(),
        name=name.strip(),
        phone=phone.strip(),
        organisation=org,
        membership="pending",
        language=_chosen_language(),
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_audit(user, "user.join_requested", user, after={"organisation": org.name})
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise ValidationError(
            gettext("当前密码不正确"), fields={"current_password": gettext("当前密码不正确")}
        )
    problem = password_problem(new, user.email)
    if problem:
        raise ValidationError(problem, fields={"new_password": problem})
    user.set_password(new)
    end_sessions_and_tokens(user)
    record_audit(user, "user.password_changed", user)


def _reset_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="password-reset")


def make_reset_token(user: User, secret_key: str) -> str:
    """Sign a reset token bound to the current password hash, so it works only once."""
    return _reset_serializer(secret_key).dumps({"id": user.id, "h": user.password_hash[-16:]})


def user_from_reset_token(token: str, secret_key: str, max_age: int) -> User:
    try:
        data = _reset_serializer(secret_key).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ValidationError(gettext("重置链接已过期，请重新申请")) from exc
    except BadSignature as exc:
        raise ValidationError(gettext("重置链接无效，请重新申请")) from exc
    user = db.session.get(User, data.get("id"))
    if user is None or user.password_hash[-16:] != data.get("h") or user.is_disabled:
        raise ValidationError(gettext("重置链接已使用或无效，请重新申请"))
    return user


def reset_password(user: User, new: str) -> None:
    problem = password_problem(new, user.email)
    if problem:
        raise ValidationError(problem, fields={"password": problem})
    user.set_password(new)
    end_sessions_and_tokens(user)
    record_audit(user, "user.password_reset", user)


def end_sessions_and_tokens(user: User) -> int:
    """Log the user out everywhere and revoke every API token; return how many were revoked.

    For a change of credentials (password change or reset) and removal from the organisation:
    a token is a password of its own and must not outlive the one it was made under.
    """
    user.session_version += 1
    revoked = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return revoked.rowcount or 0


def create_api_token(user: User, name: str) -> str:
    """Create a personal API token and return the raw value, shown to the user once."""
    name = (name or "").strip() or "API 令牌"
    token, raw = ApiToken.generate(user, name[:100])
    db.session.add(token)
    db.session.flush()
    record_audit(user, "api_token.created", token, after={"name": token.name, "prefix": token.prefix})
    return raw


def revoke_api_token(user: User, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or not can(user, "revoke", token):
        raise NotFound(gettext("令牌不存在"))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_audit(user, "api_token.revoked", token, after={"prefix": token.prefix})
    return token


def user_for_api_token(raw: str) -> User | None:
    """Find the active user behind a raw bearer token, or None."""
    if not raw or not raw.startswith(ApiToken.PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.hash_token(raw)))
    if token is None or token.revoked_at is not None or token.user.is_disabled:
        return None
    token.last_used_at = utcnow()
    return token.user


# Membership management by an organisation's manager, or by an admin.


def _check_can_manage(actor: User, member: User) -> None:
    if not can(actor, "manage_member", member):
        raise PermissionDenied(gettext("只有本单位管理员或平台管理员可以管理成员"))


def approve_member(actor: User, member: User) -> None:
    _check_can_manage(actor, member)
    if member.membership == "active":
        raise Conflict(gettext("该用户已是正式成员"))
    if member.membership == "removed":
        raise Conflict(gettext("该用户已被移出本单位，需重新申请加入"))
    if member.organisation is not None and member.organisation.org_type == Role.BUREAU and not actor.is_admin:
        # Bureau powers come only from an admin, never from a bureau manager approving an applicant.
        raise PermissionDenied(gettext("科技局成员只能由平台管理员添加或批准"))
    # Approve only a still-pending applicant: a removal committed meanwhile must not be undone.
    if not claim(member, User.membership == "pending", membership="active"):
        raise Conflict(gettext("该成员的状态刚刚已被更改，请刷新页面查看"))
    record_audit(actor, "member.approved", member, after={"organisation_id": member.organisation_id})


def remove_member(actor: User, member: User) -> None:
    _check_can_manage(actor, member)
    if member.id == actor.id and not actor.is_admin:
        raise Conflict(gettext("不能移出自己"))
    before = {"organisation_id": member.organisation_id, "membership": member.membership}
    if not claim(member, User.membership != "removed", membership="removed", is_org_manager=False):
        raise Conflict(gettext("该成员已被移出本单位"))
    end_sessions_and_tokens(member)
    record_audit(actor, "member.removed", member, before=before, after={"membership": "removed"})


def set_user_disabled(actor: User, user: User, disabled: bool) -> None:
    if not actor.is_admin:
        raise PermissionDenied(gettext("只有平台管理员可以停用或启用账户"))
    if user.id == actor.id:
        raise Conflict(gettext("不能停用自己的账户"))
    user.is_disabled = disabled
    # Tokens are refused while the account is disabled (user_for_api_token) and deliberately
    # work again once it is enabled; a password reset during recovery revokes them.
    user.session_version += 1
    record_audit(actor, "user.disabled" if disabled else "user.enabled", user)
