"""What only a routed request's partner sees and edits (its status form: status, reason, next step
and its date; its private notes), and what the others do not: a visitor, a signed-in user, a member
of an organisation the case is not routed to, the partner of the case's other request, the company
and a coordinator. Each reader is asked through the one policy (`can(..., "oneshop.partner", ...)`)
and over HTTP, the page and the JSON API, so the fields shown and the writes accepted follow it.
The company's comment on a partner's help is read by the company and that partner, never by a
coordinator, on the page and in the API alike (the API gave it to the company only)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bioatlas.accounts.models import User
from bioatlas.accounts.policy import ANONYMOUS, can, principal_for
from bioatlas.oneshop import service
from bioatlas.oneshop.models import Note, RoutedRequest
from tests.accounts.fixtures import csrf_of, login
from tests.oneshop.helpers import make_case, quick_user
from tests.oneshop.test_flow import world  # noqa: F401  (fixture)

API = "/api/v1/oneshop"
NOTE = "Note privée de P1"
COMMENT = "Réponse rapide, merci"
READERS = ("visitor", "eve", "outsider", "p2", "founder", "admin", "p1")


def _fields(routed: int) -> tuple[str, ...]:
    """The partner's controls on its request, as the page writes them."""
    return (f'action="/oneshop/requests/{routed}/status"', 'name="status"', 'name="reason"', 'name="next_step"',
            'name="next_step_on"', f'action="/oneshop/requests/{routed}/notes"')


@pytest.fixture
def case(db, world):  # noqa: F811
    p1, p2, _ = world["partners"]
    quick_user(db, "outsider@test.invalid", roles=[("member", "actor", world["other"])])  # another organisation
    case_id, (r1, r2) = make_case(db, owner=world["users"]["founder"], partners=[p1, p2], needs=("regulatory", "funding"))
    with db() as s:
        service.set_status(s, request_id=r1, user_id=world["users"]["p1"], status="answered", next_step="Visite du site",
                           next_step_on="2099-03-01")
        service.add_note(s, request_id=r1, user_id=world["users"]["p1"], body=NOTE)
        service.close_case(s, case_id=case_id, outcome="established", user_id=None)
        service.rate(s, request_id=r1, score="4", comment=COMMENT, user_id=None)
        s.commit()
    return case_id, r1, r2


def _sign_in(client, reader: str) -> dict:
    client.cookies.clear()
    if reader == "visitor":
        return {"X-CSRF-Token": csrf_of(client, "/oneshop")}
    login(client, f"{reader}@test.invalid")
    return {"X-CSRF-Token": csrf_of(client, "/oneshop")}


def _allowed(db, reader: str, routed: int) -> bool:
    with db() as s:
        p = ANONYMOUS if reader == "visitor" else principal_for(
            s, s.scalar(select(User).where(User.email == f"{reader}@test.invalid")))
        return can(p, "oneshop.partner", service.request_scope(s, request_id=routed))


def test_only_the_partner_sees_its_fields_and_notes(db, client, case):
    case_id, r1, r2 = case
    assert {reader: _allowed(db, reader, r1) for reader in READERS} == {r: r == "p1" for r in READERS}
    for reader in READERS:
        partner = reader == "p1"
        _sign_in(client, reader)
        page = client.get(f"/oneshop/cases/{case_id}")
        assert page.status_code == {"visitor": 401, "eve": 403, "outsider": 403}.get(reader, 200), (reader, page.status_code)
        article = page.text.split(f'data-request="{r1}"', 1)[1].split("</article>", 1)[0] \
            if f'data-request="{r1}"' in page.text else ""
        shown = [f for f in _fields(r1) if f in article]
        assert shown == (list(_fields(r1)) if partner else []), (reader, shown)
        assert (NOTE in page.text) == partner, reader
        assert (COMMENT in page.text) == (reader in ("p1", "founder")), reader  # the company and the rated partner
        if reader == "p2":  # the case's other partner: its own request's form, not p1's request at all
            assert f'action="/oneshop/requests/{r2}/status"' in page.text and f'data-request="{r1}"' not in page.text
        r = client.get(f"{API}/cases/{case_id}")
        assert r.status_code == page.status_code, (reader, r.status_code)
        if r.status_code == 200:
            requests = {x["id"]: x for x in r.json()["requests"]}
            assert (r1 in requests) == (reader != "p2") and ("notes" in requests.get(r1, {})) == partner, reader
            if partner:
                assert [n["body"] for n in requests[r1]["notes"]] == [NOTE]
            if reader == "p2":  # its own request with its own (empty) notes, nothing of p1's
                assert list(requests) == [r2] and requests[r2]["notes"] == [] and NOTE not in r.text
            else:
                assert all("notes" not in x for i, x in requests.items() if i != r1), reader
                comments = {i: x["satisfaction_comment"] for i, x in requests.items() if "satisfaction_comment" in x}
                assert comments == ({r1: COMMENT, **({r2: None} if reader == "founder" else {})}
                                    if reader in ("p1", "founder") else {}), (reader, comments)
                assert requests[r1]["next_step"] == "Visite du site"  # shared with whoever reads the request
        mine = client.get(f"{API}/requests")
        assert mine.status_code == (401 if reader == "visitor" else 200), reader
        if mine.status_code == 200:
            assert (r1 in [x["id"] for x in mine.json()["requests"]]) == partner, reader


@pytest.mark.parametrize("reader", READERS)
def test_only_the_partner_edits_its_request(db, client, case, reader):
    case_id, r1, _ = case
    h = _sign_in(client, reader)
    allowed = _allowed(db, reader, r1)
    form = client.post(f"/oneshop/requests/{r1}/status", follow_redirects=False,
                       data={"csrf_token": h["X-CSRF-Token"], "status": "in_progress", "next_step": f"Page {reader}"})
    note = client.post(f"/oneshop/requests/{r1}/notes", follow_redirects=False,
                       data={"csrf_token": h["X-CSRF-Token"], "body": f"Note page {reader}"})
    api = client.post(f"{API}/requests/{r1}/status", headers=h, json={"status": "answered", "next_step": f"API {reader}"})
    api_note = client.post(f"{API}/requests/{r1}/notes", headers=h, json={"body": f"Note API {reader}"})
    codes = (form.status_code, note.status_code, api.status_code, api_note.status_code)
    refused = 401 if reader == "visitor" else 403
    assert codes == ((303, 303, 200, 201) if allowed else (refused,) * 4), (reader, codes)
    with db() as s:
        r = s.get(RoutedRequest, r1)
        notes = list(s.scalars(select(Note.body).where(Note.request_id == r1).order_by(Note.id)))
    if allowed:
        assert (r.status, r.next_step) == ("answered", f"API {reader}")
        assert notes == [NOTE, f"Note page {reader}", f"Note API {reader}"]
    else:
        assert (r.status, r.next_step, notes) == ("answered", "Visite du site", [NOTE]), reader
