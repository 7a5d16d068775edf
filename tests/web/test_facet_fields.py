"""The directory and the search page draw their facet fields with one macro
(`web/templates/_facet_fields.html`): selected values stay checked, counts are shown, values
with no actor are hidden unless selected."""

from __future__ import annotations

import re

from tests.atlas.ecosystem import load


def _checkbox(html: str, facet: str, code: str) -> str | None:
    m = re.search(rf'<input type="checkbox" name="{facet}" value="{code}"[^>]*>\s*([^<]*)<span class="count">(\d+)</span>', html)
    return None if m is None else m.group(0)


def test_directory_and_search_page_share_the_facet_fields(client, db):
    with db.begin() as s:
        load(s)
    for page, params in (("/actors", {"region": "27"}), ("/search", {"q": "CHU", "region": "27", "mode": "fulltext"})):
        html = client.get(page, params=params).text
        box = _checkbox(html, "region", "27")
        assert box is not None and "checked" in box, page
        assert int(re.search(r'<span class="count">(\d+)</span>$', box).group(1)) >= 1
        assert re.search(r'<select name="departement" multiple size="6" aria-label="[^"]+">\s*<option value="21"', html), page
        assert _checkbox(html, "kind", "investor") is None  # no investor in the ecosystem: hidden
    html = client.get("/actors", params={"kind": "investor"}).text
    box = _checkbox(html, "kind", "investor")
    assert box is not None and "checked" in box and box.endswith('<span class="count">0</span>')
