"""The sector scope in a real browser: the map opens on the sector with its count labelled, "all
actors" is one click away, and the actor page says why an actor is in scope. Screenshots:
artifacts/screenshots/scope-map-idf.png, scope-map-idf-all.png, scope-actor.png."""

from __future__ import annotations

import pytest

from bioatlas.atlas import scope
from tests.atlas.test_scope import IN_SCOPE, WORLD, load_world
from tests.web.live import serve
from tests.web.test_browser import SCREENSHOTS, browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_map_opens_on_the_sector_and_switches_to_every_actor(settings, db, taxonomies, browser):  # noqa: F811
    with db.begin() as s:
        ids = load_world(s)
        scope.compute(s, rules=scope.shipped_rules(), taxonomies=taxonomies)
    idf_sector = len(IN_SCOPE) - 1  # all but the Lyon start-up
    idf_all = sum(1 for record, _, _ in WORLD if record.sites[0].region == "11")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with serve(settings) as url:
        page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{url}/?region=11&lang=fr")
        page.wait_for_selector("#map[data-loaded-features]", state="attached", timeout=30_000)
        total = page.locator(".panel .total[data-scope='sector'] [data-total]")
        assert total.inner_text() == str(idf_sector)
        assert "acteurs de la filière (périmètre\u202f: biothérapies et bioproduction)" in page.locator(".panel .total").inner_text()
        page.wait_for_function("() => window.bioatlasMap && window.bioatlasMap.loaded()", timeout=30_000)
        page.screenshot(path=str(SCREENSHOTS / "scope-map-idf.png"))

        page.locator("[data-scope-link='all']").first.click()
        page.wait_for_selector(".panel .total[data-scope='all']", timeout=30_000)
        page.wait_for_selector("#map[data-loaded-features]", state="attached", timeout=30_000)
        assert "scope=all" in page.url and "region=11" in page.url
        assert page.locator(".panel .total [data-total]").inner_text() == str(idf_all)
        page.wait_for_function("() => window.bioatlasMap && window.bioatlasMap.loaded()", timeout=30_000)
        page.screenshot(path=str(SCREENSHOTS / "scope-map-idf-all.png"))

        page.goto(f"{url}/actors/{ids['Unité de thérapie génique']}?lang=fr")
        reasons = page.locator("#scope .scope-reasons li").all_inner_texts()
        assert len(reasons) == 2 and "RNSR" in reasons[0] and "LS9" in reasons[1]
        page.locator("#scope").screenshot(path=str(SCREENSHOTS / "scope-actor.png"))
        assert errors == []
