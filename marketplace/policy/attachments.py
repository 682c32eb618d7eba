"""Article attachments: PDF, DOCX and XLSX only, recognised by their content, not their name.

A PDF starts with `%PDF-`. DOCX and XLSX are ZIP packages (Office Open XML): the package must
open as a ZIP and hold `[Content_Types].xml` and its main part, `word/document.xml` or
`xl/workbook.xml`. Only the ZIP's directory is read, never its members, so a crafted archive
cannot make the check expensive.
"""

import io
import uuid
import zipfile
from pathlib import Path

from flask import current_app
from flask_babel import gettext

from marketplace.common.errors import ValidationError
from marketplace.common.uploads import clean_filename, size_label

MIMETYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAIN_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


def max_bytes() -> int:
    return int(current_app.config.get("POLICY_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def detect_kind(data: bytes) -> str | None:
    """Return "pdf", "docx" or "xlsx" when the bytes are one, else None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, ValueError, EOFError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for kind, part in MAIN_PARTS.items():
        if part in names:
            return kind
    return None


def store_attachment(storage, limit: int | None = None) -> dict:
    """Check and save an uploaded attachment; return its relative path, name, mimetype and size."""
    limit = max_bytes() if limit is None else limit
    if storage is None or not getattr(storage, "filename", ""):
        raise ValidationError(gettext("请选择要上传的附件"))
    data = storage.read(limit + 1)
    if not data:
        raise ValidationError(gettext("上传的附件是空的"))
    if len(data) > limit:
        raise ValidationError(gettext("附件过大，最大 %(size)s", size=size_label(limit)))
    kind = detect_kind(data)
    if kind is None:
        raise ValidationError(gettext("附件内容不是 PDF、DOCX 或 XLSX 文件，请上传原始文档（改扩展名无效）"))
    relative = Path("policy") / f"{uuid.uuid4().hex}.{kind}"
    target = Path(current_app.config["UPLOAD_DIR"]) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    name = clean_filename(storage.filename) or f"附件.{kind}"
    if Path(name).suffix.lower() != f".{kind}":
        # Downloads keep this name: a DOCX sent as "通知.pdf" must be saved as a .docx.
        name = f"{Path(name).stem[:190] or '附件'}.{kind}"
    return {"path": str(relative), "filename": name, "mimetype": MIMETYPES[kind], "size": len(data)}
