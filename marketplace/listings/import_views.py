"""The import preview page: what a file would do, with its column mapping changeable, before import.

Uploading (`listings.import_upload`) stores the file as a job in state "preview"; this page shows the
detected layout, each column's field (select boxes; 重新预览 applies them), the first rows as they
will be stored, every error by line, rows flagged for confirmation (a checkbox each) and rows for
listings already on the platform (skip, update or error). 导入 queues the job, all or nothing.
"""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from marketplace.common.errors import DomainError
from marketplace.common.kinds import KIND_LABELS
from marketplace.common.permissions import role_required
from marketplace.common.roles import Role
from marketplace.common.tasks import run_in_background
from marketplace.common.uow import attempt, unit_of_work
from marketplace.common.validators import MAX_ID, plain_int
from marketplace.extensions import db
from marketplace.listings import importer
from marketplace.listings.forms import ActionForm
from marketplace.listings.headers import target_choices
from marketplace.listings.import_preview import DUPLICATE_CHOICES
from marketplace.listings.models import ImportJob

bp = Blueprint("listing_imports", __name__)
POSTING_ROLES = (Role.UNIVERSITY, Role.INSTITUTE, Role.ENTERPRISE)


def _own_preview_job(job_id: int) -> ImportJob:
    job = db.session.get(ImportJob, job_id) if job_id <= MAX_ID else None
    if job is None:
        abort(404)
    if current_user.org is None or job.organisation_id != current_user.org.id:
        abort(403)
    return job


def _chosen_mapping() -> dict:
    """{column index: target} from the select boxes named map_<index>."""
    return {
        key[4:]: value
        for key, value in request.form.items()
        if key.startswith("map_") and plain_int(key[4:]) is not None
    }


@bp.route("/my/listings/import/<int:job_id>/preview", methods=["GET", "POST"])
@role_required(*POSTING_ROLES)
def preview(job_id: int):
    job = _own_preview_job(job_id)
    if job.state != "preview":
        return redirect(url_for("listings.import_job", job_id=job.id))
    form = ActionForm()
    if request.method == "POST" and form.validate_on_submit():
        mapping = _chosen_mapping()
        if request.form.get("action") == "import":
            accepted = [plain_int(v) for v in request.form.getlist("accept")]
            outcome = attempt(
                lambda: importer.queue_job(
                    job,
                    mapping=mapping,
                    on_duplicate=request.form.get("on_duplicate", "error"),
                    accepted=[line for line in accepted if line is not None],
                )
            )
            if outcome:
                run_in_background(importer.run_job, job.id)
                return redirect(url_for("listings.import_job", job_id=job.id))
        else:
            attempt(lambda: importer.remap_job(job, mapping))
        return redirect(url_for("listing_imports.preview", job_id=job.id))
    try:
        result = importer.preview_job(job)
    except DomainError as error:
        with unit_of_work():
            importer.fail_preview(job, error.message)
        return redirect(url_for("listings.import_job", job_id=job.id))
    return render_template(
        "listings/import_preview.html",
        job=job,
        preview=result,
        form=form,
        kind_label=KIND_LABELS[job.kind],
        choices=target_choices(job.kind),
        duplicate_choices=DUPLICATE_CHOICES,
    )
