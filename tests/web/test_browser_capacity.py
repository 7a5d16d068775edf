"""The offer directory in a real browser: the demo's synthetic providers, the directory filtered
through its form ("AAV, upstream, ≥ 200 L, GMP clinical, Île-de-France"), the provider's offer
page with its demo label, no console error (CSP: no inline script or style).
Screenshots: artifacts/screenshots/capacity-directory.png, capacity-offer.png."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from bioatlas.capacity import demo
from tests.web.live import serve
from tests.web.test_browser import SCREENSHOTS, browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_filtered_directory_and_offer_page(settings, db, taxonomies, browser):  # noqa: F811
    assert demo.run(db, taxonomies=taxonomies)["synthetic_providers"] == 4
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page.on("console", lambda m: problems.append(f"console.error: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    with serve(settings) as base:
        page.goto(f"{base}/capacity?lang=fr")
        assert page.locator("[data-total]").get_attribute("data-total") == "4"
        page.select_option("select[name=modality]", "aav")
        page.select_option("select[name=step]", "upstream")
        page.fill("input[name=min_litres]", "200")
        page.select_option("select[name=gmp]", "gmp_clinical")
        page.select_option("select[name=region]", "11")
        page.click("form.capacity-filters button[type=submit]")
        page.wait_for_load_state()
        params = parse_qs(urlparse(page.url).query)
        assert params["modality"] == ["aav"] and params["step"] == ["upstream"] and params["min_litres"] == ["200"]
        assert params["gmp"] == ["gmp_clinical"] and params["region"] == ["11"]
        assert page.locator("[data-total]").get_attribute("data-total") == "1"
        cards = page.locator("article.capacity-card h2")
        assert cards.all_inner_texts() == ["Plateforme démo A (synthétique)"]
        assert page.locator("tr.matched").count() == 1  # the upstream line, not the downstream one
        assert page.locator("[data-reasons]").inner_text() == (
            "Vecteurs AAV ✓ · Procédés amont (USP) ✓ · 50–500 L ✓ · BPF (lots cliniques) ✓")
        page.screenshot(path=str(SCREENSHOTS / "capacity-directory.png"), full_page=True)
        page.click("article.capacity-card h2 a")
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == "Plateforme démo A (synthétique)"
        assert page.locator("[data-demo]").inner_text().startswith("non vérifié — profil de démonstration synthétique")
        assert "50–500 L" in page.locator("table.capacity-lines").inner_text()
        page.screenshot(path=str(SCREENSHOTS / "capacity-offer.png"), full_page=True)
    assert problems == []
    assert (SCREENSHOTS / "capacity-directory.png").stat().st_size > 10_000
