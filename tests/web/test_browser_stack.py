"""The Paris stack in a real browser: every French ROR record of the demo dump placed at Paris's
town hall (one point no zoom can split). At the map's highest zoom a click on it opens a list of
the organisations, a page at a time, each marked as an approximate position, and the pages reach
the last one. Screenshot: artifacts/screenshots/map-stack.png."""

from __future__ import annotations

import gzip
import json

import pytest
from sqlalchemy import func, select

from bioatlas.atlas.models import Actor
from bioatlas.demo.files import ROR_FILE
from bioatlas.sources import ror, ror_load
from tests.web.live import serve
from tests.web.test_browser import SCREENSHOTS, _wait_map_idle, browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

PARIS_POINT = (48.85341, 2.3488)  # where ROR places the organisations whose city is Paris
PAGE = 50  # map.js STACK_PAGE


@pytest.fixture
def stack(db, tmp_path) -> int:
    """The real records, loaded with the ROR connector; the number of active actors."""
    path = tmp_path / "paris.jsonl.gz"
    with gzip.open(ROR_FILE, "rt", encoding="utf-8") as fh, gzip.open(path, "wt", encoding="utf-8") as out:
        for line in fh:
            org = ror.parse(json.loads(line))
            if org.country == "FR" and (org.latitude, org.longitude) == PARIS_POINT:
                out.write(line)
    with db() as s:
        ror_load.load(s, path, countries={"FR"})
        s.commit()
        return s.scalar(select(func.count(Actor.id)).where(Actor.status == "active"))


def test_a_stack_is_listed_a_page_at_a_time(settings, stack, browser):  # noqa: F811
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 800})
    page.on("console", lambda m: problems.append(f"console.error: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    with serve(settings) as url:
        page.goto(f"{url}/")
        _wait_map_idle(page)
        lat, lon = PARIS_POINT
        page.evaluate(f"() => window.bioatlasMap.jumpTo({{ center: [{lon}, {lat}], zoom: 16 }})")
        page.wait_for_function(
            "() => window.bioatlasMap.querySourceFeatures('cells').some((f) => f.properties.stack)", timeout=30_000
        )
        _wait_map_idle(page)
        assert page.locator("#map").get_attribute("data-mode") == "clusters"  # more than the points mode lists

        x, y = page.evaluate(f"() => {{ const p = window.bioatlasMap.project([{lon}, {lat}]); return [p.x, p.y]; }}")
        box = page.locator("#map canvas").bounding_box()
        page.mouse.click(box["x"] + x, box["y"] + y)
        popup = page.locator(".maplibregl-popup .stack-popup")
        popup.wait_for(timeout=10_000)
        assert popup.get_attribute("data-total") == str(stack)
        assert popup.locator(".stack-title").inner_text() == f"{stack} sites à cet endroit"
        links = popup.locator("ul a")
        assert links.count() == PAGE
        assert popup.locator("ul .approximate").count() == PAGE  # ROR places them at their city
        assert popup.locator("ul .approximate").first.inner_text() == "position approximative (commune)"
        assert popup.locator(".stack-range").inner_text() == f"1–{PAGE} sur {stack}"
        assert popup.locator("[data-stack-prev]").is_disabled()
        page.screenshot(path=str(SCREENSHOTS / "map-stack.png"))

        first_page = links.all_inner_texts()
        hrefs = set(popup.locator("ul a").evaluate_all("(as) => as.map((a) => a.getAttribute('href'))"))
        popup.locator("[data-stack-next]").click()
        page.wait_for_function(
            "() => document.querySelector('.stack-range').textContent.startsWith('51–')", timeout=10_000
        )
        assert links.count() == PAGE and links.all_inner_texts() != first_page

        # to the last page: every actor of the stack can be reached
        hrefs |= set(popup.locator("ul a").evaluate_all("(as) => as.map((a) => a.getAttribute('href'))"))
        while not popup.locator("[data-stack-next]").is_disabled():
            before = popup.locator(".stack-range").inner_text()
            popup.locator("[data-stack-next]").click()
            page.wait_for_function(
                f"() => document.querySelector('.stack-range').textContent !== {json.dumps(before)}", timeout=10_000
            )
            hrefs |= set(popup.locator("ul a").evaluate_all("(as) => as.map((a) => a.getAttribute('href'))"))
        assert popup.locator(".stack-range").inner_text().endswith(f"–{stack} sur {stack}")
        assert len(hrefs) == stack  # one link per actor, each reached once
    page.close()
    assert not problems, "\n".join(problems)
