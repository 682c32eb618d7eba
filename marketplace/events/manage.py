"""The organiser's and the bureau's event pages: create, present projects, check in, export, review."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.accounts.forms import ConfirmForm
from marketplace.common.errors import DomainError
from marketplace.common.exports import chinese_file
from marketplace.common.pagination import paginate, parse_page_args
from marketplace.common.permissions import can, role_required
from marketplace.common.roles import Role
from marketplace.common.timeutil import to_beijing
from marketplace.common.uow import attempt
from marketplace.events import publishing, queries, registration
from marketplace.events.blueprint import bp
from marketplace.events.files import attendee_workbook
from marketplace.events.forms import (
    CancelEventForm,
    CheckInForm,
    EventForm,
    ProjectForm,
    RejectForm,
    WalkInForm,
)
from marketplace.events.models import Event, Registration
from marketplace.events.views import get_event
from marketplace.extensions import db


def _apply(form, error: DomainError) -> None:
    for name, message in error.fields.items():
        if name in form:
            form[name].errors = [*form[name].errors, message]


def _input(form: EventForm) -> publishing.EventInput:
    return publishing.EventInput(
        title=form.title.data or "",
        event_type=form.event_type.data or "",
        starts_at=publishing.beijing_to_utc(form.starts_at.data),
        ends_at=publishing.beijing_to_utc(form.ends_at.data),
        place=form.place.data or "",
        online_url=form.online_url.data or "",
        organiser_name=form.organiser_name.data or "",
        capacity=form.capacity.data,
        registration_deadline=publishing.beijing_to_utc(form.registration_deadline.data),
        agenda=form.agenda.data or "",
        training_hours=form.training_hours.data,
    )


def _checked_in_message(name: str, new: bool) -> str:
    if new:
        return gettext("%(name)s 签到成功", name=name)
    return gettext("%(name)s 此前已签到", name=name)


def _local(value):
    local = to_beijing(value)
    return local.replace(tzinfo=None) if local else None


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
def new():
    if not publishing.may_create(current_user):
        abort(403)
    form = EventForm()
    if request.method == "GET":
        form.organiser_name.data = current_user.org.name
    status = 200
    if form.validate_on_submit():
        outcome = attempt(lambda: publishing.create_event(current_user, _input(form)))
        if outcome:
            event = outcome.value
            flash(
                gettext("活动已发布") if event.is_public else gettext("活动已提交，科技局审核通过后公开"),
                "success",
            )
            return redirect(url_for("events.manage", event_id=event.id))
        _apply(form, outcome.error)
        status = outcome.error.status
    elif request.method == "POST":
        status = 422
    return render_template("events/form.html", form=form, event=None), status


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    event = get_event(event_id, "manage")
    form = EventForm(obj=event) if request.method == "GET" else EventForm()
    if request.method == "GET":
        for name in ("starts_at", "ends_at", "registration_deadline"):
            form[name].data = _local(getattr(event, name))
    status = 200
    if form.validate_on_submit():
        outcome = attempt(
            lambda: publishing.update_event(current_user, event, _input(form)), success=gettext("已保存")
        )
        if outcome:
            return redirect(url_for("events.manage", event_id=event.id))
        _apply(form, outcome.error)
        status = outcome.error.status
    elif request.method == "POST":
        status = 422
    return render_template("events/form.html", form=form, event=event), status


@bp.route("/events/<int:event_id>/manage")
@login_required
def manage(event_id: int):
    event = get_event(event_id, "manage")
    project_form = ProjectForm()
    if project_form.slot_at.data is None:
        project_form.slot_at.data = _local(event.starts_at)
    return render_template(
        "events/manage.html",
        event=event,
        counts=registration.counts(event.id),
        registrations=queries.registrations_of(event.id),
        project_form=project_form,
        confirm=ConfirmForm(),
        owner_name=queries.owner_name,
    )


@bp.route("/events/<int:event_id>/cancel-event", methods=["GET", "POST"])
@login_required
def cancel_event(event_id: int):
    """Ask for the reason and a confirmation, then call the event off."""
    event = get_event(event_id, "manage")
    form = CancelEventForm()
    status = 200
    if form.validate_on_submit():
        outcome = attempt(
            lambda: publishing.cancel_event(current_user, event, form.reason.data or ""),
            success=gettext("活动已取消，已通知报名的人"),
        )
        if outcome:
            return redirect(url_for("events.show", event_id=event.id))
        _apply(form, outcome.error)
        status = outcome.error.status
    elif request.method == "POST":
        status = 422
    return render_template("events/cancel_event.html", event=event, form=form), status


@bp.route("/events/<int:event_id>/projects", methods=["POST"])
@login_required
def add_project(event_id: int):
    event = get_event(event_id, "manage")
    form = ProjectForm()
    form.validate_on_submit()
    attempt(
        lambda: publishing.add_project(
            current_user,
            event,
            form.kind.data,
            form.listing_id.data,
            publishing.beijing_to_utc(form.slot_at.data),
        ),
        success=gettext("已加入展示项目"),
    )
    return redirect(url_for("events.manage", event_id=event.id))


@bp.route("/events/<int:event_id>/projects/<int:project_id>/delete", methods=["POST"])
@login_required
def remove_project(event_id: int, project_id: int):
    event = get_event(event_id, "manage")
    if ConfirmForm().validate_on_submit():
        attempt(
            lambda: publishing.remove_project(current_user, event, project_id),
            success=gettext("已移除展示项目"),
        )
    return redirect(url_for("events.manage", event_id=event.id))


@bp.route("/events/<int:event_id>/checkin", methods=["GET", "POST"])
@login_required
def checkin(event_id: int):
    event = get_event(event_id, "manage")
    form, walk_in = CheckInForm(), WalkInForm(prefix="walkin")
    last = None
    if form.validate_on_submit():
        outcome = attempt(lambda: registration.check_in(current_user, event, form.code.data or ""))
        if outcome:
            last, new = outcome.value
            flash(_checked_in_message(last.name, new), "success" if new else "info")
            return redirect(url_for("events.checkin", event_id=event.id))
    return render_template(
        "events/checkin.html", event=event, form=form, walk_in=walk_in, counts=registration.counts(event.id)
    )


@bp.route("/events/<int:event_id>/walk-in", methods=["POST"])
@login_required
def add_walk_in(event_id: int):
    event = get_event(event_id, "manage")
    walk_in = WalkInForm(prefix="walkin")
    status = 200
    if walk_in.validate_on_submit():
        outcome = attempt(
            lambda: registration.add_walk_in(current_user, event, walk_in.name.data, walk_in.phone.data),
            success=gettext("已登记现场来宾并签到"),
        )
        if outcome:
            return redirect(url_for("events.checkin", event_id=event.id))
        _apply(walk_in, outcome.error)
        status = outcome.error.status
    else:
        status = 422
    return (
        render_template(
            "events/checkin.html",
            event=event,
            form=CheckInForm(),
            walk_in=walk_in,
            counts=registration.counts(event.id),
        ),
        status,
    )


@bp.route("/events/<int:event_id>/checkin/<code>", methods=["GET", "POST"])
@login_required
def checkin_link(event_id: int, code: str):
    """The ticket's QR code opens this: the organiser confirms with one tap; a registrant sees the ticket."""
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    if not can(current_user, "manage", event):
        return redirect(url_for("events.ticket", event_id=event.id))
    code = registration.normalise_code(code)
    item = db.session.scalar(
        select(Registration).where(Registration.event_id == event.id, Registration.code == code)
    )
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        outcome = attempt(lambda: registration.check_in(current_user, event, code))
        if outcome:
            done, new = outcome.value
            flash(_checked_in_message(done.name, new), "success" if new else "info")
            return redirect(url_for("events.checkin", event_id=event.id))
    return render_template("events/checkin_link.html", event=event, item=item, code=code, form=form)


