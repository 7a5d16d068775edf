"""Claim → edit → moderation in a real browser (Debian's chromium through Playwright) against a
live server whose e-mails go to a local SMTP server: a person signs up, follows the e-mailed
link, claims their organisation (verified by the e-mail domain), edits it, proposes a correction
elsewhere, and an editor of the region accepts it. Screenshots: artifacts/screenshots/contrib-*.png."""

from __future__ import annotations

import re

import pytest

from tests.accounts.fixtures import PASSWORD, make_user, mail_settings, smtp  # noqa: F401  (fixtures)
from tests.contributions.helpers import add_actor
from tests.web.live import free_port, serve
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, ui_language

pytestmark = pytest.mark.browser


@pytest.fixture
def live(mail_settings, db):
    port = free_port()
    settings = mail_settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}"})
    with serve(settings, port) as url:
        yield url


def test_claim_edit_and_moderation(live, smtp, db):
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: run `make system-deps` or set BIOATLAS_CHROMIUM")
    genethon = add_actor(db, "Genethon", "91000", kind="research_unit", website="https://www.genethon.fr")
    yposkesi = add_actor(db, "Yposkesi", "91000", kind="cdmo", website="https://www.yposkesi.com")
    make_user(db, "editrice@example.org", roles=[("editor", "region", "11")], name="Éditrice Île-de-France")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, env=ui_language())
        page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: problems.append(str(exc)))

        # sign up, follow the e-mailed link, log in
        page.goto(f"{live}/account/signup")
        page.fill('input[name="email"]', "c.martin@genethon.fr")
        page.fill('input[name="display_name"]', "Camille Martin")
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"]')
        page.wait_for_selector(".form-ok")
        link = re.search(r"(http://\S+/account/verify\?token=\S+)", smtp.last_to("c.martin@genethon.fr").get_content())
        page.goto(link.group(1))
        page.wait_for_selector(".form-ok")
        page.goto(f"{live}/account/login?next=/actors/{genethon}")
        page.fill('input[name="email"]', "c.martin@genethon.fr")
        page.fill('input[name="password"]', PASSWORD)
        page.click('form[action="/account/login"] button[type="submit"]')
        page.wait_for_url(re.compile(rf"/actors/{genethon}$"))
        assert page.locator(".account-menu .account-name").inner_text() == "Camille Martin"

        # claim: the e-mail domain is the actor's website domain, so the claim is verified at once
        page.click('button[data-action="claim"]')
        page.wait_for_selector(".form-ok")
        assert "vérifiée" in page.locator(".form-ok").inner_text()
        page.screenshot(path=str(SCREENSHOTS / "contrib-claim.png"), full_page=True)

        # edit as a member
        page.goto(f"{live}/actors/{genethon}")
        page.click('a[data-action="edit"]')
        page.fill('textarea[name="description_fr"]', "Laboratoire de recherche en thérapie génique, créé par l'AFM-Téléthon.")
        page.check('input[name="modalities"][value="aav"]')
        page.screenshot(path=str(SCREENSHOTS / "contrib-edit-form.png"), full_page=True)
        page.click('form[data-contribution-form="edit"] button[type="submit"]')
        page.wait_for_url(re.compile(rf"/actors/{genethon}$"))
        assert "AFM-Téléthon" in page.locator(".description").inner_text()
        assert "Camille Martin" in page.locator("section.history").inner_text()
        page.screenshot(path=str(SCREENSHOTS / "contrib-edited.png"), full_page=True)

        # a site's correction form: the country from a select, "remove this site" unlike the submit button
        page.click('a[data-action="site-edit"]')
        assert page.locator('select[name="country"] option:checked').inner_text() == "France"
        form = 'form[data-contribution-form="site"]'
        style = "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]"
        submit = page.locator(f'{form} button[type="submit"]:not([value])').evaluate(style)
        remove = page.locator(f'{form} button[data-action="site-remove"]').evaluate(style)
        assert remove != submit and remove[0] == "rgb(255, 255, 255)" and remove[1] == "rgb(155, 28, 28)", (submit, remove)
        page.screenshot(path=str(SCREENSHOTS / "contrib-site-form.png"), full_page=True)

        # a correction proposed on another actor waits for review
        page.goto(f"{live}/actors/{yposkesi}")
        assert page.locator('a[data-action="edit"]').count() == 0
        page.click('a[data-action="propose"]')
        page.fill('textarea[name="description_fr"]', "CDMO de vecteurs viraux (AAV, lentivirus) à Évry.")
        page.click('form[data-contribution-form="propose"] button[type="submit"]')
        page.wait_for_selector(".form-ok")
        page.click(".account-menu summary")  # the account drop-down, then log out
        page.click(".account-menu button")
        page.wait_for_url(f"{live}/")

        # the region's editor reviews the queue and accepts
        page.goto(f"{live}/account/login?next=/moderation")
        page.fill('input[name="email"]', "editrice@example.org")
        page.fill('input[name="password"]', PASSWORD)
        page.click('form[action="/account/login"] button[type="submit"]')
        page.wait_for_url(re.compile(r"/moderation$"))
        assert page.locator("[data-pending]").inner_text() == "1"
        assert "Camille Martin" in page.locator("article.contribution").inner_text()
        page.screenshot(path=str(SCREENSHOTS / "contrib-moderation.png"), full_page=True)
        page.click('article.contribution form.decision button[value="accept"]')
        page.wait_for_url(re.compile(r"/moderation$"))
        assert page.locator("[data-pending]").inner_text() == "0"
        page.goto(f"{live}/actors/{yposkesi}")
        assert "vecteurs viraux" in page.locator(".description").inner_text()
        assert page.locator("[data-revert]").count() >= 1  # editors may revert
        page.screenshot(path=str(SCREENSHOTS / "contrib-accepted.png"), full_page=True)
        browser.close()
    assert not problems, problems
