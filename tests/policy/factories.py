"""Articles and real small attachment files for the policy tests."""

import io
import zipfile
from datetime import date

from openpyxl import Workbook

from marketplace.extensions import db
from marketplace.policy.models import Article

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_article(
    *,
    status: str = "published",
    category: str = "notice",
    title: str = "关于开展技术合同登记工作的通知",
    **kw,
) -> Article:
    article = Article(
        category=category,
        title=title,
        issuer=kw.pop("issuer", "石家庄市科学技术局"),
        document_number=kw.pop("document_number", ""),
        published_on=kw.pop("published_on", date(2026, 11, 20)),
        validity=kw.pop("validity", "current"),
        body=kw.pop("body", "## 一、工作目标\n\n做好技术合同认定登记。"),
        status=status,
        **kw,
    )
    db.session.add(article)
    db.session.flush()
    return article


def xlsx_bytes() -> bytes:
    """A real workbook made by openpyxl."""
    book = Workbook()
    book.active.append(["项目名称", "成交额（万元）"])
    book.active.append(["示例项目", 12])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def docx_bytes() -> bytes:
    """A minimal Word package: content types, relationships and the main document part."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        package.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        package.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>通知正文</w:t></w:r></w:p></w:body></w:document>",
        )
    return out.getvalue()


def plain_zip_bytes() -> bytes:
    """A ZIP that is not an Office document (no main part)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("readme.txt", "not a document")
    return out.getvalue()
