"""User accounts, personal API tokens and failed-login records."""

import hashlib
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from marketplace.common.i18n import N_
from marketplace.common.timeutil import utcnow
from marketplace.extensions import db

# The one label table of membership states; the member lists show these labels.
MEMBERSHIP_STATES = {"active": N_("正式"), "pending": N_("待审批"), "removed": N_("已移出")}


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(30), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    membership: Mapped[str] = mapped_column(String(20), default="pending")
    is_org_manager: Mapped[bool] = mapped_column(default=False)
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_disabled: Mapped[bool] = mapped_column(default=False)
    # Changing it logs out every session of this user (password change, disable).
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # The interface language the user chose (zh_CN or en); None until they choose, then Chinese.
    language: Mapped[str | None] = mapped_column(String(8))

    organisation = relationship("Organisation", foreign_keys=[organisation_id])

    def set_password(self, password: str) -> None:
        """Hash the password with scrypt (Werkzeug's default)."""
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return not self.is_disabled

    @property
    def org(self):
        """The organisation this user may act for, or None while pending or removed."""
        if self.membership != "active":
            return None
        return self.organisation

    @property
    def role(self) -> str | None:
        """The organisation type that decides what this user may do."""
        org = self.org
        return org.org_type if org else None

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def membership_label(self) -> str:
        return MEMBERSHIP_STATES.get(self.membership, self.membership)

    @property
    def org_verified(self) -> bool:
        org = self.org
        return bool(org and org.is_verified)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user = relationship("User")

    PREFIX = "sjzk_"

    @staticmethod
    def hash_token(raw: str) -> str:
        # Tokens are long random strings, so a fast hash is enough and lookups stay cheap.
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def generate(cls, user, name: str) -> tuple["ApiToken", str]:
        """Create a token for the user; the raw value is returned once and never stored."""
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls(user=user, name=name, prefix=raw[:10], token_hash=cls.hash_token(raw))
        return token, raw

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class LoginFailure(db.Model):
    """One failed login, kept to slow and then refuse repeated guessing across workers."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(250))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
