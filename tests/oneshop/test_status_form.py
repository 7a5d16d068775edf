"""The partner's status form keeps the request's status unless the partner picks another one: its
list opens on the current status, "(no change)" (it opened on "taken" for a new request, so a
partner who only wrote a next step and saved took the request); saving a next step alone changes
nothing else, on the page and in the API; a status a partner may not set ("new") is refused naming
the field by its label in the reader's language, never a 500; a next step whose day has passed is
kept when the status moves (resubmitted as it was, it was refused as "a date from today on")."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest

from bioatlas.oneshop.models import RoutedRequest
from tests.accounts.fixtures import csrf_of, login
from tests.oneshop.helpers import make_case
from tests.oneshop.test_flow import world  # noqa: F401  (fixture)

OPTION = re.compile(r'<option value="([^"]*)"( selected)?>([^<]*)</option>')


def _status_options(page: str, routed: int) -> tuple[str, str, list[str]]:
    """The status list of a request's form: the option shown (the selected one, else the first),
    its text, and every value offered."""
    article = page.split(f'data-request="{routed}"', 1)[1].split("</article>", 1)[0]
    select = article.split('<select name="status"', 1)[1].split("</select>", 1)[0]
    options = OPTION.findall(select)
    shown = next((o for o in options if o[1]), options[0])
    return shown[0], html.unescape(shown[2]), [value for value, _, _ in options]


@pytest.fixture
def partner(db, client, world):  # noqa: F811
    p1 = world["partners"][0]
    case_id, (routed,) = make_case(db, owner=world["users"]["founder"], partners=[p1])
    login(client, "p1@test.invalid")
    return case_id, routed, csrf_of(client, f"/oneshop/cases/{case_id}")


def _request(db, routed: int) -> RoutedRequest:
    with db() as s:
        r = s.get(RoutedRequest, routed)
        s.expunge(r)
        return r


def test_the_form_opens_on_the_current_status_and_a_next_step_alone_keeps_it(db, client, partner):
    case_id, routed, token = partner
    page = client.get(f"/oneshop/cases/{case_id}")
    assert _status_options(page.text, routed) == (
        "", "nouvelle (sans changement)", ["", "taken", "in_progress", "answered", "closed", "declined"])
    english = client.get(f"/oneshop/cases/{case_id}?lang=en").text
    assert _status_options(english, routed)[1] == "new (no change)"
    # the form as the page sends it, only the next step written
    r = client.post(f"/oneshop/requests/{routed}/status", follow_redirects=False,
                    data={"csrf_token": token, "status": "", "reason": "", "next_step": "Appel lundi", "next_step_on": ""})
    assert r.status_code == 303, r.text
    saved = _request(db, routed)
    assert (saved.status, saved.next_step, saved.owner_user_id) == ("new", "Appel lundi", None)
    # taken on purpose: the list then opens on "taken", and "taken" is not offered twice
    r = client.post(f"/oneshop/requests/{routed}/status", follow_redirects=False,
                    data={"csrf_token": token, "status": "taken", "next_step": "Appel lundi"})
    assert r.status_code == 303 and _request(db, routed).status == "taken"
    value, text, offered = _status_options(client.get(f"/oneshop/cases/{case_id}?lang=fr").text, routed)
    assert (value, text, offered) == ("", "prise en charge (sans changement)", ["", "in_progress", "answered", "closed", "declined"])


def test_a_status_a_partner_may_not_set_is_refused_by_its_label(db, client, partner):
    case_id, routed, token = partner
    for lang, label in (("fr", "Statut\u202f: ce statut n&#39;est pas de ceux qu&#39;un partenaire peut choisir"),
                        ("en", "Status: not a status a partner may set")):
        for status in ("new", "lost"):
            r = client.post(f"/oneshop/requests/{routed}/status?lang={lang}", follow_redirects=False,
                            data={"csrf_token": token, "status": status, "next_step": "Appel"})
            assert r.status_code == 422 and label in r.text, (lang, status, r.status_code)
    assert (_request(db, routed).status, _request(db, routed).next_step) == ("new", "")
    api = client.post(f"/api/v1/oneshop/requests/{routed}/status", headers={"X-CSRF-Token": token}, json={"status": "new"})
    assert api.status_code == 422 and api.json()["field"] == "status", api.text


def test_the_api_keeps_the_status_when_none_is_given(db, client, partner):
    _, routed, token = partner
    r = client.post(f"/api/v1/oneshop/requests/{routed}/status", headers={"X-CSRF-Token": token},
                    json={"next_step": "Visite"})
    assert r.status_code == 200 and (r.json()["status"], r.json()["next_step"]) == ("new", "Visite"), r.text


def test_a_declined_request_or_a_past_step_is_kept_when_saved_again(db, client, partner):
    case_id, routed, token = partner
    passed = date.today() - timedelta(days=3)
    with db() as s:
        r = s.get(RoutedRequest, routed)
        r.status, r.decline_reason, r.next_step, r.next_step_on = "declined", "Hors périmètre", "Rappeler", passed
        s.commit()
    # the form as the page fills it: no status change, no reason retyped, the step's passed day as it was
    r = client.post(f"/oneshop/requests/{routed}/status", follow_redirects=False,
                    data={"csrf_token": token, "status": "", "reason": "", "next_step": "Rappeler en janvier",
                          "next_step_on": passed.isoformat()})
    assert r.status_code == 303, r.text
    saved = _request(db, routed)
    assert (saved.status, saved.decline_reason, saved.next_step, saved.next_step_on) == (
        "declined", "Hors périmètre", "Rappeler en janvier", passed)
    r = client.post(f"/oneshop/requests/{routed}/status", follow_redirects=False,
                    data={"csrf_token": token, "status": "in_progress", "next_step": "Rappeler en janvier",
                          "next_step_on": passed.isoformat()})
    assert r.status_code == 303 and _request(db, routed).status == "in_progress"
    earlier = (passed - timedelta(days=1)).isoformat()  # a new day in the past is still refused, by its label
    r = client.post(f"/oneshop/requests/{routed}/status", follow_redirects=False,
                    data={"csrf_token": token, "status": "", "next_step": "Rappeler", "next_step_on": earlier})
    assert r.status_code == 422 and "Prochaine étape – Date\u202f:" in r.text, r.status_code
