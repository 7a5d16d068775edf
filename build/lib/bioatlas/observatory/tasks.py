"""The observatory's background task `observatory.factsheets`: render again the cached factsheet
PDFs whose data changed (queued by `factsheet_sync.LISTENER`; also `bioatlas observatory
factsheets`)."""

from __future__ import annotations

from bioatlas.core.i18n import Translator
from bioatlas.jobs.service import current_sessions, current_settings
from bioatlas.observatory import factsheet_cache, factsheet_render


def refresh_factsheets() -> dict[str, int]:
    with current_sessions()() as session:
        return factsheet_cache.refresh(
            session, settings=current_settings(),
            render=lambda s, code, lang: factsheet_render.render_pdf(s, code=code, t=Translator(lang)))
