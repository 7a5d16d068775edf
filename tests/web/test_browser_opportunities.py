"""Partner search in a real browser against a live server, on the demo's synthetic records: the
marketplace; the start-up's request and its matches (the synthetic CDMO first, with its reasons);
the start-up's member expresses interest in the CDMO's offer, the CDMO's member accepts and lands
in the conversation thread. No console error (CSP). Screenshots: artifacts/screenshots/
opportunities-marketplace.png, opportunities-matches.png, opportunities-thread.png."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from bioatlas.atlas.service import find_actor_by_name
from bioatlas.capacity import demo as capacity_demo
from bioatlas.opportunities import demo
from bioatlas.opportunities.models import Opportunity
from tests.accounts.fixtures import PASSWORD, make_user
from tests.web.live import free_port, serve
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, ui_language

pytestmark = pytest.mark.browser


def _login(page, live: str, email: str) -> None:
    page.goto(f"{live}/account/login?next=/opportunities")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('form[action="/account/login"] button[type="submit"]')
    page.wait_for_url(re.compile(r"/opportunities$"))


def test_marketplace_matches_interest_and_thread(settings, db, taxonomies):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: run `make system-deps` or set BIOATLAS_CHROMIUM")
    capacity_demo.run(db, taxonomies=taxonomies)
    assert demo.run(db, taxonomies=taxonomies)["opportunities_added"] == 2
    with db() as s:
        cdmo, startup = (find_actor_by_name(s, name=n).id for n in (demo.CDMO, demo.STARTUP))
        offer = s.scalar(select(Opportunity.id).where(Opportunity.actor_id == cdmo))
        request = s.scalar(select(Opportunity.id).where(Opportunity.actor_id == startup))
    make_user(db, "cdmo@example.org", name="Participant démo 21", roles=[("member", "actor", cdmo)])
    make_user(db, "startup@example.org", name="Participant démo 22", roles=[("member", "actor", startup)])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    port = free_port()
    with serve(settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}"}), port) as live, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, env=ui_language())
        pages = []
        for _ in range(2):
            page = browser.new_context(locale="fr-FR", viewport={"width": 1200, "height": 900}).new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            pages.append(page)
        founder, cdmo_page = pages
        founder.goto(f"{live}/opportunities?lang=fr")
        assert founder.locator("[data-total]").get_attribute("data-total") == "2"
        founder.screenshot(path=str(SCREENSHOTS / "opportunities-marketplace.png"), full_page=True)
        founder.goto(f"{live}/opportunities/{request}/matches")
        first = founder.locator("li.match").first
        assert first.get_attribute("data-actor") == str(cdmo)
        met = first.locator('li[data-met="true"]').evaluate_all("els => els.map(e => e.dataset.criterion)")
        assert {"scale", "gmp", "window", "modality", "step"} <= set(met)
        founder.screenshot(path=str(SCREENSHOTS / "opportunities-matches.png"), full_page=True)
        _login(founder, live, "startup@example.org")
        founder.goto(f"{live}/opportunities/{offer}")
        founder.fill('textarea[name="what"]', "Deux lots cliniques d'un anticorps (démonstration)")
        founder.fill('textarea[name="why"]', "Essai de phase I au premier semestre (démonstration)")
        founder.click('form[action$="/interest"] button[type="submit"]')
        founder.wait_for_url(re.compile(r"sent=1"))
        _login(cdmo_page, live, "cdmo@example.org")
        cdmo_page.goto(f"{live}/opportunities/{offer}")
        cdmo_page.click('article.interest button[value="accept"]')
        cdmo_page.wait_for_url(re.compile(r"/messages/\d+$"))
        assert "Lots cliniques" in cdmo_page.content()  # the thread names its context
        cdmo_page.screenshot(path=str(SCREENSHOTS / "opportunities-thread.png"), full_page=True)
        browser.close()
    assert problems == []
    assert (SCREENSHOTS / "opportunities-thread.png").stat().st_size > 10_000
