"""The job board in a real browser: the jobs page with its facets (the employer's modality from
the atlas among them), an offer page (its JobPosting
JSON-LD read from the DOM), the employer's actor page with its open positions, and the offers on
the map. Screenshots: artifacts/screenshots/jobboard-list.png, jobboard-offer.png,
jobboard-employer.png, jobboard-map.png."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bioatlas.atlas import service as atlas
from bioatlas.atlas.models import Capability, Source
from tests.contributions.helpers import add_actor
from tests.jobboard.helpers import add_rome, make_offer
from tests.web.live import serve
from tests.web.test_browser import SCREENSHOTS, browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_jobs_page_offer_employer_and_map(settings, db, browser):  # noqa: F811
    add_rome(db)
    ypo = add_actor(db, "Yposkesi", "91000")
    bio = add_actor(db, "bioMérieux", "69007")
    with db() as s:  # Yposkesi's capabilities in the atlas: AAV vectors (stated), upstream (inferred)
        stated = s.scalar(select(Source))
        s.add(Capability(actor_id=ypo, facet="modalities", code="aav", source_id=stated.id))
        s.add(Capability(actor_id=ypo, facet="value_chain", code="upstream", source_id=atlas.inference_source(s).id))
        s.commit()
    first = make_offer(db, actor_id=ypo)
    make_offer(db, actor_id=ypo, title="Technicien de laboratoire de contrôle qualité", rome_code="H1510",
               appellation_code="38053", contract="cdd", salary_min="", salary_max="")
    make_offer(db, actor_id=bio, title="Alternant production biotechnologie", contract="apprenticeship")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with serve(settings) as url:
        page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{url}/jobboard?lang=fr")
        assert page.locator("[data-total]").get_attribute("data-total") == "3"
        assert page.locator(".jobboard-offers li[data-offer]").count() == 3
        page.screenshot(path=str(SCREENSHOTS / "jobboard-list.png"), full_page=True)
        page.locator(".jobboard-facets a", has_text="CDD").click()
        page.wait_for_url("**contract=cdd**")
        assert page.locator(".jobboard-offers li[data-offer]").count() == 1
        page.goto(f"{url}/jobboard?lang=fr")
        page.locator('.jobboard-facets ul[data-facet="modality"] a', has_text="Vecteurs AAV").click()
        page.wait_for_url("**modality=aav**")
        assert page.locator(".jobboard-offers li[data-offer]").count() == 2  # Yposkesi's two offers
        page.goto(f"{url}/jobboard?lang=fr")

        page.goto(f"{url}/jobboard/offers/{first}?lang=fr")
        doc = json.loads(page.locator('script[type="application/ld+json"]').text_content() or "")
        assert doc["@type"] == "JobPosting" and doc["hiringOrganization"]["name"] == "Yposkesi"
        assert "H2302" in page.locator(".jobboard-facts").inner_text()
        page.screenshot(path=str(SCREENSHOTS / "jobboard-offer.png"), full_page=True)

        page.goto(f"{url}/actors/{ypo}?lang=fr")
        assert page.locator("#jobs li a").count() == 2
        page.locator("#jobs").screenshot(path=str(SCREENSHOTS / "jobboard-employer.png"))

        page.goto(f"{url}/?layer=job-offers&lang=fr")
        page.wait_for_function(
            "() => document.querySelector('li[data-layer=\"job-offers\"]')?.dataset.features === '3'", timeout=30_000)
        page.wait_for_function("() => window.bioatlasMap && window.bioatlasMap.loaded()", timeout=30_000)
        page.screenshot(path=str(SCREENSHOTS / "jobboard-map.png"))
        assert errors == []
