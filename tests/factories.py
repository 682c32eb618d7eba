"""Small factories for tests: organisations, users, logins."""

import itertools

from werkzeug.security import generate_password_hash

from marketplace.accounts.models import User
from marketplace.common.domain import CAN_POST_DEMANDS  # noqa: F401  (re-exported for tests)
from marketplace.common.validators import credit_code_check_char
from marketplace.extensions import db
from marketplace.organisations.models import Organisation

PASSWORD = "Passw0rd-test"
# Hashing is deliberately slow; hash the shared test password once for the whole run.
_PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt")
_seq = itertools.count(1)

NATURE = {"university": "022", "institute": "021", "enterprise": "150", "broker": "150", "bureau": "010"}


def valid_credit_code(n: int, prefix: str = "91130100") -> str:
    """Return a syntactically valid 统一社会信用代码 built from a sequence number."""
    body = f"{prefix}{n:09d}"[:17]
    return body + credit_code_check_char(body)


def make_org(
    org_type: str = "enterprise", *, verified: bool = True, district: str = "130104", **kw
) -> Organisation:
    n = next(_seq)
    org = Organisation(
        name=kw.pop("name", f"测试单位{n}"),
        org_type=org_type,
        credit_code=kw.pop("credit_code", valid_credit_code(n)),
        district=district,
        nature_code=kw.pop("nature_code", NATURE[org_type]),
        contact_name=kw.pop("contact_name", "联系人"),
        contact_phone=kw.pop("contact_phone", "0311-88888888"),
        verification_status="verified" if verified else "unverified",
        **kw,
    )
    db.session.add(org)
    db.session.flush()
    return org


def make_user(
    org_type: str | None = "enterprise",
    *,
    org: Organisation | None = None,
    verified: bool = True,
    admin: bool = False,
    membership: str = "active",
    manager: bool = True,
    **kw,
) -> User:
    n = next(_seq)
    if org is None and org_type is not None:
        org = make_org(org_type, verified=verified)
    user = User(
        email=kw.pop("email", f"user{n}@example.cn"),
        name=kw.pop("name", f"用户{n}"),
        organisation=org,
        membership=membership,
        is_org_manager=manager,
        is_admin=admin,
        password_hash=_PASSWORD_HASH,
        **kw,
    )
    db.session.add(user)
    db.session.commit()
    return user


def add_listing(model, defaults: dict, fields: dict, *, commit: bool = True):
    """Add a listing made of a factory's defaults and a test's own fields (which win).

    Through the ORM, so the search outbox events see it as they see the site's own writes.
    """
    listing = model(**{**defaults, **fields})
    db.session.add(listing)
    if commit:
        db.session.commit()
    return listing


def login(client, user: User) -> None:
    """Sign the test client in as the user without going through the (slow) form."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def login_via_form(client, email: str, password: str = PASSWORD, **extra):
    return client.post(
        "/account/login", data={"email": email, "password": password, **extra}, follow_redirects=False
    )
