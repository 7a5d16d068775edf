"""Check-in with the camera in a real browser: chromium's fake camera plays a video made here from
a participant's badge QR code (the same token and `segno` code as the badge), the check-in page's
scanner (ZXing) reads it, the form is sent and the participant is checked in. SQLite only, like
every browser test. Screenshot: artifacts/screenshots/events-checkin-camera.png."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import segno
from PIL import Image

from bioatlas.events import service
from bioatlas.events.models import Participant
from tests.accounts.fixtures import PASSWORD, make_user
from tests.contributions.helpers import add_actor
from tests.events.helpers import make_event, register
from tests.web.live import serve
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, VENDOR, ui_language

pytestmark = pytest.mark.browser

WIDTH, HEIGHT, FRAMES = 640, 480, 10


def _y4m(image: Image.Image) -> bytes:
    """The image centred on a white 640×480 frame, as a short YUV4MPEG2 video (4:2:0), the format
    chromium's `--use-file-for-fake-video-capture` plays in a loop."""
    frame = Image.new("RGB", (WIDTH, HEIGHT), "white")
    frame.paste(image, ((WIDTH - image.width) // 2, (HEIGHT - image.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    planes = y.tobytes() + cb.resize((WIDTH // 2, HEIGHT // 2)).tobytes() + cr.resize((WIDTH // 2, HEIGHT // 2)).tobytes()
    header = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode()
    return header + b"".join(b"FRAME\n" + planes for _ in range(FRAMES))


def test_the_scanner_reads_a_badge_from_the_camera(settings, db, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}")
    if not VENDOR.exists():
        pytest.fail(f"{VENDOR} is missing: run `make assets` first")
    organiser = add_actor(db, "Genopole", "91000")
    make_user(db, "org@example.org", roles=[("member", "actor", organiser)], name="Organisation démo")
    event = make_event(db, organiser=organiser, title="Rencontres test (synthétique)")
    ann = register(db, event_id=event, user_id=make_user(db, "ann@example.org", name="Participant démo 1"),
                   name="Participant démo 1")
    with db() as s:
        token = service.badge_token(secret=settings.secret_key, participant=s.get(Participant, ann))
    png = io.BytesIO()
    segno.make(token, error="m").save(png, kind="png", scale=8, border=4)
    video = tmp_path / "badge.y4m"
    video.write_bytes(_y4m(Image.open(png).convert("RGB")))

    from playwright.sync_api import sync_playwright

    with serve(settings) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, env=ui_language(), args=[
            *CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"])
        try:
            context = browser.new_context(viewport={"width": 1000, "height": 800}, locale="fr-FR")
            context.grant_permissions(["camera"], origin=base)
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{base}/account/login?next=/events/{event}/checkin")
            page.fill('input[name="email"]', "org@example.org")
            page.fill('input[name="password"]', PASSWORD)
            page.click('form[action="/account/login"] button[type="submit"]')
            page.wait_for_url(re.compile(rf"/events/{event}/checkin$"))
            page.locator("#checkin-camera").click()
            result = page.locator("p.checkin-result")
            result.wait_for(state="visible")  # the scanner read the video and sent the form
            assert "Participant démo 1" in result.inner_text()
            page.screenshot(path=str(SCREENSHOTS / "events-checkin-camera.png"), full_page=True)
            assert errors == []
        finally:
            browser.close()
    with db() as s:
        assert s.get(Participant, ann).checked_in_at is not None
