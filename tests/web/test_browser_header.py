"""The top bar and the form controls in a real browser (Debian's chromium through Playwright, live
server of tests/web/test_browser.py), signed in as an administrator (the longest top bar: every
room's link, the reviewing pages, messages, bell) at 1,400 px wide, in English and in French:
the top bar is one line (every item on the same row, nothing overflowing), the rooms' pages and
the account's pages open from their drop-downs, password and number inputs look like the other
inputs. Screenshots: artifacts/screenshots/header-1400-en.png, header-1400-fr.png,
observatory-en.png (the English observatory), account-en.png (the account page)."""

from __future__ import annotations

import pytest

from bioatlas.accounts import service as accounts
from bioatlas.accounts.models import User
from bioatlas.observatory.reference import load_reference
from tests.calls.helpers import make_user
from tests.web.test_browser import SCREENSHOTS, actors, browser, live_server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser
ONE_LINE = """() => {
  const bar = document.querySelector('header.topbar');
  const items = [...bar.children].filter(e => e.getBoundingClientRect().width > 0);
  const rows = new Set(items.map(e => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2)));
  return {height: bar.getBoundingClientRect().height, rows: [...rows], overflow: bar.scrollWidth - bar.clientWidth,
          items: items.length};
}"""
LOOK = """sel => { const s = getComputedStyle(document.querySelector(sel));
  return [s.borderTopWidth, s.borderTopColor, s.borderTopLeftRadius, s.paddingLeft, s.fontSize, s.backgroundColor]; }"""


@pytest.fixture
def admin_cookie(db):
    make_user(db, "admin@example.org", admin=True, name="Dominique Administratrice")
    with db() as s:
        load_reference(s)
        user = s.query(User).filter_by(email="admin@example.org").one()
        raw, _row = accounts.create_session(s, user=user, days=1)
        s.commit()
    return raw


