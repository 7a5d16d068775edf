"""The map page in a real browser: Debian's chromium driven by Playwright against a live server.

The actors are real organisations at their real place (seed press articles, ROR records).
Screenshots go to artifacts/screenshots/ at the repository root.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from bioatlas.atlas.geocode import gazetteer
from bioatlas.atlas.records import ActorRecord, SiteRecord, SourceRecord
from bioatlas.atlas.writer import get_or_create_source, upsert_actor
from tests.web.live import serve

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
VENDOR = ROOT / "src" / "bioatlas" / "web" / "static" / "vendor" / "maplibre-gl" / "maplibre-gl.js"
CHROMIUM = os.environ.get("BIOATLAS_CHROMIUM", "/usr/bin/chromium")
# Headless chromium renders WebGL through ANGLE on SwiftShader (software), no GPU needed.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-gl=angle",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]


def ui_language(lang: str = "fr") -> dict[str, str]:
    """The environment of a chromium whose own language is `lang` ("fr" or "en"): it draws the date and
    time fields in it ("jj/mm/aaaa" and a 24-hour clock in French), whatever the context's `locale` (which
    sets navigator.language and Accept-Language only: with `locale="fr-FR"` the French screenshots showed
    "mm/dd/yyyy" and AM/PM). Needs Debian's chromium-l10n (scripts/install-system-deps.sh)."""
    return {**os.environ, "LANGUAGE": lang}

IDF_ASSISES = SourceRecord(
    key="article:assises-bioproduction-idf-2021",
    title="1res Assises régionales des biothérapies et de la bioproduction, Région Île-de-France (mai 2021)",
    kind="article",
)
BFC_ASSISES = SourceRecord(
    key="article:assises-biotherapies-bfc-2024",
    title="Assises des Biothérapies et de la Bioproduction, Conseil régional de Bourgogne-Franche-Comté, Dijon",
    kind="article",
    published=date(2024, 3, 14),
)
ROR = SourceRecord(
    key="ror", title="Research Organization Registry", kind="open_data", url="https://ror.org", licence="CC0-1.0"
)

# (name, kind, source, how to place it): postcode from the article, or the ROR record's coordinates
ACTORS = [
    ("Région Île-de-France", "public_agency", IDF_ASSISES, {"postcode": "93400"}),
    ("Région Bourgogne-Franche-Comté", "public_agency", BFC_ASSISES, {"postcode": "21000"}),
    ("Genopole", "cluster", ROR, {"ror": "https://ror.org/0380k9k47", "lat": 48.63389, "lon": 2.44417}),
    ("I-STEM", "research_unit", ROR, {"ror": "https://ror.org/04g9rt435", "lat": 48.63389, "lon": 2.44417}),
    ("bioMérieux", "company", ROR, {"ror": "https://ror.org/03hf69k85", "lat": 45.74906, "lon": 4.84789}),
    ("Servier", "company", ROR, {"ror": "https://ror.org/034e7c066", "lat": 48.8846, "lon": 2.26965}),
    ("Sanofi", "company", ROR, {"ror": "https://ror.org/02n6c9837", "lat": 48.85341, "lon": 2.3488}),
]
PUBLIC_AGENCIES = {name for name, kind, _, _ in ACTORS if kind == "public_agency"}


def _record(name: str, kind: str, where: dict) -> ActorRecord:
    geo = gazetteer()
    if "postcode" in where:
        place = geo.geocode(postcode=where["postcode"])
        lat, lon = place.latitude, place.longitude
    else:
        lat, lon = where["lat"], where["lon"]
        place = geo.nearest(lat, lon)
    site = SiteRecord(
        role="hq",
        postcode=where.get("postcode"),
        commune_insee=place.insee,
        commune_name=place.name,
        departement=place.departement,
        region=place.region,
        latitude=lat,
        longitude=lon,
    )
    identifiers = {"ror": [where["ror"]]} if "ror" in where else {}
    return ActorRecord(name=name, kind=kind, sites=[site], identifiers=identifiers)


@pytest.fixture
def actors(db) -> dict[str, int]:
    ids: dict[str, int] = {}
    with db() as session:
        for name, kind, source, where in ACTORS:
            src = get_or_create_source(session, source)
            ids[name] = upsert_actor(session, _record(name, kind, where), source=src).actor_id
        session.commit()
    return ids


@pytest.fixture
def live_server(settings, actors):
    with serve(settings) as url:
        yield url


