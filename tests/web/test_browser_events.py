"""Events in a real browser: the organiser's schedule view (a computed and published schedule),
a participant's event page and agenda with the calendar export link, the public programme and
a participant's badge (QR code); no console error (CSP: no inline script or style). Screenshots:
artifacts/screenshots/events-organiser-schedule.png, events-page.png, events-agenda.png,
events-programme.png, events-badge.png, events-booth-review.png (the organisers' review of booth
applications beside the floor plan); the check-in page's camera button shown once the vendored
ZXing script runs. Participants and speakers are synthetic ("… démo N")."""

from __future__ import annotations

import re

import pytest

from bioatlas.events import booths, service
from bioatlas.events.models import ScheduleRun
from tests.accounts.fixtures import PASSWORD, make_user
from tests.contributions.helpers import add_actor
from tests.events.helpers import DAY, make_event, register, request
from tests.web.live import serve
from tests.web.test_browser import SCREENSHOTS, browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def _login(page, base: str, email: str, then: str) -> None:
    page.goto(f"{base}/account/login?next={then}")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('form[action="/account/login"] button[type="submit"]')
    page.wait_for_url(re.compile(re.escape(then) + "$"))


def test_organiser_schedule_and_participant_agenda(settings, db, browser):  # noqa: F811
    organiser = add_actor(db, "Genopole", "91000")
    make_user(db, "org@example.org", roles=[("member", "actor", organiser)], name="Organisation démo")
    ann = make_user(db, "ann@example.org", name="Participant démo 1")
    event = make_event(db, organiser=organiser, title="Rencontres B2B test (synthétique)")
    me = register(db, event_id=event, user_id=ann, name="Participant démo 1")
    others = [register(db, event_id=event, user_id=None, name=f"Participant démo {i}") for i in range(2, 9)]
    for i, other in enumerate(others[:4]):
        request(db, event_id=event, sender=me if i % 2 else other, to=other if i % 2 else me,
                priority="must" if i == 0 else "like")
    for a, b in zip(others[3:], others[4:]):
        request(db, event_id=event, sender=a, to=b)
    with db() as s:
        run = service.start_run(s, event=service.get_event(s, event_id=event), user_id=None, time_limit=10)
        s.commit()
        run_id = run.id
    assert service.run_schedule(db, run_id=run_id) == "optimal"
    startup = add_actor(db, "TreeFrog Therapeutics", "33600", kind="startup")
    with db() as s:
        ev = service.get_event(s, event_id=event)
        for start, end, room, kind, track, title, who in [
                ("09:00", "09:45", "Amphithéâtre", "plenary", "", "Plénière d'ouverture (démo)", "Genopole"),
                ("10:00", "11:00", "Amphithéâtre", "round_table", "Industrialisation", "Table ronde (démo)", "Genopole"),
                ("10:00", "11:00", "Salle Pasteur", "workshop", "Compétences", "Atelier (démo)", ""),
                ("11:15", "12:15", "Salle Pasteur", "pitch", "Innovation", "Pitchs des start-up (démo)",
                 "TreeFrog Therapeutics")]:
            speakers = [service.SpeakerInput(name=f"Intervenant·e démo {i}", affiliation=who) for i in (1, 2)]
            service.add_session(s, event=ev, title=title, kind=kind, room=room, track=track, day=DAY, start=start,
                                end=end, speakers=speakers)
        service.add_exhibitor(s, event=ev, actor_ref=str(startup), booth="V01")
        service.add_exhibitor(s, event=ev, actor_ref=str(organiser), booth="A01")
        s.commit()
    seller = add_actor(db, "Yposkesi", "91000")
    applicant = make_user(db, "booth@example.org", roles=[("member", "actor", seller)], name="Exposant démo 1")
    with db() as s:
        booths.apply_for_booth(s, event=service.get_event(s, event_id=event), user_id=applicant, actor_id=seller,
                               stand_type="standard", wish="A02, près de l'entrée", text="Vecteurs viraux (démo).")
        s.commit()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with serve(settings) as base:
        page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: problems.append(f"console.error: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        _login(page, base, "org@example.org", f"/events/{event}/organise")
        assert "Planning brouillon (non publié)" in page.locator("h2").all_inner_texts()
        page.click(f'tr[data-run="{run_id}"] button[type="submit"]')
        page.wait_for_load_state()
        assert "Planning publié" in page.locator("h2").all_inner_texts()
        grid = page.locator("table.event-grid").inner_text()
        assert grid.count("Participant démo 1") == 4  # her four meetings
        assert page.locator("table.event-grid li.event-meeting").count() == 7  # one line per meeting
        assert page.locator("table.event-grid td.event-time").first.evaluate(
            "e => getComputedStyle(e).whiteSpace") == "nowrap"  # a slot's day and time on one line
        page.screenshot(path=str(SCREENSHOTS / "events-organiser-schedule.png"), full_page=True)
        page.goto(f"{base}/events/{event}/booths/review")
        assert page.locator(".floor-plan a.booth").count() == 2
        page.select_option('tr[data-status="submitted"] select[name="decision"]', "accepted")  # no default decision
        page.fill('tr[data-status="submitted"] input[name="booth"]', "A02")
        page.click('tr[data-status="submitted"] button[type="submit"]')
        page.wait_for_load_state()
        assert page.locator(".floor-plan a.booth").count() == 3  # the accepted application, on the plan
        assert page.locator('tr[data-status="accepted"]').count() == 1
        page.screenshot(path=str(SCREENSHOTS / "events-booth-review.png"), full_page=True)
        page.goto(f"{base}/events/{event}/checkin")
        page.locator("#checkin-camera").wait_for(state="visible")  # ZXing loaded (CSP: scripts from files only)
        page.context.clear_cookies()
        _login(page, base, "ann@example.org", f"/events/{event}")
        assert page.locator("h1").inner_text() == "Rencontres B2B test (synthétique)"
        assert "planning publié\u202f: 7 rendez-vous" in page.locator("dl.event-facts").inner_text()
        assert page.locator(".floor-plan a.booth").count() == 3  # the floor plan's booths (one given on review)
        page.screenshot(path=str(SCREENSHOTS / "events-page.png"), full_page=True)
        page.goto(f"{base}/events/{event}/agenda")
        rows = page.locator("table.event-agenda-table tbody tr")
        assert rows.count() == 4
        assert page.locator('a[href$="/agenda.ics"]').count() == 1
        # the bell's unread count sits beside the bell, not on a line below it (which made the bar taller)
        bell, count = (page.locator(sel).bounding_box() for sel in (".bell-icon", ".bell-count"))
        assert bell and count and abs((bell["y"] + bell["height"] / 2) - (count["y"] + count["height"] / 2)) < 4, (bell, count)
        assert page.locator("header.topbar").bounding_box()["height"] <= 60
        page.screenshot(path=str(SCREENSHOTS / "events-agenda.png"), full_page=True)
        page.goto(f"{base}/events/{event}/programme")
        assert page.locator("li.programme-session").count() == 4
        assert page.locator(f'a[href="/actors/{startup}"]').count() == 2  # the pitch's speakers, linked
        page.locator("li.programme-session").first.locator('button[type="submit"]').click()  # into my agenda
        page.wait_for_load_state()
        assert page.locator("li.programme-session").first.locator("button").inner_text() == "Retirer de mon agenda"
        page.screenshot(path=str(SCREENSHOTS / "events-programme.png"), full_page=True)
        page.goto(f"{base}/events/{event}/badge")
        assert page.locator("article.badge .badge-qr svg").count() == 1
        assert page.locator("article.badge .badge-name").inner_text() == "Participant démo 1"
        page.locator("article.badge").screenshot(path=str(SCREENSHOTS / "events-badge.png"))
    with db() as s:
        assert s.get(ScheduleRun, run_id).published_at is not None
    assert problems == []
    assert (SCREENSHOTS / "events-agenda.png").stat().st_size > 10_000
