"""Bulk import of listings from XLSX, CSV or JSON Lines, all or nothing.

Every row is checked first; one bad row means nothing is imported and every bad row is reported
with its line number. Good files are inserted in bulk (one statement per kind, not one per row),
and `services.after_bulk_import` queues them for the search index in the same transaction, so the
caller's commit stores the listings and their outbox rows together (and starts the drain).
Reading the uploaded formats is `import_files`' job; templates and the export are in `workbooks`.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import insert, select, update

from marketplace.accounts.models import User
from marketplace.common.audit import record_audit
from marketplace.common.errors import ValidationError
from marketplace.common.i18n import tr
from marketplace.common.kinds import KIND_LABELS
from marketplace.common.timeutil import utcnow
from marketplace.common.uploads import clean_filename, upload_path
from marketplace.common.validators import patent_type_from_application_number
from marketplace.extensions import db
from marketplace.listings import services
from marketplace.listings.fields import patent_type_from_publication_number
from marketplace.listings.import_files import detect_format, store_import_file
from marketplace.listings.import_preview import analyse, blocking_problems
from marketplace.listings.models import LISTING_MODELS, ImportJob, result_patents
from marketplace.listings.patent_values import publication_stem

MAX_ERRORS_KEPT = 500
CHUNK = 1000


@dataclass
class ImportReport:
    total: int = 0
    imported: int = 0
    updated: int = 0
    skipped: int = 0
    ids: list[int] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# What re-importing a newer export refreshes on a patent already on the platform; the rest stays.
PATENT_REFRESH = (
    "legal_status",
    "legal_status_detail",
    "legal_status_date",
    "filing_date",
    "publication_date",
    "grant_date",
    "applicants",
    "inventors",
    "ipc_codes",
)


def update_existing(kind: str, org_id: int, user, pairs: list[tuple[dict, int]]) -> list[int]:
    """Refresh the organisation's listings from their rows; return the ids updated (caller commits)."""
    model = LISTING_MODELS[kind]
    listings = {
        obj.id: obj
        for obj in db.session.scalars(
            select(model).where(model.id.in_([i for _r, i in pairs]), model.organisation_id == org_id)
        )
    }
    now, updated = utcnow(), []
    for record, listing_id in pairs:
        listing = listings.get(listing_id)
        if listing is None:
            continue
        given = record.get("_given", set())
        if kind == "patent":
            names = [n for n in PATENT_REFRESH if n in given]
            number = record.get("publication_number")
            if number and publication_stem(number) == publication_stem(listing.publication_number):
                names.append("publication_number")  # the grant (B) replaces the application (A)
            if "application_number" in given and not listing.application_number:
                names.append("application_number")
        else:
            names = [n for n in given if n not in ("title", "patent_ids") and hasattr(listing, n)]
        before = {n: getattr(listing, n) for n in names}
        for name in names:
            setattr(listing, name, record[name])
        if kind == "patent" and "publication_number" in names:
            listing.patent_type = (
                patent_type_from_publication_number(listing.publication_number) or listing.patent_type
            )
        changed = [n for n in names if before[n] != getattr(listing, n)]
        if changed:
            if kind == "patent" and "legal_status" in changed:
                listing.legal_status_note = ""  # the export's status replaces any derived one
            listing.updated_at = now
            updated.append(listing.id)
            record_audit(
                user,
                f"{kind}.update",
                listing,
                before={n: _plain(before[n]) for n in changed},
                after={n: _plain(getattr(listing, n)) for n in changed},
                summary=f"{listing.title}（导入更新）",
            )
    return updated


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def insert_records(
    kind: str,
    org,
    user,
    records: list[dict],
    *,
    publish: bool,
    progress: Callable[[int], None] | None = None,
    source: str = "",
) -> list[int]:
    """Insert clean records in bulk for the organisation; return the new ids (caller commits)."""
    model = LISTING_MODELS[kind]
    now = utcnow()
    status = "published" if publish else "draft"
    rows, links = [], []
    for record in records:
        row = {k: v for k, v in record.items() if not k.startswith("_") and k != "patent_ids"}
        if kind == "patent" and row.get("legal_status_detail") is None:
            row["legal_status_detail"] = ""
        if kind == "patent" and not row.get("patent_type"):
            row["patent_type"] = patent_type_from_publication_number(row.get("publication_number")) or (
                patent_type_from_application_number(row.get("application_number") or "")
            )
        row.update(
            organisation_id=org.id,
            created_by_id=getattr(user, "id", None),
            status=status,
            created_at=now,
            updated_at=now,
            published_at=now if publish else None,
            takedown_reason="",
            private_details="",
        )
        if "transfer_modes" not in row:
            row["transfer_modes"] = []
        rows.append(row)
        links.append(record.get("patent_ids") or [])
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        ids += list(
            db.session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), chunk)
        )
        if progress:
            progress(len(chunk))
    pairs = [
        {"result_id": rid, "patent_id": pid} for rid, pids in zip(ids, links, strict=True) for pid in pids
    ]
    if pairs:
        db.session.execute(insert(result_patents), pairs)
    record_audit(
        user,
        f"{kind}.import",
        object_type=model.__tablename__,
        object_id=ids[0] if ids else None,
        after={
            "count": len(ids),
            "status": status,
            "organisation_id": org.id,
            "first_id": ids[0] if ids else None,
            "last_id": ids[-1] if ids else None,
        },
        summary=f"批量导入{KIND_LABELS[kind]} {len(ids)} 条（{source or '文件'}）",
    )
    return ids


