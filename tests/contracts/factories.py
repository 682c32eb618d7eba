"""Factories for contract tests: payloads in the API's shape, points, reviewers, contracts."""

import io
import itertools

from werkzeug.datastructures import FileStorage

from marketplace.contracts import services
from marketplace.contracts.models import RegistrationPoint, RegistrationReviewer
from marketplace.extensions import db
from tests.factories import make_user, valid_credit_code

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200
_points = itertools.count(1)
_outside = itertools.count(500)


def outside_party(region_code: str = "110000", **kw) -> dict:
    """A domestic party that is not on the platform (Beijing by default)."""
    return {
        "name": kw.pop("name", f"平台外单位{next(_outside)}"),
        "credit_code": kw.pop("credit_code", valid_credit_code(next(_outside), "91110000")),
        "region_code": region_code,
        "nature_code": kw.pop("nature_code", "150"),
        "country": kw.pop("country", "CHN"),
        **kw,
    }


def foreign_party(country: str = "DEU", name: str = "Fraunhofer Beispiel GmbH") -> dict:
    return {"name": name, "nature_code": "900", "country": country}


def payload(seller=None, buyer=None, **overrides) -> dict:
    """A complete, valid contract in the API's JSON shape (100万元, no deductions)."""
    data = {
        "project_name": "高性能锂电池正极材料制备技术转让",
        "contract_type": "transfer",
        "subtype": "patent_right",
        "signed_on": "2026-03-01",
        "valid_from": "2026-03-01",
        "valid_to": "2028-02-28",
        "seller": seller if seller is not None else outside_party("130104"),
        "buyer": buyer if buyer is not None else outside_party("110000"),
        "technology_field": "新材料及其应用",
        "ip_type": "invention_patent",
        "contract_amount_fen": 1_000_000_00,
        "deductions": [],
    }
    data.update(overrides)
    return data


def make_point(
    region_code: str = "130104", point_code: str | None = None, name: str | None = None
) -> RegistrationPoint:
    n = next(_points)
    point = RegistrationPoint(
        region_code=region_code,
        point_code=point_code or f"{n % 100:02d}",
        name=name or f"测试登记点{n}",
        active=True,
    )
    db.session.add(point)
    db.session.commit()
    return point


def make_reviewer(point: RegistrationPoint | None = None, **kw):
    """A bureau user assigned to a registration point (a new point unless one is given)."""
    user = make_user("bureau", **kw)
    point = point or make_point()
    db.session.add(RegistrationReviewer(user_id=user.id, point_id=point.id))
    db.session.commit()
    return user


def pdf_upload(data: bytes = PDF, name: str = "contract.pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type="application/pdf")


def make_contract(filer, data: dict | None = None, *, attach: bool = True, submit: bool = False):
    """File a contract as `filer` (seller = the filer's org unless it is a broker)."""
    if data is None:
        seller = {"org_id": filer.org.id} if filer.role != "broker" else outside_party("130104")
        data = payload(seller=seller)
    contract = services.create_contract(filer, data)
    db.session.commit()
    if attach:
        services.add_attachment(filer, contract, pdf_upload())
        db.session.commit()
    if submit:
        services.submit_contract(filer, contract)
        db.session.commit()
    return contract


def registered_contract(filer, reviewer, data: dict | None = None):
    contract = make_contract(filer, data, submit=True)
    services.approve_contract(reviewer, contract)
    db.session.commit()
    return contract
