"""The demo's deeptech challenge in a real browser: the call page (synthetic, its deadline with the
time zone), the jury screen with the conflicted reviewer's exclusion and its reason, the conflicted
reviewer refused (403) with the reason, the results, the portfolio and the IdF roadmap page with
the two projects' milestones; no console error (CSP).
Screenshots: artifacts/screenshots/calls-call.png, calls-list-phone.png (390 px), calls-jury-exclusion.png,
calls-conflict-refused.png, calls-portfolio.png, calls-roadmap.png."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bioatlas.accounts import service as accounts
from bioatlas.accounts.models import User
from bioatlas.calls import demo
from bioatlas.calls.models import Application, Call
from bioatlas.observatory.reference import load_reference
from tests.web.date_fields import date_parts
from tests.web.live import serve
from tests.web.test_browser import SCREENSHOTS, browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def _session_cookie(db, email: str, base: str) -> dict:
    with db() as s:
        user = s.scalar(select(User).where(User.email == email))
        raw, _ = accounts.create_session(s, user=user, days=1)
        s.commit()
    return {"name": "bioatlas_session", "value": raw, "url": base}


def test_deeptech_challenge_jury_and_portfolio(settings, db, taxonomies, browser):  # noqa: F811
    summary = demo.run(db, taxonomies=taxonomies)
    assert summary["excluded"] >= 1
    with db() as s:
        load_reference(s)
        s.commit()
        call_id = s.scalar(select(Call.id))
        excluded_app = s.scalar(select(Application.id).order_by(Application.id))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with serve(settings) as base:
        def page_as(email: str | None):
            context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
            if email:
                context.add_cookies([_session_cookie(db, email, base)])
            page = context.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" and "403" not in m.text else None)
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            return page

        visitor = page_as(None)
        visitor.goto(f"{base}/calls/{call_id}?lang=fr")
        assert "appel fictif de démonstration" in visitor.locator(".synthetic").first.inner_text()
        assert "(heure de Paris)" in visitor.locator(".deadline").inner_text()
        visitor.screenshot(path=str(SCREENSHOTS / "calls-call.png"), full_page=True)

        manager = page_as("gestionnaire-demo@demo.invalid")
        manager.goto(f"{base}/calls/{call_id}/manage?lang=fr")
        rows = manager.locator("tr.exclusion")
        assert rows.count() >= 1
        assert rows.first.locator(".reason").get_attribute("data-reason") == "parent_child"
        assert rows.first.locator(".reason").inner_text() == "organisation mère ou fille (relation de l'atlas)"
        assert "Incubateur fictif de démonstration" in rows.first.inner_text()
        manager.screenshot(path=str(SCREENSHOTS / "calls-jury-exclusion.png"), full_page=True)

        # the call editor works without JavaScript: a button adds a question (a plain form round trip)
        manager.goto(f"{base}/calls/{call_id}/edit?lang=fr")
        questions = manager.locator("fieldset.question").count()
        with manager.expect_navigation():
            manager.locator('button[value="add_question"]').click()
        assert manager.locator("fieldset.question").count() == questions + 1
        # its dates as a French browser draws them: jj/mm/aaaa, 24-hour clock (the screenshot showed mm/dd/yyyy, AM/PM)
        assert date_parts(manager, "input[name=closes_at]") == ["Jour", "Mois", "Année", "Heures", "Minutes"]
        manager.screenshot(path=str(SCREENSHOTS / "calls-editor.png"), full_page=True)

        conflicted = page_as("evaluateur-demo-1@demo.invalid")
        answer = conflicted.goto(f"{base}/applications/{excluded_app}/review?lang=fr")
        assert answer is not None and answer.status == 403
        refusal = conflicted.content()  # the reasons in the reader's language, with their codes
        assert "Conflit d" in refusal and "intérêts" in refusal and "parent_child" in refusal
        assert "Incubateur fictif de démonstration" in refusal
        conflicted.screenshot(path=str(SCREENSHOTS / "calls-conflict-refused.png"), full_page=True)

        visitor.goto(f"{base}/calls/{call_id}/results?lang=fr")
        assert visitor.locator("ul.laureates li").count() == 2
        visitor.goto(f"{base}/projects?lang=fr")
        assert visitor.locator("article.project-card").count() == 2
        assert visitor.locator("li.milestone").count() == 8
        visitor.screenshot(path=str(SCREENSHOTS / "calls-portfolio.png"), full_page=True)
        visitor.goto(f"{base}/observatory/roadmaps/idf-assises-2021?lang=fr")
        assert visitor.locator("#axis-3 .portfolio-progress").count() == 2
        visitor.locator("#axis-3").screenshot(path=str(SCREENSHOTS / "calls-roadmap.png"))
        # on a phone (390 px) a wide table scrolls inside itself: the page is no wider than the screen
        phone = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}).new_page()  # an English page
        phone.goto(f"{base}/calls?lang=en")
        assert phone.locator(".synthetic").first.inner_text() == "fictitious demonstration call"
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.screenshot(path=str(SCREENSHOTS / "calls-list-phone.png"), full_page=True)
    assert problems == [], problems
    assert (SCREENSHOTS / "calls-jury-exclusion.png").stat().st_size > 10_000