def import_file(
    kind: str,
    org,
    user,
    data: bytes,
    filename: str,
    *,
    as_draft: bool = False,
    mapping: dict | None = None,
    on_duplicate: str = "error",
    accepted: set[int] | bool = False,
    on_total: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    on_insert: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check and import a whole file; nothing is written when any row is bad (caller commits).

    `mapping` overrides the detected columns ({index: target}); `on_duplicate` says what to do
    with rows for listings already on the platform (error, skip, update); `accepted` lists the
    lines whose flagged amounts the user confirmed (True: all of them).
    """
    preview = analyse(kind, org.id, data, filename, mapping=mapping, on_total=on_total, progress=on_progress)
    report = ImportReport(total=preview.total, warnings=list(preview.warnings))
    report.errors = blocking_problems(preview, on_duplicate=on_duplicate, accepted=accepted)
    if preview.total == 0 and not report.errors:
        report.errors.append({"line": 1, "message": "文件中没有数据行"})
    if not report.ok:
        return report
    duplicates = {d["line"]: d for d in preview.duplicates}
    fresh = [r for r in preview.records if r["_line"] not in duplicates]
    to_update = [
        (r, duplicates[r["_line"]]["existing_id"])
        for r in preview.records
        if r["_line"] in duplicates and duplicates[r["_line"]]["own"] and on_duplicate == "update"
    ]
    report.skipped = len(preview.records) - len(fresh) - len(to_update)
    if on_duplicate == "update" and any(not d["own"] for d in duplicates.values()):
        report.warnings.append("已由其他单位发布的专利不能更新，这些行已跳过")
    publish = not as_draft and org.is_verified
    if fresh and not as_draft and not org.is_verified:
        report.warnings.append("本单位尚未通过认证，已导入为草稿；认证后可在“我的发布”中发布")
    if fresh:
        report.ids = insert_records(
            kind, org, user, fresh, publish=publish, progress=on_insert, source=filename
        )
    updated = update_existing(kind, org.id, user, to_update) if to_update else []
    # Queued before the caller commits: queued after it, nothing would commit the queue.
    services.after_bulk_import(kind, report.ids + updated)
    report.imported = len(report.ids)
    report.updated = len(updated)
    return report


# --- background jobs for web uploads -----------------------------------------------------------


def create_job(user, kind: str, storage, *, as_draft: bool, state: str = "queued") -> ImportJob:
    """Store the upload and make a job for it (caller commits).

    The web makes it in state "preview": the user checks the preview, then `queue_job` queues it
    and the caller starts `run_job`.
    """
    if not services.can_post(user, kind):
        raise ValidationError(
            gettext("贵单位类型不能发布%(kind)s", kind=tr(KIND_LABELS[kind])),
            fields={"kind": gettext("类型不可选")},
        )
    relative, data = store_import_file(storage, current_app.config.get("IMPORT_MAX_BYTES", 20 * 1024 * 1024))
    job = ImportJob(
        kind=kind,
        organisation_id=user.org.id,
        created_by_id=user.id,
        filename=clean_filename(storage.filename),
        stored_path=relative,
        file_format=detect_format(storage.filename, data[:64]),
        as_draft=as_draft,
        state=state,
    )
    db.session.add(job)
    return job


def preview_job(job: ImportJob):
    """The preview of a job's stored file with its current column choices."""
    try:
        data = upload_path(job.stored_path).read_bytes()
    except OSError:
        raise ValidationError(gettext("上传的文件已不存在，请重新上传")) from None
    return analyse(job.kind, job.organisation_id, data, job.filename, mapping=job.column_mapping or None)


def remap_job(job: ImportJob, mapping: dict) -> None:
    """Keep the column choices made on the preview page (caller commits)."""
    if job.state != "preview":
        raise ValidationError(gettext("该导入已经开始，不能再修改"))
    job.column_mapping = {str(k): str(v) for k, v in mapping.items()}


def fail_preview(job: ImportJob, message: str) -> None:
    """A file that cannot be read at all: the job ends with the reason (caller commits)."""
    job.state = "failed"
    job.errors = [{"line": 0, "message": message}]
    job.finished_at = utcnow()


def queue_job(job: ImportJob, *, mapping: dict, on_duplicate: str, accepted: list[int]) -> None:
    """Record the choices made on the preview and queue the job (caller commits, then runs it)."""
    if job.state != "preview":
        raise ValidationError(gettext("该导入已经开始，不能再修改"))
    if on_duplicate not in ("error", "skip", "update"):
        raise ValidationError(gettext("请选择重复记录的处理方式"))
    remap_job(job, mapping)
    job.on_duplicate = on_duplicate
    job.accepted_lines = sorted(set(accepted))
    job.state = "queued"
    job.created_at = utcnow()  # the stale-job clock starts when the job is queued


def run_job(job_id: int) -> None:
    """Run a queued import job in the background, recording progress on the job row.

    A heartbeat thread stamps the job every few seconds while it runs, so a job whose process
    was killed is recognised (fail_stale_jobs) instead of showing 'running' for ever.
    """
    job = db.session.get(ImportJob, job_id)
    if job is None or job.state != "queued":
        return
    job.state = "running"
    job.heartbeat_at = utcnow()
    db.session.commit()
    stop = threading.Event()
    beat = threading.Thread(
        target=_heartbeat, args=(current_app._get_current_object(), job_id, stop), daemon=True
    )
    beat.start()
    try:
        _run_job(job, job_id, db.session.get(User, job.created_by_id) if job.created_by_id else None)
    finally:
        stop.set()
        beat.join(HEARTBEAT_SECONDS + 5)


def _run_job(job: ImportJob, job_id: int, user) -> None:
    try:
        data = upload_path(job.stored_path).read_bytes()

        def on_total(total: int) -> None:
            job.total_rows = total
            _save_progress(job)

        def on_progress(done: int) -> None:
            job.processed_rows = done
            _save_progress(job)

        report = import_file(
            job.kind,
            job.organisation,
            user,
            data,
            job.filename,
            as_draft=job.as_draft,
            mapping=job.column_mapping or None,
            on_duplicate=job.on_duplicate or "error",
            accepted=set(job.accepted_lines or []),
            on_total=on_total,
            on_progress=on_progress,
        )
    except ValidationError as exc:
        db.session.rollback()
        report = ImportReport(errors=[{"line": 0, "message": exc.message}])
    except Exception:
        db.session.rollback()
        current_app.logger.exception("Import job %s failed", job_id)
        report = ImportReport(
            errors=[{"line": 0, "message": "导入时发生内部错误，未导入任何数据；请联系平台管理员"}]
        )
    job = db.session.get(ImportJob, job_id)
    job.errors = report.errors[:MAX_ERRORS_KEPT]
    job.warnings = report.warnings
    job.imported_count = report.imported
    job.updated_count = report.updated
    job.skipped_count = report.skipped
    job.processed_rows = job.total_rows
    job.state = "done" if report.ok else "failed"
    job.finished_at = utcnow()
    db.session.commit()


def _heartbeat(app, job_id: int, stop: threading.Event) -> None:
    """Stamp the running job from its own connection until stopped (the import holds no lock on it)."""
    with app.app_context():
        while not stop.wait(HEARTBEAT_SECONDS):
            try:
                with db.engine.begin() as conn:
                    conn.execute(
                        update(ImportJob)
                        .where(ImportJob.id == job_id, ImportJob.state == "running")
                        .values(heartbeat_at=utcnow())
                    )
            except Exception:  # noqa: BLE001 - a missed beat only matters if they all stop
                current_app.logger.warning("Import job %s: heartbeat not written", job_id)


def _save_progress(job: ImportJob) -> None:
    """Commit the job's progress; nothing else is pending while rows are only being checked."""
    job.heartbeat_at = utcnow()
    db.session.commit()


HEARTBEAT_SECONDS = 5.0
# A job not stamped for this long was running in a process that died (kill -9, a crash, a
# restart): an import inserts everything in one transaction, so it imported nothing.
STALE_AFTER = timedelta(seconds=60)
ABANDONED_MESSAGE = "导入进程意外中断（如服务器重启），未导入任何数据，请重新导入"


def _stale(now):
    """Jobs queued or running whose process stopped stamping them."""
    last_sign = db.func.coalesce(ImportJob.heartbeat_at, ImportJob.created_at)
    return ImportJob.state.in_(("queued", "running")) & (last_sign < now - STALE_AFTER)


def _abandoned_values(now) -> dict:
    return {"state": "failed", "errors": [{"line": 0, "message": ABANDONED_MESSAGE}], "finished_at": now}


def fail_if_abandoned(job: ImportJob) -> bool:
    """Mark this job failed if the process running it died (caller commits)."""
    now = utcnow()
    last_sign = job.heartbeat_at or job.created_at
    if job.state in ("queued", "running") and last_sign < now - STALE_AFTER:
        for key, value in _abandoned_values(now).items():
            setattr(job, key, value)
        return True
    return False


def fail_stale_jobs() -> int:
    """Mark every job whose process died as failed with a message; return how many (caller commits).

    Run by the background worker each round, so no job shows 'running' for ever.
    """
    now = utcnow()
    result = db.session.execute(
        update(ImportJob)
        .where(_stale(now))
        .values(**_abandoned_values(now))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def job_status(job: ImportJob) -> dict:
    return {
        "id": job.id,
        "state": job.state,
        "state_label": tr(job.state_label),
        "total": job.total_rows,
        "processed": job.processed_rows,
        "percent": job.percent,
        "imported": job.imported_count,
        "updated": job.updated_count,
        "skipped": job.skipped_count,
        "error_count": len(job.errors or []),
        "finished": job.state in ("done", "failed"),
    }
