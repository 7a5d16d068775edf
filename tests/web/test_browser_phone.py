"""The top bar on a phone (chromium at 390 × 844, signed in as an administrator: the longest bar,
in French): one compact row (brand, "Menu", the search box, the bell) ~47 px high instead
of the five wrapped rows (~242 px) it took, the search box ≥ 200 px wide (it was ~98 px: the brand
now takes two short lines and "Menu" is its icon alone, the word staying its accessible name); "Menu" (a
checkbox's label, no script) unfolds the links, the account and the language, and a link opens its
page; nothing of the bar is wider than the screen.
Screenshots: artifacts/screenshots/header-390-fr.png (folded), header-390-menu-fr.png (unfolded)."""

from __future__ import annotations

import pytest

from tests.web.test_browser import SCREENSHOTS, actors, browser, live_server  # noqa: F401 (fixtures)
from tests.web.test_browser_header import admin_cookie  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser
# the right edge of the bar's farthest visible item (the bar itself never scrolls sideways)
WITHIN = """() => { const bar = document.querySelector('header.topbar');
  if (bar.scrollWidth > bar.clientWidth) return bar.scrollWidth;
  return Math.max(...[...bar.querySelectorAll('*')].filter(e => e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().width > 1)
    .map(e => e.getBoundingClientRect().right)); }"""


def test_the_top_bar_is_compact_on_a_phone_and_its_menu_reachable(live_server, browser, admin_cookie):  # noqa: F811
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.add_cookies([{"name": "bioatlas_session", "value": admin_cookie, "url": live_server}])
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(f"{live_server}/observatory?lang=fr")
    height = page.evaluate("() => document.querySelector('header.topbar').getBoundingClientRect().height")
    assert height <= 56, height  # one row (~47 px)
    box = page.locator(".topbar .search-box input[type=search]")
    assert box.is_visible()
    width = box.evaluate("e => e.getBoundingClientRect().width")
    assert width >= 200, width  # was ~98 px: the brand on two short lines, "Menu" its icon alone
    assert page.locator("label.topbar-menu-button").get_attribute("title") == "Menu"
    assert page.locator(".topbar .bell").is_visible()
    assert not page.locator("#topbar-nav").is_visible() and not page.locator(".topbar .account-menu").is_visible()
    assert page.evaluate(WITHIN) <= 390
    page.screenshot(path=str(SCREENSHOTS / "header-390-fr.png"), clip={"x": 0, "y": 0, "width": 390, "height": 300})

    page.click("label.topbar-menu-button")
    nav = page.locator("#topbar-nav")
    assert nav.is_visible() and page.locator(".topbar .account-menu .account-name").is_visible()
    assert page.locator(".topbar .lang a").is_visible()
    assert page.evaluate(WITHIN) <= 390
    page.screenshot(path=str(SCREENSHOTS / "header-390-menu-fr.png"), clip={"x": 0, "y": 0, "width": 390, "height": 400})
    nav.get_by_text("Annuaire", exact=True).click()
    page.wait_for_url(f"{live_server}/actors*")
    assert page.locator("h1").first.is_visible()
    # the keyboard reaches it too: the checkbox behind "Menu" takes the focus and a space unfolds it
    page.keyboard.press("Tab")
    page.focus("#topbar-toggle")
    page.keyboard.press("Space")
    assert page.locator("#topbar-nav").is_visible()
    context.close()
    assert not problems, problems
