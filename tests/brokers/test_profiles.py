"""Filing a broker profile, the bureau's review, and what sends a listed profile back to review."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.brokers import queries, services
from marketplace.brokers.models import BrokerProfile
from marketplace.common.audit import AuditLog
from marketplace.common.errors import Conflict, PermissionDenied, ValidationError
from marketplace.common.timeutil import beijing_today
from marketplace.extensions import db
from marketplace.notices.models import Notice
from tests.brokers.conftest import pdf, profile_data
from tests.brokers.factories import make_profile
from tests.factories import login, make_user


def _file(user, **overrides):
    profile = services.save_profile(user, profile_data(**overrides), pdf())
    db.session.commit()
    return profile


def _listed_ids() -> list[int]:
    return [p.id for p in db.session.scalars(queries.directory_select(queries.DirectoryFilters()))]


def test_a_filed_profile_waits_for_the_bureau_then_is_listed(cast):
    profile = _file(cast.broker)
    assert profile.status == "pending" and profile.organisation_id == cast.broker.organisation_id
    assert profile.fields == ["先进制造", "新材料及其应用"] and profile.regions == ["130104", "130108"]
    assert profile.evidence_filename == "certificate.pdf" and profile.evidence_mimetype == "application/pdf"
    assert profile.id not in _listed_ids()

    services.verify_profile(cast.bureau, profile)
    db.session.commit()
    assert profile.status == "verified" and profile.reviewed_by_id == cast.bureau.id
    assert profile.id in _listed_ids()
    actions = db.session.scalars(
        select(AuditLog.action).where(
            AuditLog.object_type == "broker_profiles", AuditLog.object_id == profile.id
        )
    ).all()
    assert actions == ["broker.filed", "broker.verified"]
    notice = db.session.scalar(select(Notice).where(Notice.organisation_id == cast.broker.organisation_id))
    assert "已通过审核" in notice.title


def test_the_first_filing_needs_the_certificate_scan(cast):
    with pytest.raises(ValidationError) as error:
        services.save_profile(cast.broker, profile_data(), None)
    assert "evidence" in error.value.fields


def test_the_scan_is_checked_by_content(cast):
    with pytest.raises(ValidationError):
        services.save_profile(cast.broker, profile_data(), pdf("cert.pdf", b"MZ\x90\x00not a pdf"))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"fields": ["不存在的领域"]}, "fields"),
        ({"regions": ["110000"]}, "regions"),
        ({"level": "master"}, "level"),
        ({"certificate_date": beijing_today() + timedelta(days=1)}, "certificate_date"),
        ({"certificate_number": " "}, "certificate_number"),
    ],
)
def test_invalid_values_are_refused_with_the_field_to_fix(cast, overrides, field):
    with pytest.raises(ValidationError) as error:
        services.save_profile(cast.broker, profile_data(**overrides), pdf())
    assert field in error.value.fields


def test_members_of_unverified_organisations_and_the_bureau_file_no_profile(cast):
    unverified = make_user("enterprise", verified=False)
    for user in (unverified, cast.bureau):
        with pytest.raises(PermissionDenied):
            services.save_profile(user, profile_data(), pdf())


def test_editing_the_introduction_keeps_the_listing_but_a_new_certificate_goes_back(cast):
    profile = _file(cast.broker)
    services.verify_profile(cast.bureau, profile)
    db.session.commit()

    services.save_profile(cast.broker, profile_data(introduction="新的简介", regions=["130102"]))
    db.session.commit()
    assert profile.status == "verified" and profile.regions == ["130102"] and profile.id in _listed_ids()

    services.save_profile(cast.broker, profile_data(introduction="新的简介", certificate_number="JJR2025-9"))
    db.session.commit()
    assert profile.status == "pending" and profile.id not in _listed_ids()

    services.verify_profile(cast.bureau, profile)
    services.save_profile(cast.broker, profile_data(certificate_number="JJR2025-9"), pdf("new.pdf"))
    db.session.commit()
    assert profile.status == "pending", "a new scan is a new qualification to check"


def test_rejection_needs_a_reason_and_a_fix_resubmits(cast):
    profile = _file(cast.broker)
    with pytest.raises(ValidationError):
        services.reject_profile(cast.bureau, profile, "  ")
    services.reject_profile(cast.bureau, profile, "证书编号与扫描件不一致")
    db.session.commit()
    assert profile.status == "rejected" and profile.review_reason == "证书编号与扫描件不一致"
    with pytest.raises(Conflict):
        services.verify_profile(cast.bureau, profile)

    services.save_profile(cast.broker, profile_data(certificate_number="JJR2024-0002"))
    db.session.commit()
    assert profile.status == "pending" and profile.review_reason == ""


def test_only_the_bureau_reviews(cast):
    profile = make_profile(cast.broker, status="pending")
    for user in (cast.broker, cast.enterprise):
        with pytest.raises(PermissionDenied):
            services.verify_profile(user, profile)


def test_the_form_keeps_what_was_typed_and_says_what_to_fix(client, cast):
    login(client, cast.broker)
    response = client.post(
        "/my/broker-profile",
        data={
            "name": "张经纪",
            "level": "senior",
            "certificate_number": "JJR-77",
            "certificate_issuer": "",
            "certificate_date": "2024-05-01",
            "fields": ["先进制造"],
            "regions": ["130104"],
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请填写发证机构" in page and 'value="JJR-77"' in page
    assert db.session.scalar(select(BrokerProfile.id)) is None


def test_the_form_files_a_profile_with_its_scan(client, cast):
    login(client, cast.broker)
    response = client.post(
        "/my/broker-profile",
        data={
            "name": "张经纪",
            "level": "senior",
            "certificate_number": "JJR-77",
            "certificate_issuer": "河北省科学技术厅",
            "certificate_date": "2024-05-01",
            "fields": ["先进制造", "农业"],
            "regions": ["130104", "130123"],
            "introduction": "简介",
            "evidence": pdf(),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    profile = db.session.scalar(select(BrokerProfile))
    assert (
        profile.status == "pending" and profile.level == "senior" and profile.fields == ["先进制造", "农业"]
    )
    assert client.get(f"/brokers/{profile.id}/evidence").data.startswith(b"%PDF")
    client.get("/account/logout")
    login(client, cast.enterprise)
    assert client.get(f"/brokers/{profile.id}").status_code == 404
    assert client.get(f"/brokers/{profile.id}/evidence").status_code == 403


def test_a_profile_without_a_scan_cannot_be_verified(cast):
    profile = make_profile(cast.broker, status="pending")
    with pytest.raises(ValidationError):
        services.verify_profile(cast.bureau, profile)
    assert profile.status == "pending"
