"""The "Layers" panel of the map page in a real browser: the products room's layer of EMA
marketing-authorisation holders (real 29/01/2026 list, real ROR records) is listed with its
source, turned on, drawn (exact and approximate positions apart), filtered, and its popup opened.
Screenshot: artifacts/screenshots/map-layers.png."""

from __future__ import annotations

import gzip
import json

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bioatlas.atlas.geocode import gazetteer
from bioatlas.atlas.records import ActorRecord, SiteRecord, SourceRecord
from bioatlas.atlas.writer import get_or_create_source, upsert_actor
from bioatlas.demo.files import ROR_FILE
from bioatlas.products.service import import_ema
from bioatlas.sources import ror
from bioatlas.sources.ror_load import ror_source
from tests.web.live import serve
from tests.web.test_browser import SCREENSHOTS, _wait_map_idle, browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

THERAVIA, NICOX = "https://ror.org/04megpp16", "https://ror.org/045vxn887"
LIST_2026 = "medicines-output-medicines-report_en-2026-01-29.xlsx"


@pytest.fixture
def holders(db, shared) -> dict[str, int]:
    """Theravia and Nicox from their ROR records (placed at their town), Sanofi Pasteur at its
    street address in Lyon, then the EMA list (holders resolved by name)."""
    wanted = {THERAVIA, NICOX}
    with gzip.open(ROR_FILE, "rt", encoding="utf-8") as fh:
        records = [r for r in map(json.loads, fh) if r["id"] in wanted]
    ids = {}
    place = gazetteer().geocode(postcode="69007")
    with db() as s:
        source = get_or_create_source(s, ror_source())
        for record in records:
            actor = ror.to_actor_record(ror.parse(record))
            ids[record["id"]] = upsert_actor(s, actor, source=source, match_by_name=False, schemes=("ror",)).actor_id
        test_source = get_or_create_source(s, SourceRecord(key="test:holders", title="test", kind="file"))
        site = SiteRecord(address="14 Espace Henry Vallée", postcode="69007", commune_insee=place.insee,
                          commune_name=place.name, departement=place.departement, region=place.region,
                          latitude=45.7289, longitude=4.8327)
        ids["pasteur"] = upsert_actor(s, ActorRecord(name="Sanofi Pasteur", kind="company", sites=[site]),
                                      source=test_source, match_by_name=False).actor_id
        s.commit()
    report = import_ema(db, path=shared / "data" / "ema" / LIST_2026)
    assert report.committed and report.mah["resolved"] >= 3
    return ids


def _drawn(page) -> dict:
    return page.evaluate(
        """() => { const m = window.bioatlasMap;
                   return { exact: m.queryRenderedFeatures({ layers: ['layer-ema-holders-exact'] }).length,
                            approximate: m.queryRenderedFeatures({ layers: ['layer-ema-holders-approximate'] }).length }; }"""
    )


def test_layer_toggle_filter_and_popup(settings, holders, browser):  # noqa: F811
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 800})
    page.on("console", lambda m: problems.append(f"console.error: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`))"
    )
    with serve(settings) as url:
        page.goto(f"{url}/")
        item = page.locator('li[data-layer="ema-holders"]')
        try:
            item.wait_for(timeout=30_000)
        except PlaywrightTimeout:  # say why the panel never came (a script error, a refused asset)
            raise AssertionError("\n".join(problems) or "the layers panel did not appear") from None
        assert page.locator("#layers-title").inner_text() == "Couches"
        assert "Titulaires d'AMM européennes (EMA)" in item.locator(".layer-toggle").inner_text()
        assert item.locator(".layer-source").inner_text().startswith("Source\u202f: EMA")
        assert not item.locator(".layer-filters").is_visible()  # filters show once the layer is on
        _wait_map_idle(page)
        assert _drawn(page) == {"exact": 0, "approximate": 0}

        item.locator('input[name="layer"]').check()
        page.wait_for_function(
            "() => document.querySelector('li[data-layer=\"ema-holders\"]').dataset.features === '3'", timeout=15_000
        )
        _wait_map_idle(page)
        drawn = _drawn(page)
        assert drawn == {"exact": 1, "approximate": 2}, drawn  # Sanofi Pasteur at its address; ROR at their town
        assert item.locator(".layer-filters").is_visible()
        page.screenshot(path=str(SCREENSHOTS / "map-layers.png"))

        assert "layer=ema-holders" in page.url  # the view can be shared with its layer
        page.goto(page.url)
        page.wait_for_function(
            "() => document.querySelector('li[data-layer=\"ema-holders\"]')?.dataset.features === '3'", timeout=30_000
        )
        assert item.locator('input[name="layer"]').is_checked()
        _wait_map_idle(page)

        # the popup of Sanofi Pasteur's site: built from the layer's lines
        x, y = page.evaluate("() => { const p = window.bioatlasMap.project([4.8327, 45.7289]); return [p.x, p.y]; }")
        box = page.locator("#map canvas").bounding_box()
        page.mouse.click(box["x"] + x, box["y"] + y)
        popup = page.locator(".maplibregl-popup .map-popup")
        popup.wait_for(timeout=10_000)
        assert popup.locator("a.title").inner_text() == "Sanofi Pasteur"
        assert popup.locator("a.title").get_attribute("href") == f"/actors/{holders['pasteur']}"
        lines = popup.locator(".lines li").all_inner_texts()
        assert lines[0].startswith("Médicaments\u202f: ") and lines[1].startswith("Biologiques\u202f: ")
        assert popup.locator(".approximate").count() == 0
        page.screenshot(path=str(SCREENSHOTS / "map-layers-popup.png"))

        # "biologics only": the vaccine holder stays
        item.locator('input[name="biologic"][value="true"]').check()
        page.wait_for_function(
            "() => document.querySelector('li[data-layer=\"ema-holders\"]').dataset.features === '1'", timeout=15_000
        )
        # off: nothing of the layer is drawn
        item.locator('input[name="layer"]').uncheck()
        _wait_map_idle(page)
        assert _drawn(page) == {"exact": 0, "approximate": 0}
        assert "layer=" not in page.url
    page.close()
    assert not problems, "\n".join(problems)
