"""What a French reader of the connect half tripped on (session 24's screenshots):

- a name put after "de" was not elided: the one-stop shop's timeline said "première réponse de
  Agence test 1", a capacity notice "Profil de capacités de Institut …", a relation "membre de
  Agence …". One rule (core/elision.py) writes "d'Agence", "l'Hôpital", "qu'Inserm", and keeps
  "de Biocorp", "de Hauts-de-France" (aspirated h), "de Yaoundé", "le 8 décembre";
- the one-stop shop's empty lists said "Aucun." under feminine nouns (notes, rules, requests,
  suggestions, zones): each now names its noun ("Aucune note.", "Aucun document.")."""

from __future__ import annotations

import html

import pytest

from bioatlas.core.elision import elide, elides_before, join
from bioatlas.core.i18n import Translator
from bioatlas.core.moments import zone_named
from bioatlas.notifications.service import render
from bioatlas.oneshop import service
from tests.accounts.fixtures import login
from tests.contributions.helpers import add_actor
from tests.oneshop.helpers import make_case, quick_user


@pytest.mark.parametrize(("word", "name", "expected"), [
    ("de", "Agence test 1", "d'Agence test 1"),  # a vowel
    ("de", "Île-de-France", "d'Île-de-France"),  # an accented vowel
    ("de", "Œuvre", "d'Œuvre"),
    ("le", "Hôpital Foch", "l'Hôpital Foch"),  # a mute h
    ("de", "Haute-Savoie", "de Haute-Savoie"),  # an aspirated h
    ("de", "Hauts-de-France", "de Hauts-de-France"),
    ("de", "Biocorp", "de Biocorp"),  # a consonant
    ("que", "Inserm", "qu'Inserm"),
    ("de", "Yvetot", "d'Yvetot"), ("de", "Yaoundé", "de Yaoundé"),  # y before a consonant, before a vowel
    ("le", "8 décembre", "le 8 décembre"), ("de", "« Agence »", "de « Agence »"),  # a figure, a quote
    ("De", "Agence", "D'Agence"), ("à", "Agence", "à Agence"),  # the capital kept; "à" does not elide
    ("de", "immediate, digest, off", "de immediate, digest, off"),  # code words, not a name
    ("de", "H2302", "de H2302"), ("de", "A", "de A"),  # a code, a letter
])
def test_the_elision_rule(word, name, expected):
    assert elide(word, name) == expected


def test_joined_words_and_catalogue_entries_elide_in_french_only():
    assert join("première réponse de", "Agence test 1") == "première réponse d'Agence test 1"
    assert join("première réponse de", "Pôle test 2") == "première réponse de Pôle test 2"
    assert not elides_before("") and not elides_before("42")
    fr, en = Translator("fr"), Translator("en")
    assert fr.join(fr("first answer from"), "Agence test 1") == "première réponse d'Agence test 1"
    assert en.join(en("first answer from"), "Agence test 1") == "first answer from Agence test 1"
    entry = "{a} is a member of {b} (atlas relation)"
    assert fr(entry, a="Biocorp", b="Agence X") == "Biocorp est membre d'Agence X (relation de l'atlas)"
    assert fr(entry, a="Biocorp", b="Pôle Y") == "Biocorp est membre de Pôle Y (relation de l'atlas)"
    assert en(entry, a="Biocorp", b="Agence X") == "Biocorp is a member of Agence X (atlas relation)"
    assert fr.quote("Nom") == "«\u00a0Nom\u00a0»" and en.quote("Name") == "“Name”"  # guillemets held together
    assert zone_named("Europe/Athens", "fr") == "heure d'Athènes" and zone_named("Europe/Paris", "fr") == "heure de Paris"


def test_notices_elide_the_name_after_de():
    subject, body = render(kind="capacity.reviewed", language="fr",
                           context={"actor": "Institut test", "decision": "verify", "reason": ""})
    assert subject.startswith("Profil de capacités d'Institut test\u202f: ") and "capacités d'Institut test a été" in body
    subject, _ = render(kind="capacity.reviewed", language="fr", context={"actor": "Biocorp", "decision": "reject", "reason": ""})
    assert subject == "Profil de capacités de Biocorp\u202f: refusé"
    subject, body = render(kind="events.booth", language="fr", context={
        "actor": "Agence test", "event": "Assises test", "booth": "B2", "status": "refused", "reason": ""})
    assert "La demande de stand d'Agence test à Assises test est refusée." in body
    subject, _ = render(kind="messaging.unread", language="fr", context={
        "count": 1, "senders": ["Élise"], "label": "", "items": [], "mute_url": "x"})
    assert subject == "1 message non lu d'Élise"


