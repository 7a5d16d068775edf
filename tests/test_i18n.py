"""Every UI message has a French translation; French is the default, English is available."""

import importlib.util
import re
from pathlib import Path

from bioatlas.core.i18n import Translator, catalog, pick_language

ROOT = Path(__file__).resolve().parents[1]


def _extractor():
    spec = importlib.util.spec_from_file_location("extract_messages", ROOT / "scripts" / "extract_messages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_message_is_translated_to_french():
    ex = _extractor()
    found = ex.messages()
    assert len(found) > 40
    french = catalog("fr")
    missing = sorted(m for m in found if not french.get(m))
    assert missing == []


def test_translator_and_language_choice():
    assert Translator("fr")("Map") == "Carte"
    assert Translator("en")("Map") == "Map"
    assert Translator("fr")("Page {page} of {pages}", page=2, pages=5) == "Page 2 sur 5"
    assert pick_language(None, None, "fr") == "fr"
    assert pick_language("en", "fr", "fr") == "en"
    assert pick_language("de", "en", "fr") == "en"


def test_pages_default_to_french(client):
    r = client.get("/sources")
    assert 'lang="fr"' in r.text and "Sources des données" in r.text
    r = client.get("/sources", params={"lang": "en"})
    assert "Data sources" in r.text


def test_every_plural_message_has_its_french_forms():
    from bioatlas.core.i18n import plural_catalog

    found = _extractor().plural_messages()
    assert found, "t.plural is used somewhere"
    forms = plural_catalog("fr")
    assert sorted(s for s, _p in found if len(forms.get(s, ())) < 2) == []


def test_plurals_follow_each_language_rule():
    en, fr = Translator("en"), Translator("fr")
    assert [en.plural("{n} value", "{n} values", n) for n in (0, 1, 2)] == ["0 values", "1 value", "2 values"]
    assert [fr.plural("{n} value", "{n} values", n) for n in (0, 1, 2)] == ["0 valeur", "1 valeur", "2 valeurs"]
    assert en.colon == ":" and fr.colon == "\u202f:"


# Rooms whose field refusals (core.fields.FieldError) are message ids with params, translated on
# their pages (`refusal_text`): a room is added here once its call sites are converted.
REFUSAL_ROOMS = ("core", "web", "observatory", "inference", "contributions", "events", "jobboard", "opportunities", "oneshop", "calls", "capacity",
                 "atlas", "review", "messaging", "accounts", "notifications", "search", "resolve")


def test_every_field_refusal_is_a_message_id_with_its_french_translation():
    import re

    ex = _extractor()
    assert ex.built_refusals(REFUSAL_ROOMS) == [], "a FieldError message built in place: use params={...}"
    found = ex.refusal_messages(REFUSAL_ROOMS)
    assert {"required", "too long ({length} characters, at most {max})"} <= found
    french = catalog("fr")
    assert sorted(m for m in found if not french.get(m)) == []

    def names(text):
        return sorted(set(re.findall(r"(?<!\{)\{(\w+)", text)))

    assert [m for m in found if names(french[m]) != names(m)] == [], "French placeholders differ from the id's"


def test_a_refusal_is_shown_in_the_reader_language():
    from bioatlas.core.fields import FieldError, plain_text, refusal_text

    try:
        plain_text("title", "x" * 12, 10)
    except FieldError as exc:
        err = exc
    assert err.message == "too long (12 characters, at most 10)" and str(err) == "title: " + err.message
    assert refusal_text(Translator("fr"), err) == "trop long (12 caractères, 10 au plus)"
    assert refusal_text(Translator("en"), err, with_field=True, labels={"title": "Title"}) == \
        "Title: too long (12 characters, at most 10)"
    assert refusal_text(Translator("fr"), err, with_field=True) == "title\u202f: trop long (12 caractères, 10 au plus)"


def test_every_status_word_in_a_refusal_has_its_french_form():
    """A status shown inside a refusal is a `Word(status, context)`: each context used in the code
    is one of these, and each status of its set has a French entry under that msgctxt."""
    import ast

    from bioatlas.calls.models import CALL_STATUSES
    from bioatlas.capacity.models import STATUSES as PROFILE_STATUSES
    from bioatlas.contributions.models import STATUSES as CONTRIBUTION_STATUSES
    from bioatlas.core.i18n import context_catalog
    from bioatlas.events.booth_models import BOOTH_STATUSES
    from bioatlas.events.models import REGISTRATION_STATUSES, REQUEST_STATUSES, RUN_STATUSES
    from bioatlas.messaging.models import STATUSES as CONVERSATION_STATUSES
    from bioatlas.opportunities.models import INTEREST_STATUSES, STATUSES

    sets = {"booth application status": BOOTH_STATUSES, "run status": RUN_STATUSES,
            "meeting request status": REQUEST_STATUSES, "registration status": REGISTRATION_STATUSES,
            "opportunity status": STATUSES, "interest status": INTEREST_STATUSES, "call status": CALL_STATUSES,
            "capacity profile status": PROFILE_STATUSES, "contribution status": CONTRIBUTION_STATUSES,
            "conversation status": CONVERSATION_STATUSES}
    used = set()
    for path in _extractor().room_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Word":
                assert isinstance(node.args[1], ast.Constant), f"{path}:{node.lineno}: a Word's context is a literal"
                used.add(node.args[1].value)
    assert used == set(sets)
    french = context_catalog("fr")
    assert sorted((c, s) for c, words in sets.items() for s in words if not french.get((c, s))) == []
    fr = Translator("fr")
    assert fr.pgettext("opportunity status", "published") == "publiée" and fr.pgettext("call status", "published") == "publié"


def test_a_date_in_a_refusal_is_in_the_reader_style():
    """A call's deadline in a refusal: the reader's style of date on a French page, the API's
    English text unchanged."""
    from datetime import datetime, timezone

    from bioatlas.calls.models import Call
    from bioatlas.calls.reads import CallError, deadline_moment
    from bioatlas.core.fields import refusal_text

    call = Call(closes_at=datetime(2026, 12, 6, 17, 0, tzinfo=timezone.utc), timezone="Europe/Paris")
    err = CallError("deadline", "the call closed on {deadline}", 409, params={"deadline": deadline_moment(call)})
    assert err.message == "the call closed on 2026-12-06 18:00 (Europe/Paris, UTC+0100)"
    assert refusal_text(Translator("fr"), err) == "l'appel a fermé le 6 décembre 2026 à 18:00 (heure de Paris)"
    assert refusal_text(Translator("en"), err) == err.message
    from datetime import date

    from bioatlas.core.fields import FieldError, Moment

    past = FieldError("expires_on", "the date is in the past ({when})", params={"when": Moment("2026-12-01", date(2026, 12, 1))})
    assert past.message == "the date is in the past (2026-12-01)"
    assert refusal_text(Translator("fr"), past) == "la date est passée (1 décembre 2026)"


def test_a_day_in_a_notification_is_in_the_recipient_style():
    """Notifications write days as their recipient reads them (the pages' CLDR patterns, with the
    weekday), in French and in English; the time stays in the zone the room gave."""
    from datetime import date, datetime, timezone

    from bioatlas.core.moments import Moment
    from bioatlas.notifications.service import render

    offer = {"title": "Technicien·ne démo", "employer": "Employeur démo",
             "expires_on": Moment("2027-01-05", date(2027, 1, 5))}
    assert render(kind="jobboard.expiring", language="fr", context=offer)[0] == \
        "Votre offre «\u00a0Technicien·ne démo\u00a0» expire le mardi 5 janvier 2027"
    assert render(kind="jobboard.expiring", language="en", context=offer)[0] == \
        "Your offer “Technicien·ne démo” expires on Tuesday 5 January 2027"
    at = datetime(2027, 1, 5, 9, 30, tzinfo=timezone.utc)
    unread = {"count": 1, "senders": ["Participant démo 1"], "label": None, "mute_url": "/m",
              "items": [{"sender": "Participant démo 1", "body": "Bonjour", "at": Moment("2027-01-05 09:30 UTC", at, " UTC")}]}
    assert "- Participant démo 1 (mardi 5 janvier 2027 à 09:30 UTC)\u202f:" in render(
        kind="messaging.unread", language="fr", context=unread)[1]
    assert "- Participant démo 1 (Tuesday 5 January 2027 at 09:30 UTC):" in render(
        kind="messaging.unread", language="en", context=unread)[1]
    days = {"event": "Rencontres démo", "status": "registered", "position": None,
            "dates": Moment("2027-01-05 – 2027-01-06", date(2027, 1, 5), until=date(2027, 1, 6))}
    assert "(Tuesday 5 January 2027 – Wednesday 6 January 2027) is confirmed" in render(
        kind="events.registration", language="en", context=days)[1]


def test_the_policy_refusals_read_in_the_reader_language(client):
    """A page refused by the policy (not signed in, no CSRF token) says so in the reader's
    language; the JSON answer keeps the English text."""
    html = {"Accept": "text/html"}
    r = client.get("/messages", headers=html)
    assert r.status_code == 401 and "connexion requise\u202f: connectez-vous" in r.text
    assert "authentication required: log in" in client.get("/messages?lang=en", headers=html).text
    r = client.post("/account/login?lang=fr", data={"email": "a@example.org", "password": "x"}, headers=html)
    assert r.status_code == 403 and "jeton CSRF absent ou invalide\u202f: rechargez la page" in r.text
    r = client.get("/api/v1/messages")
    assert r.status_code == 401 and r.json()["detail"].startswith("authentication required: log in")
    # Starlette's own answers too: an unknown address
    r = client.get("/no-such-page?lang=fr", headers=html)
    assert r.status_code == 404 and "Cette page n&#39;existe pas." in r.text and "Not Found" not in r.text
    assert "This page does not exist." in client.get("/no-such-page?lang=en", headers=html).text
    assert client.get("/api/v1/no-such-endpoint?lang=fr").json() == {
        "detail": "Not Found", "field": "path", "message": "Cette page n'existe pas."}


def test_the_calls_pages_words_have_their_french_forms():
    """The calls pages show a call's kind, an application's status and result and the review's
    decisions through `t.pgettext(context, word)`: every word of each set has its French form."""
    from bioatlas.calls.models import APPLICATION_STATUSES, CALL_KINDS, RESULTS
    from bioatlas.core.i18n import context_catalog
    from bioatlas.review.models import DECISIONS

    sets = {"call kind": CALL_KINDS, "application status": APPLICATION_STATUSES, "application result": RESULTS,
            "review decision": DECISIONS}
    french = context_catalog("fr")
    assert sorted((c, w) for c, words in sets.items() for w in words if not french.get((c, w))) == []
    used = set()
    for path in (ROOT / "src" / "bioatlas" / "calls" / "templates").rglob("*.html"):
        used |= set(re.findall(r'pgettext\("([^"]+)"', path.read_text(encoding="utf-8")))
    assert set(sets) <= used  # besides "call status" and "milestone status", checked with their rooms


def test_an_actor_page_writes_its_day_as_its_reader(client, db):
    """The actor page's "last updated" day in the reader's style, not ISO."""
    from tests.contributions.helpers import add_actor

    actor = add_actor(db, "Genopole", "91000", kind="cluster")
    french = re.search(r'<p class="updated">(.*?)</p>', client.get(f"/actors/{actor}?lang=fr").text).group(1)
    assert re.search(r"(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) \d{1,2} \w+ \d{4}$", french), french
    english = re.search(r'<p class="updated">(.*?)</p>', client.get(f"/actors/{actor}?lang=en").text).group(1)
    assert re.search(r"(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day \d{1,2} [A-Z][a-z]+ \d{4}$", english), english


def test_a_view_parameter_refused_in_the_reader_language(client):
    """A bad filter or search parameter: a page names it in the reader's language, the API in English."""
    html = {"Accept": "text/html"}
    r = client.get("/search?scope=nope&lang=fr", headers=html)
    assert r.status_code == 422 and "scope\u202f: attendu\u202f: l&#39;une de sector, all, pas &#39;nope&#39;" in r.text
    r = client.get("/search?radius_km=5&lang=fr", headers=html)
    assert r.status_code == 422 and "radius_km\u202f: demande `near` (une commune)" in r.text
    r = client.get("/api/v1/actors?kind=licorne")
    assert r.status_code == 422 and r.json()["detail"]["field"] == "kind"
    assert r.json()["detail"]["message"].startswith("kind: unknown value 'licorne'; expected one of ")
