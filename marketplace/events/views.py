"""Public event pages, registration, the ticket and the calendar file."""

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from marketplace.accounts.forms import ConfirmForm
from marketplace.common.domain import TECHNOLOGY_FIELDS
from marketplace.common.exports import chinese_file
from marketplace.common.pagination import paginate, parse_page_args
from marketplace.common.permissions import can
from marketplace.common.uow import attempt
from marketplace.events import queries, registration
from marketplace.events.blueprint import bp
from marketplace.events.files import event_ics, qr_svg
from marketplace.events.forms import FilterForm, RegisterForm
from marketplace.events.models import EVENT_TYPES, Event
from marketplace.events.publishing import may_create
from marketplace.extensions import db


def get_event(event_id: int, action: str = "view") -> Event:
    event = db.session.get(Event, event_id)
    if event is None or not can(current_user, action, event):
        abort(404 if event is None or action == "view" else 403)
    return event


@bp.app_template_global()
def featured_events():
    """Upcoming events the bureau featured, for the home page."""
    return queries.featured_events()


@bp.app_template_global()
def events_dashboard(user) -> dict:
    """What the workbench shows: the user's coming registrations; for the bureau, events to review."""
    return queries.dashboard_counts(user)


@bp.app_template_global()
def event_funnel(year: int):
    """Events → inquiries → deals → contracts for the bureau's funnel page."""
    return queries.event_funnel(year), queries.EVENT_STEPS, queries.EVENT_STEP_LABELS


@bp.route("/events/")
def index():
    filters = queries.EventFilters.from_args(request.args)
    form = FilterForm(request.args)
    page, per_page = parse_page_args(request.args, default_per_page=12)
    return render_template(
        "events/index.html",
        page=paginate(queries.public_events(filters), page, per_page),
        filters=filters,
        form=form,
        types=EVENT_TYPES,
        fields=TECHNOLOGY_FIELDS,
        may_create=may_create(current_user),
    )


@bp.route("/events/<int:event_id>")
def show(event_id: int):
    event = get_event(event_id)
    return render_template(
        "events/show.html",
        event=event,
        counts=registration.counts(event.id),
        mine=registration.mine(event.id, current_user),
        owner_name=queries.owner_name,
        online_url_for=queries.online_url_for,
        inquiries=queries.inquiries_by_project(event) if event.is_past else {},
        manages=can(current_user, "manage", event),
    )


@bp.route("/events/<int:event_id>/register", methods=["GET", "POST"])
@login_required
def register(event_id: int):
    event = get_event(event_id)
    existing = registration.mine(event.id, current_user)
    if existing is not None and existing.is_active:
        return redirect(url_for("events.ticket", event_id=event.id))
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        outcome = attempt(
            lambda: registration.register(
                current_user, event.id, consent=form.consent.data, note=form.note.data or ""
            )
        )
        if outcome:
            return redirect(url_for("events.ticket", event_id=event.id))
        for name, message in outcome.error.fields.items():
            if name in form:
                form[name].errors = [*form[name].errors, message]
        status = outcome.error.status
    elif request.method == "POST":
        status = 422
    return render_template("events/register.html", event=event, form=form), status


@bp.route("/events/<int:event_id>/ticket")
@login_required
def ticket(event_id: int):
    event = get_event(event_id)
    item = registration.mine(event.id, current_user)
    if item is None or not item.is_active:
        return redirect(url_for("events.show", event_id=event.id))
    link = url_for("events.checkin_link", event_id=event.id, code=item.code, _external=True)
    return render_template(
        "events/ticket.html",
        event=event,
        item=item,
        qr=qr_svg(link) if item.status == "registered" else None,
        link=link,
        form=ConfirmForm(),
    )


@bp.route("/events/<int:event_id>/cancel", methods=["POST"])
@login_required
def cancel(event_id: int):
    event = get_event(event_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if attempt(lambda: registration.cancel(current_user, event.id), success=gettext("已取消报名")):
        return redirect(url_for("events.show", event_id=event.id))
    return redirect(url_for("events.ticket", event_id=event.id))


@bp.route("/events/<int:event_id>/event.ics")
@chinese_file
def calendar_file(event_id: int):
    event = get_event(event_id)
    body = event_ics(event, current_app.config.get("SITE_URL") or request.host_url)
    response = current_app.response_class(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="event-{event.id}.ics"'
    return response


@bp.route("/events/mine")
@login_required
def mine():
    page, per_page = parse_page_args(request.args)
    return render_template(
        "events/mine.html", page=paginate(queries.my_registrations(current_user.id), page, per_page)
    )
