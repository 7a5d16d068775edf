"""The demo's mail catcher in a real browser (issue 20 item 9): a visitor signs up through the form,
/dev/mail shows the confirmation mail with its link, and following the link verifies the account.
Screenshot: artifacts/screenshots/dev-mail.png."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bioatlas.accounts.models import User
from bioatlas.notifications import catcher
from tests.notifications.test_mail_catcher import _free_port
from tests.web.live import serve
from tests.web.test_browser import SCREENSHOTS, browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_sign_up_then_read_the_mail_in_the_catcher(browser, settings, db, tmp_path):  # noqa: F811
    folder, port, web_port = tmp_path / "mail", _free_port(), _free_port()
    controller = catcher.start(folder, port=port)
    page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 800})
    try:
        configured = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False,
                                                 "dev_mail_dir": folder, "public_url": f"http://127.0.0.1:{web_port}"})
        with serve(configured, port=web_port) as url:
            page.goto(f"{url}/account/signup")
            page.fill("input[name=email]", "visiteuse@example.org")
            page.fill("input[name=display_name]", "Visiteuse démo")
            page.fill("input[name=password]", "correct horse battery")
            page.locator("form[action='/account/signup'] button[type=submit]").click()
            page.goto(f"{url}/dev/mail")
            assert "visiteuse@example.org" in page.content()
            sent = page.locator("li[data-mail] time").first.inner_text()  # the mail's Date header, RFC 5322
            assert re.fullmatch(r"\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} (\+0000|GMT)", sent), sent
            link = page.locator("a[href*='/account/verify']").first
            page.screenshot(path=str(SCREENSHOTS / "dev-mail.png"), full_page=True)
            link.click()
            page.wait_for_load_state()
    finally:
        controller.stop()
    with db() as s:
        assert s.scalar(select(User).where(User.email == "visiteuse@example.org")).email_verified_at is not None
