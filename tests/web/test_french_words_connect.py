"""What the connect half's screenshots and notes of session 24 left (session 25):

- a call's deadline ended "(Europe/Paris, UTC+0100)" in both languages: the zone is named as a
  reader says it, "(heure de Paris)", "(Paris time)" (`core.moments.zone_named`, through a Moment's
  `zone`: the call's pages, its refusals in French, the unread messages' notice); the API and the
  CLI keep the ISO text with the offset;
- the search page's heading said "Recherche: « … »" (an English colon, guillemets with ordinary
  spaces): `t.colon` and `t.quote`; no template writes a colon, a semicolon, "!" or "?" after a
  word, nor quote marks, in its own text (read from the templates, so a new page is held to it);
- the job board's facet listed ROME families by bare code ("H23"): the ROME names occupations, not
  families, so the facet lists the occupations of the matching offers by name;
- an event's floor plan headed its zones "exposition", "village de l'innovation": capitalised
  headings."""

from __future__ import annotations

import bisect
import html
import re
from datetime import datetime, timezone

from bioatlas.core.i18n import Translator
from bioatlas.core.moments import Moment, written
from bioatlas.web import TEMPLATE_DIRS, templates
from tests.accounts.fixtures import login
from tests.contributions.helpers import add_actor

# a template's own text: tags (and their attributes), scripts, styles and comments blanked out
MARKUP = re.compile(r"<(script|style)\b.*?</\1>|<!--.*?-->|<[^>]*>", re.S)
# a mark ending a word or an expression, then a space: " :" / ": " written in the template itself
# (a code word such as "participant:{{ n }}" has no space after its colon); quote marks
LOOSE = re.compile(r"[«»“”]|[:;!?](?=\s|$)")


def _template_marks() -> list[str]:
    """Each place a template writes a mark or a quote in its own text (not through `t`)."""
    found = []
    for folder in TEMPLATE_DIRS:
        for path in sorted(folder.rglob("*.html")):
            parts, starts, lines, pos = [], [], [], 0
            for lineno, kind, value in templates.env.lex(path.read_text(encoding="utf-8")):
                piece = value if kind == "data" else "\x00" if kind == "variable_begin" else "\x01" if kind == "block_begin" else ""
                if piece:
                    starts.append(pos)
                    lines.append(lineno)
                    parts.append(piece)
                    pos += len(piece)
            text = "".join(parts)
            plain = MARKUP.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
            for m in LOOSE.finditer(plain):
                i = bisect.bisect_right(starts, m.start()) - 1
                line = lines[i] + text.count("\n", starts[i], m.start())
                found.append(f"{path.relative_to(folder)}:{line}: {plain[max(0, m.start() - 20):m.end() + 5].strip()!r}")
    return found


def test_no_template_writes_its_own_colon_or_quotes():
    """A label's colon is `t.colon` (U+202F before it in French), a list's semicolon `t.semicolon`,
    quoted words `t.quote(...)`: found written in place in 10 templates (the search's heading, a
    call's decision and a project's funding, an event's speakers, the likely employers' heading,
    the data sources, the duplicates' review, a roadmap's note, the observatory's sources)."""
    assert _template_marks() == []


def test_the_search_heading_quotes_the_words_in_the_reader_s_marks(client):
    page = html.unescape(client.get("/search", params={"q": "vaccins", "lang": "fr"}).text)
    assert "<h1>Recherche\u202f: «\u00a0vaccins\u00a0»</h1>" in page
    page = html.unescape(client.get("/search", params={"q": "vaccins", "lang": "en"}).text)
    assert "<h1>Search: “vaccins”</h1>" in page


def test_a_deadline_names_its_zone_in_the_reader_s_words(db, client):
    from babel.dates import format_date

    from bioatlas.calls import service as calls
    from bioatlas.calls.models import Call
    from tests.calls.helpers import make_call

    call_id = make_call(db, manager=None)
    with db() as s:
        local = calls.deadline_moment(s.get(Call, call_id)).value
    for lang, day, zone in (("fr", f"{format_date(local, 'EEEE d MMMM y', locale='fr')} à {local:%H:%M}", "(heure de Paris)"),
                            ("en", f"{format_date(local, 'EEEE d MMMM y', locale='en')} at {local:%H:%M}", "(Paris time)")):
        for path in (f"/calls/{call_id}", "/calls"):
            page = html.unescape(client.get(path, params={"lang": lang}).text)
            assert f"{day} {zone}" in page and "UTC+" not in page and "Europe/Paris" not in page, (path, lang)


def test_a_deadline_in_a_french_refusal_and_a_notice_names_its_zone():
    from bioatlas.calls.models import Call
    from bioatlas.calls.reads import CallError, deadline_moment
    from bioatlas.core.fields import refusal_text

    call = Call(closes_at=datetime(2026, 12, 6, 17, 0, tzinfo=timezone.utc), timezone="Europe/Athens")
    err = CallError("deadline", "the call closed on {deadline}", 409, params={"deadline": deadline_moment(call)})
    assert err.message == "the call closed on 2026-12-06 19:00 (Europe/Athens, UTC+0200)"  # the API's text
    assert refusal_text(Translator("fr"), err) == "l'appel a fermé le 6 décembre 2026 à 19:00 (heure d'Athènes)"
    sent = Moment("2027-01-05 10:30 (Europe/Paris)", datetime(2027, 1, 5, 10, 30), zone="Europe/Paris")
    assert written(sent, "fr") == "mardi 5 janvier 2027 à 10:30 (heure de Paris)"
    assert written(sent, "en") == "Tuesday 5 January 2027 at 10:30 (Paris time)"


