"""Uploaded files: type checked by content, stored outside static/, served only after a check."""

import io
import uuid
from pathlib import Path

from flask import abort, current_app, send_file
from flask_babel import gettext

from marketplace.common.errors import ValidationError
from marketplace.common.validators import strip_control_characters

# Magic numbers of the formats accepted as evidence and contract scans.
SIGNATURES = {
    "pdf": (b"%PDF-", "application/pdf"),
    "png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    "jpeg": (b"\xff\xd8\xff", "image/jpeg"),
}
DOCUMENT_KINDS = ("pdf", "png", "jpeg")
SUFFIXES = {"pdf": (".pdf",), "png": (".png",), "jpeg": (".jpg", ".jpeg")}


def size_label(size: int) -> str:
    """Say a byte limit the way a person reads it: "10 MB", or "512 KB" under one megabyte."""
    if size >= 1024 * 1024:
        return f"{size // (1024 * 1024)} MB"
    return f"{max(1, size // 1024)} KB"


def sniff(head: bytes, kinds=DOCUMENT_KINDS) -> tuple[str, str] | None:
    """Return (kind, mimetype) when the bytes start like one of the accepted kinds."""
    for kind in kinds:
        magic, mimetype = SIGNATURES[kind]
        if head.startswith(magic):
            return kind, mimetype
    return None


def store_upload(storage, folder: str, *, max_bytes: int, kinds=DOCUMENT_KINDS) -> dict:
    """Check and save an uploaded file; return its relative path, name, mimetype and size."""
    if storage is None or not getattr(storage, "filename", ""):
        raise ValidationError(gettext("请选择要上传的文件"))
    data = storage.read(max_bytes + 1)
    if not data:
        raise ValidationError(gettext("上传的文件是空的"))
    if len(data) > max_bytes:
        raise ValidationError(gettext("文件过大，最大 %(size)s", size=size_label(max_bytes)))
    found = sniff(data[:16], kinds)
    if found is None:
        names = gettext("、").join(k.upper() for k in kinds)
        raise ValidationError(gettext("文件内容不是允许的格式（%(names)s），请上传扫描件或 PDF", names=names))
    kind, mimetype = found
    extension = {"jpeg": "jpg"}.get(kind, kind)
    relative = Path(folder) / f"{uuid.uuid4().hex}.{extension}"
    target = Path(current_app.config["UPLOAD_DIR"]) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    original = clean_filename(storage.filename) or f"upload.{extension}"
    if Path(original).suffix.lower() not in SUFFIXES[kind]:
        # Downloads keep this name: "scan.html" holding a PDF must not be saved as a web page.
        original = f"{Path(original).stem[:190] or 'upload'}.{extension}"
    return {"path": str(relative), "filename": original, "mimetype": mimetype, "size": len(data)}


def clean_filename(name: str | None) -> str:
    """Return an uploaded file's name fit to store and show: its last path part, at most 200 characters.

    Control characters are removed (PostgreSQL cannot store NUL, a line break would split a
    header), and so are bidi controls, which make "gpj.exe" read "exe.jpg".
    """
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return strip_control_characters(base).strip()[:200]


def upload_path(relative: str) -> Path:
    """Resolve a stored relative path inside the upload folder, refusing anything outside it."""
    root = Path(current_app.config["UPLOAD_DIR"]).resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise ValidationError(gettext("文件路径无效"))
    return path


def send_upload(relative: str, *, mimetype: str, download_name: str, as_attachment: bool = False):
    """Answer with a stored upload, or 404 when its file is gone.

    The file is read into memory (uploads are size-limited) so that no file handle outlives a
    response nobody closes.
    """
    path = upload_path(relative)
    if not path.exists():
        abort(404)
    return send_file(
        io.BytesIO(path.read_bytes()),
        mimetype=mimetype,
        download_name=download_name,
        as_attachment=as_attachment,
    )
