"""Article bodies: Markdown rendered by markdown-it-py, then sanitised by nh3 to a small set of tags.

Raw HTML in the source is not rendered (markdown-it's `html` option is off) and whatever the
renderer emits passes nh3's allow-list: headings, paragraphs, lists, links, tables and emphasis.
Images, scripts, styles and `javascript:` links do not survive.
"""

import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote",
    "ul", "ol", "li", "a", "em", "strong", "del", "code", "pre",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}

_renderer = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    .enable("table")
    .enable("strikethrough")
)


def _demote_headings(source_html: str) -> str:
    # The page's own <h1> is the article title: a "# 标题" in the body becomes <h2>, and so on.
    return re.sub(r"<(/?)h([1-6])>", lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 1, 6)}>", source_html)


def render_markdown(text: str) -> Markup:
    """Render an article body to safe HTML."""
    rendered = _demote_headings(_renderer.render(text or ""))
    clean = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)


def plain_text(text: str) -> str:
    """The words of an article body without markup, for the search index and excerpts."""
    html = nh3.clean(_renderer.render(text or ""), tags=set())
    # nh3 escapes what it keeps; the index wants the characters.
    html = html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    return re.sub(r"\n{3,}", "\n\n", html).strip()
