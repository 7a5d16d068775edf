"""The context every HTML page gets, and `render`: one place for what the base layout needs.

`t` and `lang` (the translator), `path` and `pairs` (the current URL, for the language switch and
`query()` links), `csrf` (the form token the accounts middleware puts on the request) and `me`
(the principal, or None), `tz` (the reader's time zone: the account's, else Europe/Paris).
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse

from bioatlas.core.moments import DEFAULT_ZONE
from bioatlas.web import templates


def page_context(request: Request, t, **extra) -> dict:
    """The base context of a page, plus the page's own values."""
    return {"t": t, "lang": t.lang, "path": request.url.path, "pairs": request.query_params.multi_items(),
            "csrf": getattr(request.state, "csrf", ""), "me": getattr(request.state, "principal", None),
            "tz": getattr(request.state, "time_zone", None) or DEFAULT_ZONE, **extra}


def render(request: Request, t, template: str, status: int = 200, **context):
    """Render `template` with the page context and the page's values."""
    return templates.TemplateResponse(request, template, page_context(request, t, **context), status_code=status)


def redirect(url: str) -> RedirectResponse:
    """303 See Other: after a form POST, the browser GETs `url`."""
    return RedirectResponse(url, status_code=303)