@bp.route("/events/<int:event_id>/counts.json")
@login_required
def live_counts(event_id: int):
    event = get_event(event_id, "manage")
    return registration.counts(event.id)


@bp.route("/events/<int:event_id>/attendees.xlsx")
@login_required
@chinese_file
def export_attendees(event_id: int):
    event = get_event(event_id, "manage")
    body = attendee_workbook(event, queries.registrations_of(event.id))
    response = current_app.response_class(
        body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="event-{event.id}-attendees.xlsx"'
    return response


@bp.route("/events/organised")
@login_required
def organised():
    if not publishing.may_create(current_user):
        abort(403)
    page, per_page = parse_page_args(request.args)
    return render_template(
        "events/organised.html", page=paginate(queries.events_run_by(current_user.org.id), page, per_page)
    )


@bp.route("/bureau/events")
@role_required(Role.BUREAU)
def review_queue():
    page, per_page = parse_page_args(request.args)
    return render_template(
        "events/review.html",
        page=paginate(queries.review_queue(), page, per_page),
        confirm=ConfirmForm(),
        reject=RejectForm(),
    )


@bp.route("/bureau/events/<int:event_id>/approve", methods=["POST"])
@role_required(Role.BUREAU)
def approve(event_id: int):
    event = get_event(event_id, "review")
    if ConfirmForm().validate_on_submit():
        attempt(lambda: publishing.approve_event(current_user, event), success=gettext("活动已通过并发布"))
    return redirect(url_for("events.review_queue"))


@bp.route("/bureau/events/<int:event_id>/reject", methods=["POST"])
@role_required(Role.BUREAU)
def reject(event_id: int):
    event = get_event(event_id, "review")
    form = RejectForm()
    form.validate_on_submit()
    attempt(
        lambda: publishing.reject_event(current_user, event, form.reason.data or ""),
        success=gettext("已退回"),
    )
    return redirect(url_for("events.review_queue"))


@bp.route("/bureau/events/<int:event_id>/feature", methods=["POST"])
@role_required(Role.BUREAU)
def feature(event_id: int):
    event = get_event(event_id, "review")
    if ConfirmForm().validate_on_submit():
        on = request.form.get("featured") == "1"
        attempt(
            lambda: publishing.set_featured(current_user, event, on),
            success=gettext("已推荐到首页") if on else gettext("已取消首页推荐"),
        )
    return redirect(url_for("events.show", event_id=event.id))