@contextmanager
def chromium(lang: str = "fr"):
    """Debian's chromium in `lang` (`ui_language`), headless."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"chromium not found at {CHROMIUM}: run the system-deps install (`make system-deps`, which installs "
            "Debian's `chromium`) or point BIOATLAS_CHROMIUM at a chromium binary"
        )
    if not VENDOR.exists():
        pytest.fail(f"{VENDOR} is missing: run `make assets` (npm ci && npm run build) first")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, env=ui_language(lang))
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def browser():
    """A French chromium (the pages' default language)."""
    with chromium("fr") as b:
        yield b


def _wait_map_idle(page) -> None:
    page.wait_for_function(
        "() => window.bioatlasMap && window.bioatlasMap.loaded() && window.bioatlasMap.areTilesLoaded()"
        " && !window.bioatlasMap.isMoving()",
        timeout=30_000,
    )


def _list_names(page) -> list[str]:
    return page.locator("#results li a.name").all_inner_texts()


def test_map_filters_list_and_actor_page(live_server, browser, actors):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 800})
    problems: list[str] = []

    def on_console(message) -> None:
        # CSP violations and failed requests (a missing favicon included) are errors
        if message.type == "error":
            problems.append(f"console.error: {message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.add_init_script(  # report every CSP violation, even one the browser would not log
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`))"
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))

    page.goto(f"{live_server}/")
    page.wait_for_selector("#map[data-loaded-features]", state="attached", timeout=30_000)
    assert page.evaluate("() => !!document.createElement('canvas').getContext('webgl2')"), "no WebGL in this chromium"
    all_count = int(page.get_attribute("#map", "data-loaded-features"))
    assert all_count == len(ACTORS)  # one located site each
    _wait_map_idle(page)
    # the boundaries and the clustered points are drawn by the map
    rendered = page.evaluate(
        """() => { const m = window.bioatlasMap;
                   return { regions: m.querySourceFeatures('regions').length,
                            departements: m.querySourceFeatures('departements').length,
                            drawn: m.queryRenderedFeatures({ layers: ['clusters', 'points'] }).length,
                            canvas: m.getCanvas().width }; }"""
    )
    assert rendered["regions"] > 0 and rendered["departements"] > 0, rendered
    assert rendered["drawn"] > 0 and rendered["canvas"] > 0, rendered
    in_view = int(page.get_attribute("#map", "data-in-view"))
    names = _list_names(page)
    view = page.evaluate("() => [window.bioatlasMap.getBounds().toArray(), window.bioatlasMap.getZoom()]")
    assert in_view == len(ACTORS) == len(names), (names, view)
    assert names == sorted((a[0] for a in ACTORS), key=str.casefold)
    assert page.locator("[data-in-view-count]").inner_text() == str(len(ACTORS))
    page.screenshot(path=str(SCREENSHOTS / "map.png"))

    # filter on a kind: the URL, the points, the counts and the list follow
    page.locator('input[name="kind"][value="public_agency"]').check()
    page.wait_for_function(
        f"() => document.querySelector('#map').dataset.loadedFeatures !== '{all_count}'", timeout=15_000
    )
    assert int(page.get_attribute("#map", "data-loaded-features")) == len(PUBLIC_AGENCIES)
    assert "kind=public_agency" in page.url
    page.wait_for_function(
        f"() => document.querySelectorAll('#results li a.name').length === {len(PUBLIC_AGENCIES)}", timeout=10_000
    )
    assert set(_list_names(page)) == PUBLIC_AGENCIES
    assert page.get_attribute("#map", "data-in-view") == str(len(PUBLIC_AGENCIES))
    assert page.locator(".panel .total [data-total]").inner_text() == str(len(PUBLIC_AGENCIES))
    export = page.locator('[data-export] a[data-format="csv"]').get_attribute("href")
    assert re.search(r"kind=public_agency", export) and "format=csv" in export
    _wait_map_idle(page)
    page.screenshot(path=str(SCREENSHOTS / "map-filtered.png"))

    # the shared URL gives the same view without any click
    page.goto(page.url)
    page.wait_for_selector("#map[data-loaded-features]", state="attached", timeout=30_000)
    assert page.get_attribute("#map", "data-loaded-features") == str(len(PUBLIC_AGENCIES))
    assert page.locator('input[name="kind"][value="public_agency"]').is_checked()

    # open an actor from the list
    target = sorted(PUBLIC_AGENCIES)[0]
    page.locator("#results li a.name", has_text=target).click()
    page.wait_for_url(re.compile(rf"/actors/{actors[target]}$"))
    assert target in page.locator("h1").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "actor.png"), full_page=True)

    page.close()
    assert not problems, "\n".join(problems)
