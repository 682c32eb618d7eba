"""Who may use the policy routes: everyone reads published articles; the bureau manages them."""

from pathlib import Path

from flask import current_app

from marketplace.extensions import db
from marketplace.policy.models import ArticleAttachment
from tests.permission_roles import ANY, BUREAU
from tests.policy.factories import PDF, make_article

RULES = {
    "policy.index": ("GET", "/policy/", ANY),
    "policy.show": ("GET", "/policy/{article}", ANY),
    "policy.attachment": ("GET", "/policy/{article}/files/{file}", ANY),
    "policy.manage": ("GET", "/bureau/policy", BUREAU),
    "policy.new": ("GET", "/bureau/policy/new", BUREAU),
    "policy.edit": ("GET", "/bureau/policy/{draft}/edit", BUREAU),
    "policy.publish": ("POST", "/bureau/policy/{draft}/publish", BUREAU),
    "policy.withdraw": ("POST", "/bureau/policy/{article}/withdraw", BUREAU),
    "policy.upload": ("POST", "/bureau/policy/{draft}/files", BUREAU),
    "policy.remove_file": ("POST", "/bureau/policy/{article}/files/{file}/delete", BUREAU),
}


def setup(users):
    article = make_article()
    draft = make_article(status="draft", title="草稿")
    relative = f"policy/perm-{article.id}.pdf"
    path = Path(current_app.config["UPLOAD_DIR"]) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PDF)
    attachment = ArticleAttachment(
        article_id=article.id, path=relative, filename="通知.pdf", mimetype="application/pdf", size=len(PDF)
    )
    db.session.add(attachment)
    db.session.flush()
    return {"article": article.id, "draft": draft.id, "file": attachment.id}