def test_top_bar_is_one_line_at_1400_px_and_inputs_are_styled(live_server, browser, actors, admin_cookie):  # noqa: F811
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="fr-FR", viewport={"width": 1400, "height": 900})
    context.add_cookies([{"name": "bioatlas_session", "value": admin_cookie, "url": live_server}])
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    for lang in ("en", "fr"):
        page.goto(f"{live_server}/actors?lang={lang}")
        assert page.locator(".account-menu .account-name").inner_text() == "Dominique Administratrice"
        bar = page.evaluate(ONE_LINE)
        assert bar["items"] >= 5 and len(bar["rows"]) == 1, (lang, bar)
        assert bar["overflow"] <= 0, (lang, bar)
        assert bar["height"] <= 60, (lang, bar)  # one line of links (3.25 rem), not two
        page.screenshot(path=str(SCREENSHOTS / f"header-1400-{lang}.png"), clip={"x": 0, "y": 0, "width": 1400, "height": 260})

    # narrower than the one-line bar (1,000 px): its items wrap onto a second row, nothing overflows
    # the window (the language link stays on screen)
    page.set_viewport_size({"width": 1000, "height": 900})
    page.goto(f"{live_server}/actors?lang=fr")
    bar = page.evaluate(ONE_LINE)
    assert bar["overflow"] <= 0 and len(bar["rows"]) >= 2, bar
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1000
    box = page.locator(".topbar .lang a").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1000, box
    for width in (1000, 1100, 1200):  # the search box's words whole on the wrapped bar too (at 1,100 px it read "Chercher : acteur, compétenc")
        page.set_viewport_size({"width": width, "height": 900})
        room = page.evaluate(PLACEHOLDER_ROOM)
        assert room["room"] >= room["text"] and page.evaluate(ONE_LINE)["overflow"] <= 0, (width, room)
    page.set_viewport_size({"width": 1400, "height": 900})

    # the drop-downs open on a click and hold the rooms' and the account's pages
    page.goto(f"{live_server}/actors?lang=en")
    assert not page.locator(".nav-more .menu-panel").is_visible()
    page.click(".nav-more summary")
    panel = page.locator(".nav-more .menu-panel")
    assert panel.is_visible()
    for name in ("Capacity offer", "Calls", "Job offers", "One-stop shop", "Partner search", "Data sources"):
        assert panel.get_by_text(name, exact=True).is_visible(), name
    page.click(".account-more summary")
    account = page.locator(".account-more .menu-panel")
    for name in ("My account", "Moderation", "Audit log", "Log out"):
        assert account.get_by_text(name, exact=True).is_visible(), name
    page.screenshot(path=str(SCREENSHOTS / "header-1400-menus-en.png"), clip={"x": 0, "y": 0, "width": 1400, "height": 420})

    # password and number inputs look like the text inputs
    visitor = browser.new_page(locale="fr-FR", viewport={"width": 1400, "height": 900})
    visitor.goto(f"{live_server}/account/login?lang=en")
    assert visitor.evaluate(LOOK, "main input[type=password]") == visitor.evaluate(LOOK, "main input[type=email]")
    visitor.close()
    actor = next(iter(actors.values()))
    page.goto(f"{live_server}/actors/{actor}/propose?lang=en")
    assert page.evaluate(LOOK, "input[type=number]") == page.evaluate(LOOK, "input[type=url]")

    # the account page: the language select as wide as its words, the time zone's and the button beside it; deleting
    # the account is the outlined red button, not the primary one
    page.goto(f"{live_server}/account?lang=en")
    select = page.locator("form.account-language select[name=language]").bounding_box()
    zone = page.locator("form.account-language select[name=time_zone]").bounding_box()
    save = page.locator("form.account-language button").bounding_box()
    assert select is not None and zone is not None and save is not None and select["width"] < 300, select
    for box in (select, zone):  # the language, the time zone and the button on one row
        assert abs((save["y"] + save["height"]) - (box["y"] + box["height"])) < 6, (box, save)
    delete = page.locator("form.danger button[type=submit]")
    assert delete.evaluate("e => getComputedStyle(e).color") == "rgb(155, 28, 28)"  # --danger
    page.screenshot(path=str(SCREENSHOTS / "account-en.png"), full_page=True)

    # the English observatory
    page.goto(f"{live_server}/observatory?lang=en")
    page.wait_for_selector("html[data-charts-done]", state="attached", timeout=60_000)
    assert "pas encore" not in page.inner_text("main") and "1 values" not in page.inner_text("main")
    page.screenshot(path=str(SCREENSHOTS / "observatory-en.png"), full_page=True)
    context.close()
    assert not problems, problems


# the search box's placeholder against the room its input leaves it: the text's width in the input's font
# (a canvas measure) and the input's content box
PLACEHOLDER_ROOM = """() => { const input = document.querySelector('.topbar .search-box input[type=search]');
  const s = getComputedStyle(input); const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
  return {text: Math.ceil(ctx.measureText(input.placeholder).width),
          room: Math.floor(input.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight)),
          placeholder: input.placeholder}; }"""


def test_search_box_reads_whole_at_1280_px_signed_in(live_server, browser, actors, admin_cookie):  # noqa: F811
    """A laptop's 1,280 px, signed in as an administrator (the longest bar: messages, bell, the name): the
    search box's placeholder read "Chercher" cut at the box's edge in French (the bar's items took its room).
    Now it is whole in both languages, the bar overflows nothing and the page does not scroll sideways.
    Screenshots: artifacts/screenshots/header-1280-fr.png, header-1280-en.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
    context.add_cookies([{"name": "bioatlas_session", "value": admin_cookie, "url": live_server}])
    page = context.new_page()
    for lang in ("fr", "en"):
        page.goto(f"{live_server}/actors?lang={lang}")
        page.screenshot(path=str(SCREENSHOTS / f"header-1280-{lang}.png"), clip={"x": 0, "y": 0, "width": 1280, "height": 160})
        room = page.evaluate(PLACEHOLDER_ROOM)
        assert room["room"] >= room["text"], (lang, room)
        bar = page.evaluate(ONE_LINE)
        assert bar["overflow"] <= 0, (lang, bar)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
        assert page.locator(".account-menu .account-name").is_visible()
    context.close()
