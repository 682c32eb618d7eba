"""Wrong, oversized and disguised uploads for licence scans, imports, contract and deal attachments.

Every refusal is a clear Chinese message (a page, a flash after the redirect, or the API's JSON
error) and nothing is stored: no row, no file. Uploads over the request limit answer 413, also to
a real HTTP client that sends the whole body (not a connection reset).
"""

import http.client
import io
import threading
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from werkzeug.serving import make_server

from marketplace.contracts.models import ContractAttachment
from marketplace.deals.models import DealMessage
from marketplace.extensions import db
from marketplace.listings.models import ImportJob, Patent
from marketplace.organisations.models import Organisation
from tests.contracts.factories import EXE, PDF, PNG
from tests.security.conftest import bearer, client_as
from tests.security.world import make_world

LIMIT = 512 * 1024  # MAX_CONTENT_LENGTH for this module
FILE_LIMIT = 128 * 1024  # each feature's own file limit for this module
IMPORT_LIMIT = 384 * 1024
HTML = b"<!DOCTYPE html><html><body><script>window.__xss=1</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="window.__xss=1"/>'
DISGUISED = {
    "html named .pdf": (HTML, "licence.pdf"),
    "exe named .png": (EXE, "licence.png"),
    "exe named .pdf": (EXE, "licence.pdf"),
    "svg with script": (SVG, "licence.svg"),
    "zip named .jpg": (b"PK\x03\x04" + b"\x00" * 100, "licence.jpg"),
    "empty file": (b"", "licence.pdf"),
    "over the file limit": (PDF + b"0" * FILE_LIMIT, "licence.pdf"),
}


@pytest.fixture(scope="module")
def world(shared_app):
    shared_app.config.update(
        MAX_CONTENT_LENGTH=LIMIT,
        EVIDENCE_MAX_BYTES=FILE_LIMIT,
        CONTRACT_ATTACHMENT_MAX_BYTES=FILE_LIMIT,
        IMPORT_MAX_BYTES=IMPORT_LIMIT,
        IMPORT_MAX_UNPACKED_BYTES=4 * 1024 * 1024,
    )
    return make_world(shared_app)


def _files(app) -> set[str]:
    root = Path(app.config["UPLOAD_DIR"])
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _state(app, world) -> tuple:
    ids = world["by_feature"]
    with app.app_context():
        org = db.session.get(Organisation, world["owners"]["university"].organisation_id)
        draft = ids["tests.contracts.permission_rules"]["draft"]
        return (
            org.evidence_path,
            db.session.scalar(select(func.count()).where(ContractAttachment.contract_id == draft)),
            db.session.scalar(select(func.count(DealMessage.id))),
            db.session.scalar(select(func.count(Patent.id))),
            _files(app),
        )


