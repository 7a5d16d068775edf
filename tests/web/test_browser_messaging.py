"""A conversation in a real browser (Debian's chromium through Playwright) against a live server:
one participant writes to another (a message request), the other accepts from the inbox and
replies, the first reads the reply; HTML typed in a message is shown as text. Screenshot:
artifacts/screenshots/messaging-thread.png."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.accounts.fixtures import PASSWORD, make_user
from tests.web.live import free_port, serve
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, ui_language

pytestmark = pytest.mark.browser


@pytest.fixture
def live(settings, db):
    port = free_port()
    with serve(settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}"}), port) as url:
        yield url


def _login(page, live: str, email: str) -> None:
    page.goto(f"{live}/account/login?next=/messages")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('form[action="/account/login"] button[type="submit"]')
    page.wait_for_url(re.compile(r"/messages$"))


def test_a_conversation_in_the_browser(live, db):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: run `make system-deps` or set BIOATLAS_CHROMIUM")
    make_user(db, "camille@example.org", name="Participant démo 17")
    dominique = make_user(db, "dominique@example.org", name="Participant démo 42")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, env=ui_language())
        pages = []
        for _ in range(2):
            page = browser.new_context(locale="fr-FR", viewport={"width": 1100, "height": 900}).new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            pages.append(page)
        camille, dominique_page = pages

        _login(camille, live, "camille@example.org")
        camille.goto(f"{live}/messages/new?to={dominique}")
        camille.fill('textarea[name="body"]', "Bonjour, nous cherchons un lot GMP AAV de 200 L pour le T3.\n"
                                              "Seriez-vous disponible au congrès pour en parler ? <b>merci</b>")
        camille.click('form.message-form button[type="submit"]')
        camille.wait_for_selector(".thread-pending")

        _login(dominique_page, live, "dominique@example.org")
        assert dominique_page.locator(".messages-link .messages-count").inner_text() == "1"
        # the unread count sits beside "Messages", not wrapped onto a line below it (a taller top bar);
        # from 1,201 px the whole bar is one row
        dominique_page.set_viewport_size({"width": 1280, "height": 900})
        link, count = (dominique_page.locator(sel).bounding_box() for sel in (".messages-link", ".messages-link .messages-count"))
        assert link and count and abs((link["y"] + link["height"] / 2) - (count["y"] + count["height"] / 2)) < 4, (link, count)
        assert dominique_page.locator("header.topbar").bounding_box()["height"] <= 60
        dominique_page.click(".thread-list.requests a")
        dominique_page.wait_for_selector(".message-request")
        assert "<b>merci</b>" in dominique_page.locator(".message-body").first.inner_text()  # text, not HTML
        dominique_page.click('button[name="decision"][value="accept"]')
        dominique_page.fill('textarea[name="body"]', "Bonjour ! Oui, retrouvons-nous au stand 12 mardi à 10 h 40.")
        dominique_page.click('form.message-form button[type="submit"]')
        dominique_page.wait_for_selector(".message.mine >> text=stand 12")

        camille.reload()
        camille.wait_for_selector(".message:not(.mine) >> text=stand 12")
        assert camille.locator(".message").count() == 2
        camille.screenshot(path=str(SCREENSHOTS / "messaging-thread.png"), full_page=True)
        browser.close()
    assert problems == [], problems
