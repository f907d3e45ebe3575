"""Markdown for people's text (course pages, forum posts): rendered by markdown-it, cleaned by nh3.

Raw HTML in the source is escaped by the parser, and the rendered HTML is cleaned again with an
allow-list, so neither a post nor a course page can carry script, styles, frames or event handlers.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "img", "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"style"},
    "td": {"style"},
    "ol": {"start"},
}


def render_markdown(text: str | None) -> Markup:
    """Safe HTML for a Markdown text written by a person."""
    if not text:
        return Markup("")
    return _render(text)


@lru_cache(maxsize=4096)
def _render(text: str) -> Markup:
    # A pure function of the text, and the same posts and descriptions are shown again and
    # again: rendering and cleaning is most of a thread page's work, so keep recent results.
    html = _parser.render(text)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
    )
    return Markup(cleaned)