def test_one_stop_shop_in_french_elides_and_agrees(db, client):
    partner = add_actor(db, "Agence test 1", "91000", kind="public_agency")
    quick_user(db, "partner@test.invalid", roles=[("member", "actor", partner)])
    founder = quick_user(db, "founder@test.invalid")
    quick_user(db, "admin@test.invalid", admin=True)
    case_id, routed = make_case(db, owner=founder, partners=[partner])
    with db() as s:
        service.set_status(s, request_id=routed[0], user_id=None, status="answered")
        s.commit()
    login(client, "partner@test.invalid")
    page = html.unescape(client.get(f"/oneshop/cases/{case_id}?lang=fr").text)
    assert "première réponse d'Agence test 1" in page and "de Agence" not in page
    assert "Aucune note." in page and "Aucun document." in page and "Aucun." not in page
    with db() as s:
        service.add_note(s, request_id=routed[0], user_id=None, body="Rappeler lundi")
        service.close_case(s, case_id=case_id, outcome="established", user_id=None)
        s.commit()
    page = html.unescape(client.get(f"/oneshop/cases/{case_id}?lang=fr").text)
    # a note's line said "note privée Agence test 1", a closed case's "dossier clos implanté"
    assert "note privée d'Agence test 1" in page and "dossier clos\u202f: implanté" in page
    client.post("/account/logout", data={"csrf_token": client.cookies.get("bioatlas_csrf", "")})
    client.cookies.clear()
    login(client, "founder@test.invalid")
    page = html.unescape(client.get(f"/oneshop/cases/{case_id}?lang=en").text)
    assert "first answer from Agence test 1" in page and "case closed: established" in page
    client.post("/account/logout", data={"csrf_token": client.cookies.get("bioatlas_csrf", "")})
    client.cookies.clear()
    login(client, "admin@test.invalid")
    page = html.unescape(client.get("/oneshop/admin?lang=fr").text)
    assert "Aucune règle." in page and "Aucun." not in page and "Aucune." not in page
    with db() as s:
        service.add_rule(s, values={"need": "funding", "region": "11", "modality": "aav", "actor_id": str(partner)}, user_id=None)
        service.add_rule(s, values={"need": "permits", "actor_id": str(partner)}, user_id=None)
        s.commit()
    page = html.unescape(client.get("/oneshop/admin?lang=fr").text)
    # a rule's wildcard said "*" and its modality its code ("aav"); the form's modality was a text field for a code
    assert ">toutes les régions<" in page and ">toutes les modalités<" in page and ">toutes les tailles<" in page
    assert ">*<" not in page and ">aav<" not in page and '<select name="modality">' in page


def test_the_job_board_search_button_is_a_verb(client):
    """The job board's buttons said "Recherche" (the noun, the search page's title): a button says what it does."""
    for path in ("/jobboard", "/jobboard/likely-employers"):
        page = client.get(f"{path}?lang=fr").text
        assert '<button type="submit">Rechercher</button>' in page, path
        assert '<button type="submit">Search</button>' in client.get(f"{path}?lang=en").text, path


def test_a_call_page_says_its_rules_and_fields_in_words(db, client):
    """A call's page said "Région (code INSEE) : 11", "Modalité (choice, …)", "au plus 3000 caractères" and
    "application/pdf, au plus 2000000 octets": the region's name, the kind in words, figures grouped, a file's
    kind and size as a reader says them."""
    from tests.calls.helpers import make_call

    call_id = make_call(db, manager=None, eligibility={"regions": ["11"]})
    page = html.unescape(client.get(f"/calls/{call_id}?lang=fr").text)
    assert "Région\u202f: Île-de-France" in page and "code INSEE" not in page
    assert "au plus 2\u00a0ko" in page and "PDF" in page and "application/pdf" not in page and "octets" not in page
    english = html.unescape(client.get(f"/calls/{call_id}?lang=en").text)
    assert "Region: Île-de-France" in english and "at most 2 kB" in english


def test_a_project_card_says_its_days_and_partners_roles_in_words(db, client):
    """A structuring project's card said "2026-01-01 → 2027-01-01", a milestone "2026-03-01" and a partner
    "(lead)": the days as the reader writes them and the role in words."""
    from bioatlas.calls import service as calls
    from tests.calls.helpers import add_actor as add_call_actor

    a = add_call_actor(db, "Yposkesi", "91000")
    with db() as s:
        project = calls.create_project(s, title="P", region="11", modality="viral_vector", start_date="2026-01-01",
                                       end_date="2027-01-01", budget_eur=100, source_key="t", source_title="T",
                                       partners=[(a, "lead")], milestones=[{"title": "M", "due_date": "2026-03-01"}])
        s.commit()
        pid = project.id
    page = html.unescape(client.get(f"/projects/{pid}?lang=fr").text)
    assert "1 janv. 2026 → 1 janv. 2027" in page and "1 mars 2026 · M" in page and "Yposkesi</a> (chef de file)" in page
    assert "2026-01-01" not in page.split("<main>")[1] and "(lead)" not in page
    english = html.unescape(client.get(f"/projects/{pid}?lang=en").text)
    assert "1 Jan 2026 → 1 Jan 2027" in english and "Yposkesi</a> (lead)" in english


def test_an_event_s_management_page_says_its_sessions_days_in_words(db, client):
    """The organiser's session list said "2027-01-06 09:00–10:00" (an ISO day): the day as the reader writes it."""
    from babel.dates import format_date

    from bioatlas.events import service as events
    from bioatlas.events.models import Event
    from tests.events.helpers import DAY, make_event

    organiser = add_actor(db, "Agence organisatrice", "91000", kind="public_agency")
    quick_user(db, "org@test.invalid", roles=[("member", "actor", organiser)])
    event_id = make_event(db, organiser=organiser)
    with db() as s:
        events.add_session(s, event=s.get(Event, event_id), title="Ouverture", kind="plenary", room="Amphi", day=DAY,
                           start="09:00", end="10:00")
        s.commit()
    login(client, "org@test.invalid")
    page = html.unescape(client.get(f"/events/{event_id}/manage?lang=fr").text)
    assert f"{format_date(DAY, 'EEE d MMM', locale='fr')}, 09:00–10:00" in page and f"{DAY.isoformat()} 09:00" not in page
