"""HTML to PDF with WeasyPrint, which fetches nothing: the print is made from the HTML and its stylesheet only."""

from __future__ import annotations

from pathlib import Path


def render_pdf(html: str, stylesheet: Path) -> bytes:
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    no_fetching = URLFetcher(allowed_protocols=())
    css = CSS(string=stylesheet.read_text(encoding="utf-8"), url_fetcher=no_fetching)
    return HTML(string=html, url_fetcher=no_fetching).write_pdf(stylesheets=[css])
