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
No box scrolls sideways either: the tables that did (an event's capacity limits, programme, speakers and
exhibitors, the one-stop shop's rules and routed requests, an actor's history, the conflicting figures)
are blocks on a phone, each cell under its column's name (the history was 674 px wide in a 358 px box).
The "actors by kind / by region" charts fill their width, each label and count above its bar (the
labels took half the width: the widest bar was 155 of 324 px) with no blank space under them (the
180 px kept while drawing stayed under a 102 px chart).

The pages with a table it did not read before (session 21) are read too, each table with a row:
the one-stop shop's "my routed requests", an event's participants, agenda, booth applications and
pitch jury, the background jobs, the calls and a call's jury, the capacity directory, an offer and
the offers to review, the moderation queue and "my contributions" (tests/web/phone_world.py builds
their objects). Their tables scrolled sideways (the jobs 849 px wide in a 358 px box, a call's jury
701, the booth applications 647) or widened the page (the capacity directory was 670 px wide, an
offer's page 486): each is a stacked table now, each cell under its column's name.

The floor plan (an event's page and its booth review) was an SVG scaled to the screen: its booths
were 54 × 23 px and their numbers 5 px high. Each booth is now a tile at least 44 px square (WCAG
2.5.5, to tap) with its number at least 12 px high, within the screen. Each pass's browser is in
its language (chromium's own language and the context's locale): a French page's date field reads
"jj/mm/aaaa" with a 24-hour clock (the French pass drew "mm/dd/yyyy" and AM/PM); the time fields look like
the day's (they were 78 × 24 px, unstyled); a call's managers' one-button forms stand apart (they touched).

No two tap targets touch (a button and a field, a list or another button less than 4 px apart: the one-stop
shop's "Ajouter la règle" sat on "Envoyer les relances maintenant", a jury's decision list on its reason and
its button, the calls editor's "Descendre" on "Retirer cette question") and every part's heading has space above
it (headings had no top margin: "Chiffres" sat on the table above it). The connect half's pages not read above
are read too: a partner's offer and the marketplace, a one-stop-shop case, a call and its editor, an event's
programme, the saved job searches.

Data: the real EMA lists and the observatory's reference data (its cards, tables and charts), the
real actors of the map test (Genopole's description then changed: a history row with its values), one
job offer and one event of the rooms' test helpers, a one-stop-shop case routed to two partners by rules.
Screenshots: artifacts/screenshots/observatory-390-fr.png, observatory-390-en.png,
actor-390-fr.png, actor-390-en.png, event-390-fr.png, event-390-en.png, roadmap-390-fr.png,
roadmap-390-en.png, event-manage-390-fr.png, event-manage-390-en.png, oneshop-admin-390-fr.png,
oneshop-admin-390-en.png, actors-by-kind-390-fr.png, actors-by-kind-390-en.png, and in both languages
oneshop-cases-390-*.png, agenda-390-*.png, booth-review-390-*.png, jobs-390-*.png, call-manage-390-*.png,
capacity-390-*.png, moderation-390-*.png, floor-plan-390-*.png, opportunity-390-*.png, opportunities-390-*.png,
oneshop-case-390-*.png, call-390-*.png, call-edit-390-*.png, programme-390-*.png, job-searches-390-*.png."""

from __future__ import annotations

import pytest

from bioatlas.atlas.records import ActorRecord
from bioatlas.atlas.writer import get_or_create_source, upsert_actor
from bioatlas.demo.files import EMA_FILES
from bioatlas.oneshop.models import Rule
from bioatlas.observatory.reference import load_reference
from bioatlas.products.service import import_ema
from tests.events.helpers import make_event
from tests.jobboard.helpers import add_rome, make_offer
from tests.oneshop.helpers import make_case
from tests.opportunities.helpers import publish
from tests.web.date_fields import date_parts
from tests.web.live import serve
from tests.web.phone_world import table_pages
from tests.web.test_browser import ROR, SCREENSHOTS, actors, chromium  # noqa: F401 (actors: a fixture)
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
# boxes that scroll sideways (a table wider than the screen inside its own box)
SIDEWAYS = """() => [...document.querySelectorAll('main *')].filter(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX)
  && e.scrollWidth > e.clientWidth + 1).map(e => `${e.tagName.toLowerCase()}.${e.getAttribute('class') || ''} ${e.scrollWidth}/${e.clientWidth} px`)"""
# a chart's box, its drawing and its widest bar (px)
BARS = """key => { const box = document.querySelector(`#chart-${key} .vl-chart`), svg = box.querySelector('svg');
  const bars = [...box.querySelectorAll('.mark-rect path')].map(p => p.getBoundingClientRect().width);
  return {box: box.getBoundingClientRect().width, height: box.getBoundingClientRect().height,
          svg: svg.getBoundingClientRect().height, widest: Math.max(...bars)}; }"""
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
# each pass's browser locale, and a date and a time field's parts as that language's browser draws them (the
# French pass drew "mm/dd/yyyy" and AM/PM: chromium's own language was English, see `ui_language`)
LOCALES = {"fr": "fr-FR", "en": "en-GB"}
DATE_PARTS = {"fr": ["Jour", "Mois", "Année"], "en": ["Month", "Day", "Year"]}
TIME_PARTS = {"fr": ["Heures", "Minutes"], "en": ["Hours", "Minutes", "AM/PM"]}
# each booth of the floor plan: [width, height, right edge, its number's height] in px
FLOOR_PLAN = """() => [...document.querySelectorAll('.floor-plan a')].map(a => { const r = a.getBoundingClientRect();
  const n = a.querySelector('.booth-no').getBoundingClientRect();
  return [r.width, r.height, r.right, n.height].map(Math.round); })"""
# an element's size (px) and the space between consecutive elements (px)
BOX = "s => { const r = document.querySelector(s).getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)]; }"
GAPS = """s => { const r = [...document.querySelectorAll(s)].map(e => e.getBoundingClientRect());
  return r.slice(1).map((b, i) => Math.round(b.top - r[i].bottom)); }"""
# tap targets that touch: a button and another control (a field, a list, a button) less than 4 px apart, side by side
# or one under the other ("Ajouter la règle" sat on "Envoyer les relances maintenant", a decision's list on its reason)
TOUCHING = """() => { const seen = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const els = [...document.querySelectorAll('main button, main .button, main input:not([type=hidden]), main select, main textarea')]
    .filter(e => seen(e) && !e.closest('.maplibregl-ctrl-group'));  // the map's zoom buttons are one control, by design
  const name = e => `${e.tagName.toLowerCase()} "${(e.textContent || e.name || '').trim().slice(0, 24)}"`; const out = [];
  for (let i = 0; i < els.length; i++) for (let j = i + 1; j < els.length; j++) {
    const [a, b] = [els[i], els[j]]; if (!a.matches('button, .button') && !b.matches('button, .button')) continue;
    if (a.contains(b) || b.contains(a)) continue;
    const p = a.getBoundingClientRect(), q = b.getBoundingClientRect();
    const across = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top), along = Math.min(p.right, q.right) - Math.max(p.left, q.left);
    const gap = across > 2 ? Math.max(q.left - p.right, p.left - q.right) : along > 2 ? Math.max(q.top - p.bottom, p.top - q.bottom) : null;
    if (gap !== null && gap < 4) out.push(`${name(a)} / ${name(b)} ${Math.round(gap)} px`); }
  return out.slice(0, 6); }"""
# a part's heading with no space above it (under a table, a form or a paragraph: headings had no top margin)
CRAMPED_HEADINGS = """() => { const above = h => { let e = h.previousElementSibling;
    while (e && !e.getBoundingClientRect().height) e = e.previousElementSibling; return e; };  // an empty box is not what the eye sees
  return [...document.querySelectorAll('main h2')].filter(h => above(h) && h.getBoundingClientRect().height)
  .map(h => [h.textContent.trim().slice(0, 30), Math.round(h.getBoundingClientRect().top - above(h).getBoundingClientRect().bottom)])
  .filter(([, gap]) => gap < 16); }"""
# what the page shows of a chart's series: Vega's legend labels and the HTML legend's items
LEGENDS = """() => [...document.querySelectorAll('svg .role-legend-label text, .chart-legend li')]
  .map(e => [e.textContent.trim(), e.getBoundingClientRect().right])"""


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_main_pages_fit_a_390_px_phone(settings, db, actors, admin_cookie, taxonomies, lang):  # noqa: F811
    assert all(import_ema(db, path=path).committed for path in EMA_FILES)
    with db() as s:
        load_reference(s)
        s.commit()
    add_rome(db)
    actor = actors["Genopole"]
    offer = make_offer(db, actor_id=actor)
    event = make_event(db, organiser=actor)
    with db() as s:  # a history row with its values before and after
        upsert_actor(s, ActorRecord(name="Genopole", kind="cluster", identifiers={"ror": ["https://ror.org/0380k9k47"]},
                                    description_fr="Biocluster de l'Essonne : laboratoires, entreprises et plateformes"),
                     source=get_or_create_source(s, ROR))
        s.add_all([Rule(need="funding", region="11", actor_id=actors["Région Île-de-France"]),
                   Rule(need="regulatory", region="11", actor_kind="public_agency", size="small")])
        s.commit()
    case, _ = make_case(db, owner=None, partners=[actors["Région Île-de-France"], actor], needs=("regulatory", "funding"))
    tables = table_pages(db, actors=actors, event=event, admin_email="admin@example.org", taxonomies=taxonomies)
    call = next(path for path, name in tables.items() if name == "call-manage").split("/")[2]
    # the connect half's pages not read above (path: screenshot name)
    connect = {f"/opportunities/{publish(db, actor_id=actors['Sanofi'], title='Procédé AAV amont')}": "opportunity",
               "/opportunities": "opportunities", f"/oneshop/cases/{case}": "oneshop-case", f"/calls/{call}": "call",
               f"/calls/{call}/edit": "call-edit", f"/events/{event}/programme": "programme", "/jobboard/searches": "job-searches"}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with serve(settings) as url, chromium(lang) as browser:  # a browser of the pass's language
        context = browser.new_context(locale=LOCALES[lang], viewport={"width": 390, "height": 844}, is_mobile=True,
                                      has_touch=True)
        context.add_cookies([{"name": "bioatlas_session", "value": admin_cookie, "url": url}])
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        wide: dict[str, object] = {}
        for path in ("/observatory", "/observatory/indicators/eu_biologics_made_in_country", "/observatory/regions/11",
                     "/observatory/roadmaps/idf-assises-2021",
                     "/", "/actors", f"/actors/{actor}", "/search?q=bio", "/events", f"/events/{event}", "/jobboard",
                     f"/jobboard/offers/{offer}", "/oneshop", "/calls", f"/events/{event}/manage", "/oneshop/admin",
                     f"/events/{event}/booths", f"/events/{event}/organise", "/admin/audit", *tables, *connect):
            page.goto(f"{url}{path}{'&' if '?' in path else '?'}lang={lang}")
            assert page.evaluate("() => document.documentElement.lang") == lang
            if page.locator(".vl-chart").count():
                page.wait_for_selector("html[data-charts-done]", state="attached", timeout=60_000)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            if width > 390:
                wide[path] = (width, page.evaluate(PAST_THE_EDGE))
            if faint := page.evaluate(LOW_CONTRAST):
                wide[f"{path} contrast"] = faint
            if scrolls := page.evaluate(SIDEWAYS):
                wide[f"{path} scrolls"] = scrolls
            if cut := page.evaluate(CUT_CAPTIONS):
                wide[f"{path} captions"] = cut
            if touching := page.evaluate(TOUCHING):
                wide[f"{path} touching"] = touching
            if cramped := page.evaluate(CRAMPED_HEADINGS):
                wide[f"{path} headings"] = cramped
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
                # the ranked charts: the widest bar spans the chart's width, no blank space under the drawing
                for key in ("actors-by-kind", "actors-by-region"):
                    bars = page.evaluate(BARS, key)
                    assert bars["widest"] >= 0.85 * bars["box"] and bars["height"] - bars["svg"] <= 8, (key, bars)
                page.locator("#chart-actors-by-kind").screenshot(path=str(SCREENSHOTS / f"actors-by-kind-390-{lang}.png"))
            # each cell of a stacked table within the screen, under its column's name (these pages have one)
            rights = page.eval_on_selector_all("main table.stack td", "tds => tds.map(td => td.getBoundingClientRect().right)")
            assert max(rights, default=0) <= 390, (path, max(rights))
            assert rights or path not in (f"/events/{event}/manage", "/oneshop/admin", f"/actors/{actor}", f"/events/{event}",
                                          *tables), path
            if path == f"/events/{event}/manage":  # the session's day and times as a reader of the page's language writes them
                assert date_parts(page, "input[name=day]") == DATE_PARTS[lang]
                assert date_parts(page, "input[name=start]") == TIME_PARTS[lang]
                # the times look like the day above them (they were 78 × 24 px beside their labels, unstyled)
                assert page.evaluate(BOX, "input[name=start]") == page.evaluate(BOX, "input[name=day]")
            if tables.get(path) == "call-manage":  # its one-button forms apart (they touched: two tap targets as one)
                gaps = page.evaluate(GAPS, ".call-manage > form")
                assert gaps and min(gaps) >= 8, gaps
            if path in (f"/events/{event}/manage", "/oneshop/admin"):
                name = "event-manage" if "events" in path else "oneshop-admin"
                page.screenshot(path=str(SCREENSHOTS / f"{name}-390-{lang}.png"), full_page=True)
            if tables.get(path):
                page.screenshot(path=str(SCREENSHOTS / f"{tables[path]}-390-{lang}.png"), full_page=True)
            if path in connect:
                page.screenshot(path=str(SCREENSHOTS / f"{connect[path]}-390-{lang}.png"), full_page=True)
            if path in (f"/events/{event}", f"/events/{event}/booths/review"):
                # the floor plan's booths large enough to tap (WCAG 2.5.5, 44 px) and their numbers to read, within the
                # screen (the plan was an SVG scaled to the screen's width: booths 54 × 23 px, numbers 5 px high)
                booths = page.evaluate(FLOOR_PLAN)
                assert len(booths) == 2 and all(w >= 44 and h >= 44 and right <= 390 and no >= 12
                                                for w, h, right, no in booths), (path, booths)
                if path == f"/events/{event}":
                    page.locator(".floor-plan").screenshot(path=str(SCREENSHOTS / f"floor-plan-390-{lang}.png"))
            if path in (f"/actors/{actor}", f"/events/{event}"):
                page.screenshot(path=str(SCREENSHOTS / f"{path.split('/')[1][:-1]}-390-{lang}.png"), full_page=True)
        context.close()
    assert not wide, wide
    assert not problems, problems
