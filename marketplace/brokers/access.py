"""Who may see and act on broker profiles and help requests (the rules behind `can`)."""

from marketplace.brokers.models import BrokerProfile, BrokerRequest
from marketplace.common.permissions import object_rule
from marketplace.common.roles import Role, is_bureau

# Profiles belong to people working for these kinds of organisation (not the bureau itself).
PROFILE_ORG_TYPES = (Role.UNIVERSITY, Role.INSTITUTE, Role.ENTERPRISE, Role.BROKER)
# Only a 技术转移机构's broker may send inquiries for an enterprise (see deals.inquiries).
MANDATE_ORG_TYPES = (Role.BROKER,)


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def _own(user, profile: BrokerProfile) -> bool:
    return _signed_in(user) and user.id == profile.user_id


def may_keep_profile(user) -> bool:
    """A member of a verified organisation of a profile-holding type may file a profile."""
    org = getattr(user, "org", None) if _signed_in(user) else None
    return org is not None and org.org_type in PROFILE_ORG_TYPES and org.is_verified


def takes_mandates(profile: BrokerProfile) -> bool:
    """Whether enterprises may ask this broker for help: listed, and at a 技术转移机构."""
    org = profile.organisation
    return profile.is_verified and org is not None and org.org_type in MANDATE_ORG_TYPES and org.is_verified


@object_rule(BrokerProfile, "view")
def can_view_profile(user, profile: BrokerProfile) -> bool:
    """Listed profiles are public; the owner and the bureau see the others."""
    return profile.is_verified or _own(user, profile) or is_bureau(user)


@object_rule(BrokerProfile, "edit")
def can_edit_profile(user, profile: BrokerProfile) -> bool:
    return _own(user, profile)


@object_rule(BrokerProfile, "view_evidence")
def can_view_evidence(user, profile: BrokerProfile) -> bool:
    return _own(user, profile) or is_bureau(user)


@object_rule(BrokerProfile, "review")
def can_review(user, profile: BrokerProfile) -> bool:
    return is_bureau(user)


@object_rule(BrokerProfile, "ask")
def can_ask(user, profile: BrokerProfile) -> bool:
    """A verified enterprise may ask a listed broker of a transfer institution for help."""
    org = getattr(user, "org", None) if _signed_in(user) else None
    return (
        org is not None
        and org.org_type == Role.ENTERPRISE
        and org.is_verified
        and org.id != profile.organisation_id
        and takes_mandates(profile)
    )


def _is_broker_of(user, request: BrokerRequest) -> bool:
    return _signed_in(user) and request.profile is not None and user.id == request.profile.user_id


def _is_requester(user, request: BrokerRequest) -> bool:
    org = getattr(user, "org", None) if _signed_in(user) else None
    return org is not None and org.id == request.requester_org_id


@object_rule(BrokerRequest, "view")
def can_view_request(user, request: BrokerRequest) -> bool:
    return _is_broker_of(user, request) or _is_requester(user, request) or is_bureau(user)


@object_rule(BrokerRequest, "answer")
def can_answer_request(user, request: BrokerRequest) -> bool:
    return _is_broker_of(user, request)


@object_rule(BrokerRequest, "inquire")
def can_inquire_for(user, request: BrokerRequest) -> bool:
    """The broker sends inquiries for the demand while the request stays accepted."""
    return _is_broker_of(user, request) and request.status == "accepted"


@object_rule(BrokerRequest, "withdraw")
def can_withdraw_request(user, request: BrokerRequest) -> bool:
    return _is_requester(user, request)
