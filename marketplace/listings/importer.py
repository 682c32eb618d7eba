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
from sqlalchemy import insert, select, update

from marketplace.accounts.models import User
from marketplace.common.audit import record_audit
from marketplace.common.errors import ValidationError
from marketplace.common.kinds import KIND_LABELS
from marketplace.common.timeutil import utcnow
from marketplace.common.uploads import clean_filename, upload_path
from marketplace.common.validators import patent_type_from_application_number
from marketplace.extensions import db
from marketplace.listings import services
from marketplace.listings.fields import COLUMNS, clean_record, patent_type_from_publication_number
from marketplace.listings.import_files import detect_format, read_rows, store_import_file
from marketplace.listings.models import LISTING_MODELS, ImportJob, Patent, result_patents

MAX_ERRORS_KEPT = 500
CHUNK = 1000


@dataclass
class ImportReport:
    total: int = 0
    imported: int = 0
    ids: list[int] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_rows(
    kind: str,
    org_id: int,
    columns: list[str],
    rows,
    total: int,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[dict], ImportReport]:
    """Clean every row; return the clean records and a report of the bad ones."""
    report = ImportReport(total=total)
    known = COLUMNS[kind]
    unknown = [c for c in columns if c and c not in known]
    if unknown:
        report.warnings.append(f"以下列不认识，已忽略：{'、'.join(unknown)}")
    if "title" not in columns:
        report.errors.append({"line": 1, "message": "缺少必需的列 title（名称）；请使用下载的模板"})
    if kind == "demand" and "deadline" not in columns:
        report.errors.append({"line": 1, "message": "缺少必需的列 deadline（截止日期）"})
    records: list[dict] = []
    seen_numbers: dict[str, int] = {}
    for index, (line, record, problem) in enumerate(rows, start=1):
        if problem:
            _add_error(report, line, problem)
        else:
            values, errors, _unknown = clean_record(kind, record)
            if errors:
                _add_error(report, line, "；".join(errors.values()))
            else:
                number = values.get("application_number")
                if number and number in seen_numbers:
                    _add_error(report, line, f"申请号 {number} 与第 {seen_numbers[number]} 行重复")
                elif number:
                    seen_numbers[number] = line
                values["_line"] = line
                records.append(values)
        if progress and index % 200 == 0:
            progress(index)
    if kind == "patent" and seen_numbers:
        _check_existing_patents(org_id, seen_numbers, report)
    if kind == "result":
        _check_linked_patents(org_id, records, report)
    report.errors.sort(key=lambda e: e["line"])
    if progress:
        progress(total)
    return records, report


def _add_error(report: ImportReport, line: int, message: str) -> None:
    report.errors.append({"line": line, "message": message})


def _check_existing_patents(org_id: int, numbers: dict[str, int], report: ImportReport) -> None:
    existing = set()
    keys = list(numbers)
    for start in range(0, len(keys), 500):
        existing.update(
            db.session.scalars(
                select(Patent.application_number).where(
                    Patent.organisation_id == org_id, Patent.application_number.in_(keys[start : start + 500])
                )
            )
        )
    for number in existing:
        _add_error(report, numbers[number], f"申请号 {number} 的专利本单位已发布过，请勿重复导入")


def _check_linked_patents(org_id: int, records: list[dict], report: ImportReport) -> None:
    wanted = {pid for r in records for pid in r.get("patent_ids") or []}
    if not wanted:
        return
    own = set(
        db.session.scalars(select(Patent.id).where(Patent.id.in_(wanted), Patent.organisation_id == org_id))
    )
    for record in records:
        missing = [pid for pid in record.get("patent_ids") or [] if pid not in own]
        if missing:
            _add_error(
                report, record["_line"], f"关联专利编号 {', '.join(map(str, missing))} 不存在或不属于本单位"
            )


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
    on_total: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    on_insert: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check and import a whole file; nothing is inserted when any row is bad (caller commits)."""
    fmt = detect_format(filename, data[:64])
    columns, rows, total = read_rows(data, fmt)
    if on_total:
        on_total(total)
    records, report = check_rows(kind, org.id, columns, rows, total, on_progress)
    if total == 0 and not report.errors:
        report.errors.append({"line": 1, "message": "文件中没有数据行"})
    if not report.ok:
        return report
    publish = not as_draft and org.is_verified
    if not as_draft and not org.is_verified:
        report.warnings.append("本单位尚未通过认证，已导入为草稿；认证后可在“我的发布”中发布")
    report.ids = insert_records(
        kind, org, user, records, publish=publish, progress=on_insert, source=filename
    )
    # Queued before the caller commits: queued after it, nothing would commit the queue.
    services.after_bulk_import(kind, report.ids)
    report.imported = len(report.ids)
    return report


# --- background jobs for web uploads -----------------------------------------------------------


def create_job(user, kind: str, storage, *, as_draft: bool) -> ImportJob:
    """Store the upload and queue a job for it (caller commits, then starts `run_job`)."""
    if not services.can_post(user, kind):
        raise ValidationError(f"贵单位类型不能发布{KIND_LABELS[kind]}", fields={"kind": "类型不可选"})
    relative, data = store_import_file(storage, current_app.config.get("IMPORT_MAX_BYTES", 20 * 1024 * 1024))
    job = ImportJob(
        kind=kind,
        organisation_id=user.org.id,
        created_by_id=user.id,
        filename=clean_filename(storage.filename),
        stored_path=relative,
        file_format=detect_format(storage.filename, data[:64]),
        as_draft=as_draft,
        state="queued",
    )
    db.session.add(job)
    return job


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
        "state_label": job.state_label,
        "total": job.total_rows,
        "processed": job.processed_rows,
        "percent": job.percent,
        "imported": job.imported_count,
        "error_count": len(job.errors or []),
        "finished": job.state in ("done", "failed"),
    }
