"""Shared web layer: base templates, static assets (built), error pages, Jinja environment."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

from babel.dates import format_date
from fastapi.templating import Jinja2Templates

from bioatlas.core.countries import country_choices
from bioatlas.core.moments import DAY_PATTERNS, written
from bioatlas.core.plugins import collect

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
# web/templates first (base layout, errors), then each feature's templates/<feature>/ folder.
TEMPLATE_DIRS = [WEB_DIR / "templates"] + sorted(
    p for p in WEB_DIR.parent.glob("*/templates") if p.parent != WEB_DIR
)

templates = Jinja2Templates(directory=[str(d) for d in TEMPLATE_DIRS])  # autoescape on for .html


def _query(pairs, **changes) -> str:
    """Rebuild a query string from (key, value) pairs, replacing the keys given in changes."""
    kept = [(k, v) for k, v in pairs if k not in changes]
    for key, value in changes.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            kept.extend((key, v) for v in value)
        else:
            kept.append((key, value))
    return urlencode(kept)


templates.env.globals["query"] = _query
templates.env.globals["countries"] = country_choices  # (code, name) in a language: a form's country select

# A day as a reader of the language writes it: "mardi 5 janvier 2027", "Tuesday 5 January 2027"
# (`long`), "mar. 5 janv." / "Tue 5 Jan" (`short`, in tables); forms and exports keep ISO dates.
# The patterns are core.moments' (notifications write their days the same way).


def _day(value, lang: str, style: str = "long") -> str:
    if isinstance(value, str):  # an ISO date or date-time, as a service's dict gives it
        value = datetime.fromisoformat(value).date()
    return format_date(value, DAY_PATTERNS[style], locale=lang)


def _moment(value, lang: str):
    """A `core.moments.Moment` (a call's deadline…) as the page's reader writes it: "mardi 5 janvier
    2027 à 18:00 (Europe/Paris, UTC+0100)", "Tuesday 5 January 2027 at 18:00 (…)"."""
    return written(value, lang)


templates.env.filters["day"] = _day
templates.env.filters["moment"] = _moment


def slots(place: str) -> list[str]:
    """The templates features put at a place of the base layout (plug-in hook
    `bioatlas_page_slots`: "head" for stylesheets, "header" for the top bar), by order then
    template name. Read on each call: pluggy keeps the plug-ins, the list is a few items."""
    found = [s for s in collect("bioatlas_page_slots") if s.place == place]
    return [s.template for s in sorted(found, key=lambda s: (s.order, s.template))]


templates.env.globals["slots"] = slots
