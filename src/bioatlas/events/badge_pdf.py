"""Badges as a PDF (WeasyPrint, already used by the observatory's factsheets): the same cards as
the printable page, two per A4 row, from a standalone template and `badge_pdf.css`. Nothing is
fetched while rendering (the QR codes are inline SVG)."""

from __future__ import annotations

from pathlib import Path

BADGE_CSS = Path(__file__).with_name("badge_pdf.css")


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot load its system libraries (Pango): the PDF cannot be made here."""


def _no_remote(url: str, *args, **kwargs):
    raise ValueError(f"a badge PDF fetches no external resource (asked for {url[:80]})")


def render_pdf(html: str) -> bytes:
    try:  # imported here: Pango is loaded only when a PDF is asked for
        from weasyprint import CSS, HTML
    except OSError as exc:
        raise PdfUnavailable(f"PDF rendering needs the Pango libraries; the printable badge page works "
                             f"without them ({exc})") from exc
    return HTML(string=html, url_fetcher=_no_remote).write_pdf(stylesheets=[CSS(filename=str(BADGE_CSS))])
