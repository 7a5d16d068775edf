"""/docs works offline and under the CSP: Swagger UI comes from static/vendor (no CDN request), it
starts from a static script (no inline one), and it lists the API's operations.
Screenshot: artifacts/screenshots/api-docs.png."""

from __future__ import annotations

import pytest

from tests.web.live import serve
from tests.web.test_browser import SCREENSHOTS, browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_api_docs_render_offline_under_the_csp(browser, settings, db):  # noqa: F811
    problems: list[str] = []
    outside: list[str] = []
    page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    with serve(settings) as url:
        page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(url) and not r.url.startswith("data:") else None)
        response = page.goto(f"{url}/docs")
        assert response.status == 200 and "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_selector(".opblock", timeout=20000)
        operations = page.locator(".opblock").count()
        page.screenshot(path=str(SCREENSHOTS / "api-docs.png"), full_page=False)
    assert operations > 20
    assert outside == []  # nothing fetched from another site
    assert problems == []  # no CSP violation, no script error


def test_docs_page_is_local_and_has_the_csp(client):
    r = client.get("/docs")
    assert r.status_code == 200
    assert "Content-Security-Policy" in r.headers
    assert "http" not in r.text.replace('data-openapi="/openapi.json"', "")
    assert "<script>" not in r.text  # no inline script
    for asset in ("/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/js/api-docs.js"):
        assert client.get(asset).status_code == 200
    assert client.get("/redoc").status_code == 404
