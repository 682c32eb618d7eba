"""Policy and notices: the public list and article pages, downloads, and the bureau's editor."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from marketplace.accounts.forms import ConfirmForm
from marketplace.common.errors import NotFound
from marketplace.common.pagination import paginate, parse_page_args
from marketplace.common.permissions import role_required
from marketplace.common.roles import Role
from marketplace.common.uow import attempt
from marketplace.common.uploads import send_upload
from marketplace.extensions import db
from marketplace.policy import services
from marketplace.policy.forms import ArticleForm, AttachmentForm
from marketplace.policy.markdown import render_markdown
from marketplace.policy.models import CATEGORIES, STATUSES, VALIDITIES, Article

bp = Blueprint("policy", __name__)


@bp.app_template_global()
def latest_policy_articles(limit: int = 5) -> list[Article]:
    """The newest published articles, for the home page."""
    return services.latest_articles(limit)


@bp.route("/policy/")
def index():
    category = request.args.get("category", "")
    validity = request.args.get("validity", "")
    category = category if category in CATEGORIES else ""
    validity = validity if validity in VALIDITIES else ""
    page, per_page = parse_page_args(request.args, default_per_page=15)
    return render_template(
        "policy/index.html",
        page=paginate(services.public_articles(category, validity), page, per_page),
        category=category,
        validity=validity,
        categories=CATEGORIES,
        validities=VALIDITIES,
    )


@bp.route("/policy/<int:article_id>")
def show(article_id: int):
    article = services.get_article(article_id, current_user)
    return render_template(
        "policy/show.html",
        article=article,
        body_html=render_markdown(article.body),
        linked=services.linked_listings(article, current_user),
        confirm_form=ConfirmForm(),
    )


@bp.route("/policy/<int:article_id>/files/<int:attachment_id>")
def attachment(article_id: int, attachment_id: int):
    article = services.get_article(article_id, current_user)
    found = next((a for a in article.attachments if a.id == attachment_id), None)
    if found is None:
        raise NotFound(gettext("附件不存在"))
    # Always a download with the stored (cleaned) name: never shown inline as a page.
    return send_upload(found.path, mimetype=found.mimetype, download_name=found.filename, as_attachment=True)


# --- the bureau's pages ---------------------------------------------------------------------------


def _managed(article_id: int) -> Article:
    article = db.session.get(Article, article_id) if article_id < 2**31 else None
    if article is None:
        raise NotFound(gettext("该文章不存在"))
    return article


@bp.route("/bureau/policy")
@role_required(Role.BUREAU)
def manage():
    status = request.args.get("status", "")
    status = status if status in STATUSES else ""
    stmt = db.select(Article)
    if status:
        stmt = stmt.where(Article.status == status)
    page, per_page = parse_page_args(request.args)
    return render_template(
        "policy/manage.html",
        page=paginate(stmt.order_by(Article.updated_at.desc(), Article.id.desc()), page, per_page),
        status=status,
        statuses=STATUSES,
        confirm_form=ConfirmForm(),
    )


@bp.route("/bureau/policy/new", methods=["GET", "POST"])
@role_required(Role.BUREAU)
def new():
    form = ArticleForm()
    if form.validate_on_submit():
        publish = request.form.get("action") == "publish"
        outcome = attempt(
            lambda: services.create_article(current_user, form.to_input(), publish=publish),
            success=gettext("已发布") if publish else gettext("草稿已保存，可以继续上传附件后发布"),
        )
        if outcome:
            return redirect(url_for("policy.edit", article_id=outcome.value.id))
    status = 422 if request.method == "POST" else 200
    return render_template("policy/form.html", form=form, article=None), status


@bp.route("/bureau/policy/<int:article_id>/edit", methods=["GET", "POST"])
@role_required(Role.BUREAU)
def edit(article_id: int):
    article = _managed(article_id)
    form = ArticleForm(obj=article if request.method == "GET" else None)
    if request.method == "GET":
        form.links.data = services.link_text(article)
    elif form.validate_on_submit():
        outcome = attempt(
            lambda: services.update_article(current_user, article, form.to_input()),
            success=gettext("修改已保存"),
        )
        if outcome:
            return redirect(url_for("policy.edit", article_id=article.id))
    status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "policy/form.html",
            form=form,
            article=article,
            upload_form=AttachmentForm(),
            confirm_form=ConfirmForm(),
        ),
        status,
    )


def _action(article_id: int, action, done: str):
    article = _managed(article_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attempt(lambda: action(current_user, article), success=done)
    if request.form.get("next") == "manage":
        return redirect(url_for("policy.manage"))
    return redirect(url_for("policy.edit", article_id=article.id))


@bp.route("/bureau/policy/<int:article_id>/publish", methods=["POST"])
@role_required(Role.BUREAU)
def publish(article_id: int):
    return _action(article_id, services.publish_article, gettext("已发布，公众可以在“政策通知”中看到"))


@bp.route("/bureau/policy/<int:article_id>/withdraw", methods=["POST"])
@role_required(Role.BUREAU)
def withdraw(article_id: int):
    return _action(article_id, services.withdraw_article, gettext("已撤回，公众不再能看到这篇文章"))


@bp.route("/bureau/policy/<int:article_id>/files", methods=["POST"])
@role_required(Role.BUREAU)
def upload(article_id: int):
    article = _managed(article_id)
    form = AttachmentForm()
    if not form.validate_on_submit():
        abort(400)
    attempt(
        lambda: services.add_attachment(current_user, article, form.file.data), success=gettext("附件已上传")
    )
    return redirect(url_for("policy.edit", article_id=article.id))


@bp.route("/bureau/policy/<int:article_id>/files/<int:attachment_id>/delete", methods=["POST"])
@role_required(Role.BUREAU)
def remove_file(article_id: int, attachment_id: int):
    article = _managed(article_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attempt(
        lambda: services.remove_attachment(current_user, article, attachment_id),
        success=gettext("附件已删除"),
    )
    return redirect(url_for("policy.edit", article_id=article.id))
