"""The one-stop shop in a real browser: the intake form (filled, in French), a partner's view
(only its need, its private note) and the company's view (its three needs, what each partner
sees changed, the candidate zones), no console error
(CSP). Screenshots: artifacts/screenshots/oneshop-intake.png, oneshop-partner.png,
oneshop-company.png. The company and the people are synthetic."""

from __future__ import annotations

import re

import pytest

from sqlalchemy import select

from bioatlas.oneshop import service
from bioatlas.oneshop.models import Case
from tests.accounts.fixtures import PASSWORD, make_user
from tests.contributions.helpers import add_actor
from tests.web.live import serve
from tests.web.test_browser import SCREENSHOTS, browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def _login(page, base: str, email: str, then: str) -> None:
    page.goto(f"{base}/account/login?next={then}")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('form[action="/account/login"] button[type="submit"]')
    page.wait_for_url(re.compile(re.escape(then) + "$"))


def test_intake_partner_and_company_views(settings, db, browser):  # noqa: F811
    partners = [add_actor(db, name, "91000", kind=kind) for name, kind in
                (("Agence test 1", "public_agency"), ("Pôle test 2", "cluster"), ("Agence test 3", "public_agency"))]
    make_user(db, "p1@example.org", roles=[("member", "actor", partners[0])], name="Partenaire démo 1")
    founder = make_user(db, "founder@example.org", name="Entreprise démo 1")
    with db() as s:
        for need, actor in zip(("regulatory", "funding", "real_estate"), partners, strict=True):
            service.add_rule(s, values={"need": need, "region": "11", "actor_id": str(actor)}, user_id=None)
        case, _ = service.intake(s, values={
            "company_name": "Société étrangère démo 1 (synthétique)", "email": "founder@example.org", "country": "JP",
            "project_type": "pilot_line", "modality": "aav", "region": "11", "jobs_planned": "60",
            "needs": ["regulatory", "funding", "real_estate"]}, public_url="", user_id=founder,
            verified_email="founder@example.org")
        case_id = case.id
        s.commit()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with serve(settings) as base:
        page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: problems.append(f"console.error: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.goto(f"{base}/oneshop")
        assert page.locator("h1").inner_text() == "Guichet unique d'implantation"
        page.fill('input[name="company_name"]', "Société étrangère démo 2 (synthétique)")
        page.fill('input[name="email"]', "demo2@example.org")
        page.select_option('select[name="country"]', "US")
        page.check('input[name="needs"][value="funding"]')
        page.check('input[name="value_chain_steps"][value="upstream"]')
        page.screenshot(path=str(SCREENSHOTS / "oneshop-intake.png"), full_page=True)
        page.click('form.oneshop-form button[type="submit"]')
        page.wait_for_load_state()
        assert "demo2@example.org" in page.locator("p.form-ok").inner_text()

        _login(page, base, "p1@example.org", f"/oneshop/cases/{case_id}")
        assert page.locator("article.oneshop-request").count() == 1
        page.fill('form[action$="/notes"] textarea[name="body"]', "Note privée du partenaire (démo)")
        page.click('form[action$="/notes"] button[type="submit"]')
        page.wait_for_load_state()
        assert "Note privée du partenaire (démo)" in page.locator("article.oneshop-request").inner_text()
        page.screenshot(path=str(SCREENSHOTS / "oneshop-partner.png"), full_page=True)

        page.context.clear_cookies()
        _login(page, base, "founder@example.org", f"/oneshop/cases/{case_id}")
        assert page.locator("article.oneshop-request").count() == 3
        assert "Note privée du partenaire" not in page.content()
        # what each partner sees: the details for the first partner only (the intake shared them with all)
        boxes = page.locator('form.oneshop-sharing input[name="partners"]')
        assert boxes.count() == 3
        for i in (1, 2):
            boxes.nth(i).uncheck()
        page.click("form.oneshop-sharing button[type=\"submit\"]")
        page.wait_for_load_state()
        assert [page.locator('form.oneshop-sharing input[name="partners"]').nth(i).is_checked() for i in range(3)] \
            == [True, False, False]
        assert "Zones possibles dans la région" in page.content()
        page.screenshot(path=str(SCREENSHOTS / "oneshop-company.png"), full_page=True)
    assert problems == []
    with db() as s:  # the server is stopped: the intake's value-chain step was stored
        assert s.scalar(select(Case.value_chain_steps).where(Case.email == "demo2@example.org")) == "upstream"
    assert (SCREENSHOTS / "oneshop-company.png").stat().st_size > 10_000
