"""The main pages on a 390 px phone (chromium at 390 × 844 through Playwright, signed in as an
administrator: the longest top bar), in French and in English (one pass per language): none is
wider than the screen (`document.documentElement.scrollWidth <= 390`, so no sideways scroll). The
observatory was 496 px wide: its chart grid's columns were at least 480 px; a chart now takes the
column's width and scales. A table wider than the screen scrolls inside its own box (atlas.css),
not the page, and its caption stays within the screen (it scrolled with the table and was cut at
the screen's edge, right edge at 409-430 px). The observatory's indicators are blocks (name, unit and method, then the latest values: that column
was cut at the screen's edge, right edge at 428 px); so are a roadmap's actions (their seven columns
scrolled sideways and the status form was cut at the edge): each cell under its column's name. No text is below WCAG AA contrast (a facet value
with no actor was #6f7a86 on the panel's #f5f7f9, 4.1:1). A chart's series are listed under it in HTML, whole
and wrapped (Vega's legend cut a source's title at 160 px: "Succès du Congr…").

Data: the real EMA lists and the observatory's reference data (its cards, tables and charts), the
real actors of the map test, one job offer and one event of the rooms' test helpers.
Screenshots: artifacts/screenshots/observatory-390-fr.png, observatory-390-en.png,
actor-390-fr.png, actor-390-en.png, event-390-fr.png, event-390-en.png, roadmap-390-fr.png,
roadmap-390-en.png."""

from __future__ import annotations

import pytest

from bioatlas.demo.files import EMA_FILES
from bioatlas.observatory.reference import load_reference
from bioatlas.products.service import import_ema
from tests.events.helpers import make_event
from tests.jobboard.helpers import add_rome, make_offer
from tests.web.live import serve
from tests.web.test_browser import SCREENSHOTS, actors, browser  # noqa: F401 (fixtures)
from tests.web.test_browser_header import admin_cookie  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser
# the elements that reach past the right edge of the screen outside a box that scrolls or clips them
# (named in the failure message: what to fix)
PAST_THE_EDGE = """() => { const W = document.documentElement.clientWidth; const out = [];
  for (const e of document.querySelectorAll('main *')) { const r = e.getBoundingClientRect();
    if (r.width === 0 || r.right <= W + 0.5) continue;
    let p = e.parentElement, boxed = false;
    for (; p && !boxed; p = p.parentElement) boxed = ['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX);
    if (!boxed) out.push(`${e.tagName.toLowerCase()}.${e.getAttribute('class') || ''} ${Math.round(r.right)} px`); }
  return out.slice(-8); }"""
# captions whose box reaches past the screen's edges (their text is cut there)
CUT_CAPTIONS = """() => [...document.querySelectorAll('main caption')].map(c => [c.textContent.trim().slice(0, 40),
  c.getBoundingClientRect().left, c.getBoundingClientRect().right])
  .filter(([, left, right]) => left < 0 || right > document.documentElement.clientWidth + 0.5)"""
# text drawn below WCAG AA contrast (4.5:1, 3:1 for large text) against the first opaque background
LOW_CONTRAST = """() => { const rgb = s => s.match(/[\\d.]+/g).map(Number);
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const back = e => { for (let p = e; p; p = p.parentElement) { const c = rgb(getComputedStyle(p).backgroundColor);
    if (getComputedStyle(p).backgroundImage !== 'none') return null; if (c.length < 4 || c[3] > 0.5) return c; } return [255, 255, 255]; };
  const out = [];
  for (const e of document.querySelectorAll('body *')) {
    if (![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) || e.closest('svg, [aria-hidden=true]')) continue;
    const s = getComputedStyle(e); if (!e.getBoundingClientRect().width || s.visibility === 'hidden') continue;
    const b = back(e); if (!b) continue;
    const [l1, l2] = [lum(rgb(s.color)), lum(b)], ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const large = parseFloat(s.fontSize) >= 24 || (parseFloat(s.fontSize) >= 18.66 && parseInt(s.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) out.push(`${e.tagName.toLowerCase()}.${e.className} "${e.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`); }
  return out.slice(0, 5); }"""
# what the page shows of a chart's series: Vega's legend labels and the HTML legend's items
LEGENDS = """() => [...document.querySelectorAll('svg .role-legend-label text, .chart-legend li')]
  .map(e => [e.textContent.trim(), e.getBoundingClientRect().right])"""


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_main_pages_fit_a_390_px_phone(settings, db, actors, admin_cookie, browser, lang):  # noqa: F811
    assert all(import_ema(db, path=path).committed for path in EMA_FILES)
    with db() as s:
        load_reference(s)
        s.commit()
    add_rome(db)
    actor = actors["Genopole"]
    offer = make_offer(db, actor_id=actor)
    event = make_event(db, organiser=actor)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with serve(settings) as url:
        context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        context.add_cookies([{"name": "bioatlas_session", "value": admin_cookie, "url": url}])
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        wide: dict[str, object] = {}
        for path in ("/observatory", "/observatory/indicators/eu_biologics_made_in_country", "/observatory/regions/11",
                     "/observatory/roadmaps/idf-assises-2021",
                     "/", "/actors", f"/actors/{actor}", "/search?q=bio", "/events", f"/events/{event}", "/jobboard",
                     f"/jobboard/offers/{offer}", "/oneshop", "/calls"):
            page.goto(f"{url}{path}{'&' if '?' in path else '?'}lang={lang}")
            assert page.evaluate("() => document.documentElement.lang") == lang
            if page.locator(".vl-chart").count():
                page.wait_for_selector("html[data-charts-done]", state="attached", timeout=60_000)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            if width > 390:
                wide[path] = (width, page.evaluate(PAST_THE_EDGE))
            if faint := page.evaluate(LOW_CONTRAST):
                wide[f"{path} contrast"] = faint
            if cut := page.evaluate(CUT_CAPTIONS):
                wide[f"{path} captions"] = cut
            if path == "/observatory/roadmaps/idf-assises-2021":
                # an action's cells (its status form too) are on the screen, not behind a sideways scroll
                rights = page.eval_on_selector_all("table.actions td", "tds => tds.map(td => td.getBoundingClientRect().right)")
                assert rights and max(rights) <= 390, max(rights)
                page.screenshot(path=str(SCREENSHOTS / f"roadmap-390-{lang}.png"), full_page=True)
            if path == "/observatory":
                assert page.locator(".vl-chart[data-state=rendered] svg").count() >= 5
                page.screenshot(path=str(SCREENSHOTS / f"observatory-390-{lang}.png"), full_page=True)
                # the conflicting figures' sources are named whole, within the screen, none cut with "…"
                legends = page.evaluate(LEGENDS)
                assert not [text for text, right in legends if text.endswith("…") or right > 390], legends
                assert any(text.startswith("Succès du Congrès France Bioproduction, cap sur un leadership européen")
                           for text, _ in legends), legends
                # a chart scales to its column, within the screen
                # each indicator's latest values are on the screen, not behind a sideways scroll
                rights = page.eval_on_selector_all("table.indicators td:nth-child(4)",
                                                   "tds => tds.map(td => td.getBoundingClientRect().right)")
                assert rights and max(rights) <= 390, max(rights)
                box = page.locator("#chart-ema-per-year .vl-chart svg").bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
            if path in (f"/actors/{actor}", f"/events/{event}"):
                page.screenshot(path=str(SCREENSHOTS / f"{path.split('/')[1][:-1]}-390-{lang}.png"), full_page=True)
        context.close()
    assert not wide, wide
    assert not problems, problems
