"""Attachments are PDF, DOCX or XLSX by content; renamed fakes are refused; downloads are safe."""

import io
from urllib.parse import unquote

import pytest
from werkzeug.datastructures import FileStorage

from marketplace.common.errors import ValidationError
from marketplace.policy import services
from marketplace.policy.attachments import MIMETYPES, detect_kind, store_attachment
from tests.factories import login, make_user
from tests.policy.factories import PDF, docx_bytes, make_article, plain_zip_bytes, xlsx_bytes


def _file(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def test_real_pdf_docx_and_xlsx_are_recognised():
    assert detect_kind(PDF) == "pdf"
    assert detect_kind(docx_bytes()) == "docx"
    assert detect_kind(xlsx_bytes()) == "xlsx"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"<html><script>alert(1)</script></html>", "通知.pdf"),  # a web page renamed
        (b"\x89PNG\r\n\x1a\n0000", "扫描件.pdf"),  # an image renamed
        (b"MZ\x90\x00 executable", "表格.xlsx"),  # a program renamed
        (plain_zip_bytes(), "通知.docx"),  # a ZIP without a Word document inside
        (b"PK\x03\x04 truncated", "名单.xlsx"),  # starts like a ZIP but is not one
    ],
)
def test_renamed_fakes_are_refused(app_ctx, data, name):
    with pytest.raises(ValidationError, match="不是 PDF、DOCX 或 XLSX"):
        store_attachment(_file(data, name))


def test_size_limit_and_empty_files(app_ctx):
    with pytest.raises(ValidationError, match="附件过大"):
        store_attachment(_file(PDF + b"0" * 2048, "大.pdf"), limit=1024)
    with pytest.raises(ValidationError, match="空的"):
        store_attachment(_file(b"", "空.pdf"))


def test_a_wrong_extension_is_corrected_to_the_content(app_ctx):
    stored = store_attachment(_file(xlsx_bytes(), "统计表.docx"))
    assert stored["filename"] == "统计表.xlsx" and stored["mimetype"] == MIMETYPES["xlsx"]
    stored = store_attachment(_file(PDF, "../../etc/通知.pdf"))
    assert stored["filename"] == "通知.pdf" and stored["path"].startswith("policy/")


def test_download_has_the_safe_name_and_the_content_type(app, client):
    with app.app_context():
        bureau = make_user("bureau")
        article = make_article()
        services.add_attachment(bureau, article, _file(docx_bytes(), "申报指南.docx"))
        draft = make_article(status="draft")
        services.add_attachment(bureau, draft, _file(PDF, "内部.pdf"))
        from marketplace.extensions import db

        db.session.commit()
        attachment_id = article.attachments[0].id
        draft_file = draft.attachments[0].id
        article_id, draft_id = article.id, draft.id
    response = client.get(f"/policy/{article_id}/files/{attachment_id}")
    assert response.status_code == 200
    assert response.mimetype == MIMETYPES["docx"]
    assert response.data[:4] == b"PK\x03\x04" and detect_kind(response.data) == "docx"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "申报指南.docx" in unquote(disposition)
    # A draft's files are as hidden as the draft.
    assert client.get(f"/policy/{draft_id}/files/{draft_file}").status_code == 404
    assert client.get(f"/policy/{article_id}/files/{draft_file}").status_code == 404


def test_upload_through_the_page_refuses_a_fake_and_keeps_a_real_one(app, client):
    with app.app_context():
        bureau = make_user("bureau")
        article = make_article(status="draft")
        from marketplace.extensions import db

        db.session.commit()
        login(client, bureau)
        article_id = article.id
    fake = client.post(
        f"/bureau/policy/{article_id}/files",
        data={"file": (io.BytesIO(b"just text"), "通知.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "不是 PDF、DOCX 或 XLSX" in fake.get_data(as_text=True)
    real = client.post(
        f"/bureau/policy/{article_id}/files",
        data={"file": (io.BytesIO(xlsx_bytes()), "名单.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = real.get_data(as_text=True)
    assert "附件已上传" in page and "名单.xlsx" in page
