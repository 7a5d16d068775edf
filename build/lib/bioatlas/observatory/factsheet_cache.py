"""Factsheet PDFs cached as files under the data directory (`<data_dir>/factsheets/`), one per
region and language, named after what they were made from:

    <region>-<lang>-<date>-<change-log seq>-<observatory mark>.pdf

- the change-log seq (`atlas.service.latest_change`) moves with every committed change of an
  actor (the counts, map, notable actors and contacts of every region);
- the observatory mark is a hash of the observatory rows the factsheet prints for the region
  (its recorded figures with their indicators and sources, its roadmaps), so a figure or a
  roadmap edited in place also changes the name;
- the date, because the sheet prints it.

A request computes the name (two small queries) and serves the file when it exists; otherwise it
renders the PDF (WeasyPrint, seconds), writes it atomically (temporary file + rename) and removes
that region's and language's older files. A stale PDF can therefore never be served after a
commit: its name no longer matches. The background task `observatory.factsheets`, queued after
every commit that changes actors or observatory rows (`sync.LISTENER`), renders again the sheets
that were cached before the change, so the next reader finds the new one ready.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.atlas.service import find_sources, latest_change
from bioatlas.core.config import Settings
from bioatlas.observatory.models import Indicator, IndicatorValue, Roadmap, RoadmapAction, RoadmapAxis

log = logging.getLogger(__name__)
FOLDER = "factsheets"
_NAME = re.compile(r"^(?P<code>[0-9A-Za-z]{1,3})-(?P<lang>fr|en)-(?P<rest>[0-9a-f-]+)\.pdf$")


def folder(settings: Settings) -> Path:
    return settings.data_dir / FOLDER


def observatory_mark(session: Session, *, code: str) -> str:
    """A hash of the observatory rows the region's factsheet prints (recorded figures of the region
    with their indicators and sources, the region's roadmaps with their axes and actions)."""
    digest = hashlib.sha256()
    values = session.execute(
        select(IndicatorValue.__table__).where(IndicatorValue.scope == code).order_by(IndicatorValue.id)
    ).all()
    indicator_ids = sorted({v.indicator_id for v in values})
    source_ids = sorted({v.source_id for v in values if v.source_id is not None})
    roadmaps = session.execute(select(Roadmap.__table__).where(Roadmap.region == code).order_by(Roadmap.id)).all()
    roadmap_ids = [r.id for r in roadmaps]
    axes = session.execute(select(RoadmapAxis.__table__).where(RoadmapAxis.roadmap_id.in_(roadmap_ids))
                           .order_by(RoadmapAxis.id)).all() if roadmap_ids else []
    actions = session.execute(select(RoadmapAction.__table__).where(RoadmapAction.axis_id.in_([a.id for a in axes]))
                              .order_by(RoadmapAction.id)).all() if axes else []
    indicators = session.execute(select(Indicator.__table__).where(Indicator.id.in_(indicator_ids))
                                 .order_by(Indicator.id)).all() if indicator_ids else []
    sources = find_sources(session, ids=source_ids) if source_ids else []
    for group in (values, indicators, roadmaps, axes, actions):
        for row in group:
            digest.update(repr(tuple(row)).encode())
    for source in sorted(sources, key=lambda s: s.id):
        digest.update(repr((source.id, source.title, source.url, source.licence, source.published)).encode())
    return digest.hexdigest()[:12]


def name(session: Session, *, code: str, lang: str, today: date | None = None) -> str:
    """The file name of the region's factsheet in `lang` as the data stand now."""
    day = (today or date.today()).strftime("%Y%m%d")
    return f"{code}-{lang}-{day}-{latest_change(session)}-{observatory_mark(session, code=code)}.pdf"


def _write(path: Path, pdf: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(pdf)
    os.replace(tmp, path)  # atomic: a reader sees the whole file or none
    for old in path.parent.glob(f"{path.name.split('-')[0]}-{path.name.split('-')[1]}-*.pdf"):
        if old.name != path.name:
            old.unlink(missing_ok=True)


def cached_pdf(session: Session, *, settings: Settings, code: str, lang: str, render: Callable[[], bytes]) -> bytes:
    """The region's factsheet PDF: the cached file when it matches the data, else `render()`d and
    kept."""
    path = folder(settings) / name(session, code=code, lang=lang)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    pdf = render()
    try:
        _write(path, pdf)
    except OSError:  # a read-only or full disk costs speed, never the answer
        log.exception("could not cache the factsheet %s", path)
    return pdf


def cached(settings: Settings) -> list[tuple[str, str]]:
    """(region, lang) of every factsheet in the cache (the sheets people asked for)."""
    out = set()
    base = folder(settings)
    if base.is_dir():
        for path in base.iterdir():
            m = _NAME.match(path.name)
            if m:
                out.add((m["code"], m["lang"]))
    return sorted(out)


def refresh(session: Session, *, settings: Settings, render: Callable[[Session, str, str], bytes]) -> dict[str, int]:
    """Render again every cached factsheet whose data changed (`render(session, code, lang)`)."""
    done = unchanged = 0
    for code, lang in cached(settings):
        path = folder(settings) / name(session, code=code, lang=lang)
        if path.exists():
            unchanged += 1
            continue
        _write(path, render(session, code, lang))
        done += 1
    return {"rendered": done, "unchanged": unchanged}