def test_the_job_board_lists_occupations_by_name(db, client):
    from tests.jobboard.helpers import add_rome, make_offer

    employer = add_actor(db, "Yposkesi", "91000", kind="company")
    add_rome(db)
    make_offer(db, actor_id=employer)
    make_offer(db, actor_id=employer, rome_code="H1510", appellation_code="38053")
    page = html.unescape(client.get("/jobboard", params={"lang": "fr"}).text)
    facet = page.split('data-facet="occupation"')[1].split("</ul>")[0]
    assert "Conducteur / Conductrice de procédé de fabrication en industrie pharmaceutique</a> (1)" in facet
    assert "rome=H1510" in facet and "<h2>Métier (ROME)</h2>" in page
    assert 'data-facet="rome"' not in page and ">H23<" not in page and ">H15<" not in page
    english = html.unescape(client.get("/jobboard", params={"lang": "en"}).text)
    assert 'lang="fr">Technicien / Technicienne de laboratoire' in english and "<h2>Occupation (ROME)</h2>" in english
    chosen = html.unescape(client.get("/jobboard", params={"lang": "fr", "rome": "H1510"}).text)
    assert 'aria-current="true"' in chosen.split('data-facet="occupation"')[1].split("</ul>")[0]


def test_an_event_s_floor_plan_heads_its_zones_with_capitals(db, client):
    from bioatlas.events import service as events
    from bioatlas.events.models import Event
    from tests.events.helpers import make_event

    organiser = add_actor(db, "Genopole", "91000", kind="cluster")
    hall, village = add_actor(db, "Sanofi", "91000", kind="company"), add_actor(db, "TreeFrog", "91000", kind="startup")
    event_id = make_event(db, organiser=organiser)
    with db() as s:
        event = s.get(Event, event_id)
        events.add_exhibitor(s, event=event, actor_ref=str(hall), booth="A1", village=False)
        events.add_exhibitor(s, event=event, actor_ref=str(village), booth="V1", village=True)
        s.commit()
    page = html.unescape(client.get(f"/events/{event_id}", params={"lang": "fr"}).text)
    assert '<h3 class="zone-label">Exposition</h3>' in page and '<h3 class="zone-label">Village de l\'innovation</h3>' in page
    page = html.unescape(client.get(f"/events/{event_id}", params={"lang": "en"}).text)
    assert '<h3 class="zone-label">Exhibition</h3>' in page and '<h3 class="zone-label">Innovation village</h3>' in page


def test_the_one_stop_shop_names_the_occupations_recruited_in_the_region(db, client):
    from tests.jobboard.helpers import add_rome, make_offer
    from tests.oneshop.helpers import make_case, quick_user

    employer = add_actor(db, "Yposkesi", "91000", kind="company")
    add_rome(db)
    make_offer(db, actor_id=employer)
    partner = add_actor(db, "Agence test 1", "91000", kind="public_agency")
    founder = quick_user(db, "founder@test.invalid")
    case_id, _ = make_case(db, owner=founder, partners=[partner])
    login(client, "founder@test.invalid")
    page = html.unescape(client.get(f"/oneshop/cases/{case_id}", params={"lang": "fr"}).text)
    line = page.split('class="oneshop-recruiting">')[1].split("</p>")[0]
    assert "métiers les plus proposés\u202f: <span>Conducteur / Conductrice de procédé" in line and "H23" not in line


def test_a_case_s_documents_give_their_size_in_the_reader_s_units(db, client):
    """A document's size said "(2048 B)" on a French page: bytes, ko or Mo, tied to the figure."""
    from bioatlas.oneshop.models import Document
    from tests.oneshop.helpers import add_document, make_case, quick_user

    partner = add_actor(db, "Agence test 1", "91000", kind="public_agency")
    founder = quick_user(db, "founder@test.invalid")
    case_id, _ = make_case(db, owner=founder, partners=[partner])
    small, big = add_document(db, case_id=case_id, shared_with=None), add_document(db, case_id=case_id, shared_with=None)
    with db() as s:
        s.get(Document, small).size, s.get(Document, big).size = 640, 2_500_000
        s.commit()
    login(client, "founder@test.invalid")
    page = html.unescape(client.get(f"/oneshop/cases/{case_id}", params={"lang": "fr"}).text)
    assert "(640\u00a0octets)" in page and "(2,5\u00a0Mo)" in page and " B)" not in page
    english = html.unescape(client.get(f"/oneshop/cases/{case_id}", params={"lang": "en"}).text)
    assert "(640 bytes)" in english and "(2.5 MB)" in english
