"""The HTML pages of the route table read as a visitor, a member and an administrator, in French and
English, over the authorisation matrix's world: what the page-wide checks (form labels, visible
labels) read."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from tests.test_authz_matrix import _client_for, _url

ROLES = ("anonymous", "member", "admin")


def html_pages(app, db, world: dict, pages: Iterable[str], *, codes: dict[str, str] | None = None,
               ) -> Iterator[tuple[str, str]]:
    """(route path, page text) for every page that answers 200 with HTML, per role and language;
    `codes` puts a real code in the routes whose `{code}` the world's ids do not fill."""
    pages = list(pages)
    for role in ROLES:
        client, headers, _cookies = _client_for(app, db, role)
        for path in pages:
            url = _url(path, world, role, "own")
            for prefix, code in (codes or {}).items():
                if path.startswith(prefix + "{code}"):
                    url = url.replace(prefix + "1", prefix + code, 1)
            for lang in ("fr", "en"):
                r = client.get(url, params={"lang": lang}, headers=headers, follow_redirects=False)
                if r.status_code == 200 and r.headers.get("content-type", "").startswith("text/html"):
                    yield path, r.text
