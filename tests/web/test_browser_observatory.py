"""The observatory dashboard in a real browser (Debian's chromium through Playwright, live server of
tests/web/test_browser.py): the Vega-Lite charts render as SVG under the CSP (no 'unsafe-eval':
vega runs with its expression interpreter), with no console error or CSP violation.

Data: the real EMA lists (2018 and 2026), the observatory's reference data (articles' figures,
targets, roadmaps) and the real actors of the map test. Screenshot:
artifacts/screenshots/observatory-dashboard.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bioatlas.demo.files import EMA_FILES
from bioatlas.observatory.reference import load_reference
from bioatlas.products.service import import_ema
from tests.web.test_browser import SCREENSHOTS, actors, browser, live_server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser
VEGA = Path(__file__).resolve().parents[2] / "src" / "bioatlas" / "web" / "static" / "vendor" / "vega" / "vega-embed.js"
CHARTS = ("ema-per-year", "ema-lists", "actors-by-kind", "actors-by-region", "made-in-country")


@pytest.fixture
def observatory_data(db):
    if not VEGA.exists():
        pytest.fail(f"{VEGA} is missing: run `make assets` (npm ci && npm run build) first")
    assert all(import_ema(db, path=path).committed for path in EMA_FILES)
    with db() as session:
        load_reference(session)
        session.commit()


def _watch(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console.error: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`))"
    )
    return problems


def test_dashboard_charts_render_under_the_csp(observatory_data, live_server, browser):  # noqa: F811
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 900})
    problems = _watch(page)
    response = page.goto(f"{live_server}/observatory?lang=fr")
    assert "'unsafe-eval'" not in response.headers["content-security-policy"]
    page.wait_for_selector("html[data-charts-done]", state="attached", timeout=60_000)
    states = dict(page.eval_on_selector_all(".vl-chart", "els => els.map(e => [e.closest('figure').id, e.dataset.state])"))
    assert states == {f"chart-{key}": "rendered" for key in CHARTS}, states
    for key in CHARTS:
        marks = page.locator(f"#chart-{key} .vl-chart svg .mark-rect.role-mark path").count()
        assert marks > 0, f"{key}: no bar drawn"
    # the per-year chart has one bar per year and series; the axis shows years from the EMA list
    labels = page.eval_on_selector_all("#chart-ema-per-year svg .role-axis-label text", "els => els.map(e => e.textContent)")
    assert "2024" in labels and "1995" in labels, labels
    # the conflicting FR figures are two bars of the made-in-country chart (5 and 2 of 76)
    assert page.locator("#chart-made-in-country svg .mark-rect.role-mark path").count() == 4
    assert page.locator("#chart-made-in-country .chart-meta a[download]").get_attribute("href").startswith(
        "/observatory/charts/made-in-country.csv")
    page.screenshot(path=str(SCREENSHOTS / "observatory-dashboard.png"), full_page=True)

    # an indicator page draws its history the same way
    page.goto(f"{live_server}/observatory/indicators/eu_biologics_made_in_country")
    page.wait_for_selector("html[data-charts-done]", state="attached", timeout=60_000)
    assert page.get_attribute(".vl-chart", "data-state") == "rendered"
    assert page.locator(".vl-chart svg .mark-symbol.role-mark path").count() == 3  # FR, DE, IT in 2020 (dated values)
    page.close()
    assert not problems, "\n".join(problems)
