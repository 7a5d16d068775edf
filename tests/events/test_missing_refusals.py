"""A form POST naming an object that does not exist (`pages.attempt`'s 404): the JSON `detail` is
the English message and `message` the reader's, with the path parameter as `field`; the page says
it in the reader's language. Before, `detail` held the reader's language (French for a French
reader) and the JSON answer had no `message`."""

from __future__ import annotations

import html

from tests.accounts.fixtures import csrf_of, login, make_user
from tests.contributions.helpers import add_actor
from tests.events.helpers import make_event

MISSING = 999999
# (path, form, field, English): one per object `attempt` may miss
ASKS = [
    ("/events/{e}/pitches/assign", {}, "event_id", "This event has no call for pitches."),
    ("/events/{e}/pitches/{m}/decide", {"decision": "selected", "rationale": "x"}, "application_id",
     "No such pitch application."),
    ("/events/{e}/booths/{m}/decide", {"decision": "accepted"}, "application_id", "No such booth application."),
    ("/events/{e}/sessions/{m}/delete", {"confirm": "yes"}, "session_id", "No such session."),
    ("/events/{e}/exhibitors/{m}/delete", {}, "exhibitor_id", "No such exhibitor."),
    ("/events/{e}/runs/{m}/publish", {}, "run_id", "No such scheduling run."),
    ("/events/{e}/requests/{m}/fix", {}, "request_id", "No such meeting request."),
]


def test_a_missing_object_of_an_event_form_keeps_an_english_detail(client, db):
    organiser = add_actor(db, "Medicen Paris Region", "75013", kind="cluster")
    make_user(db, "organiser@example.org", roles=[("member", "actor", organiser)])
    event = make_event(db, organiser=organiser)
    assert login(client, "organiser@example.org").status_code == 303
    csrf = csrf_of(client, f"/events/{event}/manage")
    wrong = []
    for path, form, field, english in ASKS:
        url = path.format(e=event, m=MISSING)
        answers = {lang: client.post(url, params={"lang": lang}, data={**form, "csrf_token": csrf}, follow_redirects=False)
                   for lang in ("fr", "en")}
        fr, en = answers["fr"], answers["en"]
        body = fr.json() if fr.headers["content-type"] == "application/json" else fr.text
        if fr.status_code != 404 or body.get("detail") != english or body.get("field") != field \
                or not body.get("message") or body["message"] == english or en.json().get("message") != english:
            wrong.append((url, fr.status_code, body))
    assert wrong == [], wrong
    page = client.post(f"/events/{event}/booths/{MISSING}/decide", params={"lang": "fr"}, headers={"accept": "text/html"},
                       data={"decision": "accepted", "csrf_token": csrf})
    assert page.status_code == 404 and "No such" not in page.text
    assert "Demande de stand introuvable." in html.unescape(page.text)