def multipart(field: str, data: bytes, name: str, extra: dict | None = None) -> tuple[bytes, str]:
    """Encode the form ourselves: the test client's own encoder leaves large bodies in open temp files."""
    parts = [
        f'--b\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in (extra or {}).items()
    ]
    head = f'--b\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
    parts.append(head.encode() + b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n")
    return b"".join(parts) + b"--b--\r\n", "multipart/form-data; boundary=b"


def _web(app, world, role, url, field, data, name, extra=None):
    client = client_as(app, world["owners"][role])
    body, content_type = multipart(field, data, name, extra)
    response = client.post(url, data=body, content_type=content_type)
    text = response.get_data(as_text=True)
    if response.status_code == 302:
        text = client.get(response.headers["Location"]).get_data(as_text=True)
    return response, text


def _api(app, world, role, url, field, data, name, extra=None):
    body, content_type = multipart(field, data, name, extra)
    response = app.test_client().post(
        url, data=body, content_type=content_type, headers=bearer(world["tokens"][role])
    )
    return response, response.get_data(as_text=True)


def _targets(world):
    contracts = world["by_feature"]["tests.contracts.permission_rules"]
    deals = world["by_feature"]["tests.deals.permission_rules"]
    return {
        "licence scan": (_web, "university", "/my/org/evidence", "evidence", None),
        "contract attachment": (_web, "broker", f"/contracts/{contracts['draft']}/attachments", "file", None),
        "contract attachment (API)": (
            _api,
            "broker",
            f"/api/v1/contracts/{contracts['draft']}/attachments",
            "file",
            None,
        ),
        "deal attachment": (
            _web,
            "university",
            f"/deals/{deals['deal']}/messages",
            "attachment",
            {"body": ""},
        ),
        "deal attachment (API)": (
            _api,
            "university",
            f"/api/v1/deals/{deals['deal']}/messages",
            "attachment",
            {"body": ""},
        ),
    }


TARGETS = [
    "licence scan",
    "contract attachment",
    "contract attachment (API)",
    "deal attachment",
    "deal attachment (API)",
]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("case", sorted(DISGUISED))
def test_document_uploads_refuse_what_is_not_a_scan(shared_app, world, target, case):
    send, role, url, field, extra = _targets(world)[target]
    data, name = DISGUISED[case]
    before = _state(shared_app, world)
    response, text = send(shared_app, world, role, url, field, data, name, extra)
    assert response.status_code < 500
    if send is _api:
        assert 400 <= response.status_code < 500
        error = response.get_json()["error"]
        assert error["code"] in ("validation_error", "bad_request")
        text = error["message"]
    assert any(
        word in text for word in ("不是允许的格式", "文件过大", "是空的", "请选择", "请填写消息内容")
    ), text[:300]
    assert _state(shared_app, world) == before, f"{target}: {case} was stored"


@pytest.mark.parametrize("target", TARGETS)
def test_a_real_scan_is_accepted(shared_app, world, target):
    # The control for the refusals above: the same route takes a real PDF or PNG.
    send, role, url, field, extra = _targets(world)[target]
    before = _state(shared_app, world)
    response, _text = send(
        shared_app, world, role, url, field, PNG if "deal" in target else PDF, "scan.pdf", extra
    )
    assert response.status_code in (200, 201, 302)
    assert _state(shared_app, world) != before


@pytest.mark.parametrize("target", TARGETS)
def test_over_the_request_limit_is_413(shared_app, world, target):
    send, role, url, field, extra = _targets(world)[target]
    before = _state(shared_app, world)
    response, text = send(shared_app, world, role, url, field, PDF + b"0" * LIMIT, "big.pdf", extra)
    assert response.status_code == 413
    if send is _api:
        assert response.get_json()["error"]["code"] == "payload_too_large"
    else:
        assert "上传的文件过大" in text
    assert _state(shared_app, world) == before


def _zip_bomb() -> bytes:
    """A real .xlsx whose first sheet unpacks to 64 MB of rows from a few hundred KB."""
    book = Workbook()
    book.active.append(["title"])
    out = io.BytesIO()
    book.save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    bomb = io.BytesIO()
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in source.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                with target.open(item.filename, "w", force_zip64=True) as sheet:
                    sheet.write(
                        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    )
                    sheet.write(b"<sheetData>")
                    chunk = row * 20000
                    for _ in range(64 * 1024 * 1024 // len(chunk)):
                        sheet.write(chunk)
                    sheet.write(b"</sheetData></worksheet>")
            else:
                target.writestr(item, source.read(item))
    return bomb.getvalue()


IMPORTS = {
    "html named .xlsx": (HTML, "patents.xlsx"),
    "exe named .xlsx": (EXE, "patents.xlsx"),
    "zip that is no workbook": (b"PK\x03\x04" + b"\x00" * 200, "patents.xlsx"),
    "exe named .csv": (EXE, "patents.csv"),
    "html named .csv": (HTML, "patents.csv"),
    "pdf named .jsonl": (PDF, "patents.jsonl"),
    "exe named .exe": (EXE, "patents.exe"),
    "over the file limit": (b"title\n" + b"x" * IMPORT_LIMIT, "patents.csv"),
}


@pytest.mark.parametrize("case", [*sorted(IMPORTS), "zip bomb"])
def test_imports_refuse_disguised_files(shared_app, world, case):
    data, name = (_zip_bomb(), "patents.xlsx") if case == "zip bomb" else IMPORTS[case]
    assert len(data) < IMPORT_LIMIT or case == "over the file limit"
    client = client_as(shared_app, world["owners"]["university"])
    before = _state(shared_app, world)[3]
    body, content_type = multipart("file", data, name, {"kind": "patent"})
    response = client.post("/my/listings/import", data=body, content_type=content_type)
    assert response.status_code in (200, 302)
    page = response.get_data(as_text=True)
    if response.status_code == 302:
        # An upload is previewed first: an unreadable file fails there, a readable one that is not
        # an import file stays in preview with its errors shown and cannot be imported.
        page = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
        with shared_app.app_context():
            job = db.session.scalars(select(ImportJob).order_by(ImportJob.id.desc())).first()
            assert job.state in ("failed", "preview"), f"{case}: job {job.state}"
            assert job.state == "failed" or "有错误，不能导入" in page, case
    main = page[page.find('<main id="main"') :]
    refusals = ("无法读取", "不是 Excel", "只支持", "文件过大", "格式", "缺少必需的列", "编码", "解压后超过")
    assert any(word in main for word in refusals), main[:3000]
    with shared_app.app_context():
        assert db.session.scalar(select(func.count(Patent.id))) == before


def test_oversized_upload_gets_a_413_over_real_http(shared_app, world):
    """A browser sends the whole body first; it must then read the 413 page, not a reset."""
    server = make_server("127.0.0.1", 0, shared_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        body = b'--b\r\nContent-Disposition: form-data; name="evidence"; filename="big.pdf"\r\n\r\n'
        body += PDF + b"0" * (4 * LIMIT) + b"\r\n--b--\r\n"
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=20)
        connection.request(
            "POST", "/my/org/evidence", body=body, headers={"Content-Type": "multipart/form-data; boundary=b"}
        )
        response = connection.getresponse()
        assert response.status == 413
        assert "上传的文件过大" in response.read().decode("utf-8")
        connection.close()
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_a_pdf_that_is_also_html_is_served_as_a_pdf_only(shared_app, world):
    # It starts like a PDF, so it is accepted; it must never come back as a page a browser runs.
    contracts = world["by_feature"]["tests.contracts.permission_rules"]
    polyglot = b"%PDF-1.4\n" + HTML
    response, _text = _web(
        shared_app,
        world,
        "broker",
        f"/contracts/{contracts['draft']}/attachments",
        "file",
        polyglot,
        "a.html",
    )
    assert response.status_code == 302
    with shared_app.app_context():
        item = db.session.scalars(
            select(ContractAttachment)
            .where(ContractAttachment.contract_id == contracts["draft"])
            .order_by(ContractAttachment.id.desc())
        ).first()
        assert item.mimetype == "application/pdf" and item.path.endswith(".pdf")
    client = client_as(shared_app, world["owners"]["broker"])
    served = client.get(f"/contracts/{contracts['draft']}/attachments/{item.id}")
    served.close()
    assert served.status_code == 200
    assert served.mimetype == "application/pdf"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"].endswith("a.pdf")  # not saved as a.html either
