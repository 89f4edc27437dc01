"""A small, safe Markdown renderer for procedure texts (INJ-V1).

Everything is HTML-escaped *first*; only the markup this module writes itself reaches the page, so no
raw HTML, event handler or script in a procedure can run. Supported: headings (``#`` and ``##`` as h2, then h3…),
paragraphs, bullet and numbered lists, ``**bold**``, ``*italic*`` / ``_italic_``, ```code```, ``---``
and links ``[text](https://…)`` with http or https only (anything else, e.g. ``javascript:``, is shown
as plain text). Deliberately small: a procedure is prose, not a web page.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)]\s+(.*)$")
_RULE = re.compile(r"^\s*(?:-\s*){3,}$|^\s*(?:\*\s*){3,}$")

# Inline patterns work on already escaped text: `&`, `<`, `>`, `"` and `'` are entities by now.
_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[([^\]\n]+)\]\(((?:[^()\s]|\([^()\s]*\))+)\)")
_SAFE_URL = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC_STAR = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])")
_ITALIC_UNDERSCORE = re.compile(r"(?<![\w])_(?=\S)(.+?)(?<=\S)_(?![\w])")
_TOKEN = re.compile(r"\x00(\d+)\x00")

# The page title is the h1, so both `#` and `##` become h2, `###` h3 and so on.
_TOP_HEADING = 2


def _emphasis(text: str) -> str:
    text = _BOLD.sub(r"<strong>\1</strong>", text)
    text = _ITALIC_STAR.sub(r"<em>\1</em>", text)
    return _ITALIC_UNDERSCORE.sub(r"<em>\1</em>", text)


def _inline(raw: str) -> str:
    """Escape a line of text, then add code spans, safe links and emphasis."""
    tokens: list[str] = []

    def keep(html: str) -> str:
        # Generated markup is set aside so emphasis never rewrites inside a tag or an href.
        tokens.append(html)
        return f"\x00{len(tokens) - 1}\x00"

    text = escape(raw)
    text = _CODE.sub(lambda m: keep(f"<code>{m.group(1)}</code>"), text)

    def link(match: re.Match) -> str:
        label = _TOKEN.sub(lambda m: tokens[int(m.group(1))], _emphasis(match.group(1)))
        url = match.group(2)
        if not _SAFE_URL.match(url):
            return keep(label)  # javascript:, data:, relative paths …: the text stays, the link goes
        return keep(f'<a href="{url}" rel="noopener noreferrer nofollow">{label}</a>')

    text = _LINK.sub(link, text)
    text = _emphasis(text)
    return _TOKEN.sub(lambda m: tokens[int(m.group(1))], text)


def render_markdown(source: str) -> SafeString:
    """Render procedure text as HTML that is safe to put on a page."""
    lines = (source or "").replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    html: list[str] = []
    paragraph: list[str] = []
    list_tag: str | None = None
    items: list[str] = []

    def flush_paragraph() -> None:
        if paragraph:
            html.append("<p>" + "<br>\n".join(_inline(line.strip()) for line in paragraph) + "</p>")
            paragraph.clear()

    def flush_list() -> None:
        nonlocal list_tag
        if list_tag:
            html.append(f"<{list_tag}>" + "".join(f"<li>{item}</li>" for item in items) + f"</{list_tag}>")
            items.clear()
            list_tag = None

    for line in lines:
        if not line.strip():
            flush_paragraph()
            flush_list()
            continue
        if _RULE.match(line):
            flush_paragraph()
            flush_list()
            html.append("<hr>")
            continue
        heading = _HEADING.match(line)
        if heading:
            flush_paragraph()
            flush_list()
            level = min(max(len(heading.group(1)), _TOP_HEADING), 6)
            html.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
            continue
        bullet, numbered = _BULLET.match(line), _NUMBERED.match(line)
        if bullet or numbered:
            flush_paragraph()
            tag = "ul" if bullet else "ol"
            if list_tag != tag:
                flush_list()
                list_tag = tag
            items.append(_inline((bullet or numbered).group(1)))
            continue
        if list_tag and line.startswith((" ", "\t")):
            items[-1] += " " + _inline(line.strip())  # a wrapped list item
            continue
        flush_list()
        paragraph.append(line)
    flush_paragraph()
    flush_list()
    return mark_safe("\n".join(html))  # noqa: S308  (built only from escaped text and our own tags)
