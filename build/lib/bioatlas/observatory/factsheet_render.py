"""The regional factsheet's context and its PDF, for the pages (`views.py`) and for the background
task that renders cached PDFs again after a change (`tasks.py`)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from bioatlas.atlas.service import taxonomies as load_taxonomies
from bioatlas.core.i18n import Translator
from bioatlas.observatory import factsheet, regions
from bioatlas.web import templates


def context(session: Session, *, code: str, t: Translator, scope: str | None = None) -> dict | None:
    """The template context of the region's factsheet; None when there is no such region. `scope`:
    "sector" or "all" (None: the atlas's default, the sector once its scope has been computed)."""
    profile = regions.region_profile(session, code=code, lang=t.lang, taxonomies=load_taxonomies(), scope=scope)
    if profile is None:
        return None
    return {
        "region": profile, "today": date.today().isoformat(),
        "recorded": regions.recorded_figures(session, code=code, lang=t.lang),
        "map_svg": factsheet.region_map_svg(code, profile.points, label=t("Map of the region's actors"))
        if profile.has_actors else None,
        "legend": factsheet.legend(profile.points), "kind_labels": {
            c: term.label(t.lang) for c, term in load_taxonomies()["kinds"].terms.items()},
    }


def render_pdf(session: Session, *, code: str, t: Translator, found: dict | None = None) -> bytes:
    """The factsheet PDF (WeasyPrint); `factsheet.PdfUnavailable` without Pango, LookupError for an
    unknown region."""
    ctx = found if found is not None else context(session, code=code, t=t)
    if ctx is None:
        raise LookupError(code)
    html = templates.get_template("observatory/factsheet_pdf.html").render({"t": t, "lang": t.lang, **ctx})
    return factsheet.render_pdf(html)
