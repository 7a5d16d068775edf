"""The one-stop shop's JSON API (/api/v1/oneshop): the same service calls and policy as the pages.
Intake refused by field and then routed; a partner sees its request only, moves it and writes a
private note, and is refused another partner's; the company reads everything of its case (no
notes), shares per partner, uploads (sniffed), closes and rates; coordinators read the routing,
figures and rules, not the documents; refusals are 4xx naming the field, never 500."""

from __future__ import annotations

import pytest

from bioatlas.core.config import load_settings
from bioatlas.oneshop.models import Case, Note
from tests.accounts.fixtures import csrf_of, login
from tests.oneshop.helpers import PDF
from tests.oneshop.test_flow import FORM, NEEDS3, _count, world  # noqa: F401  (fixture)

API = "/api/v1/oneshop"


@pytest.fixture
def settings(database_url, tmp_path):
    """The intake's rate limit (as sign-ups) raised: the story refuses six bad intakes first."""
    return load_settings(database_url=database_url, environment="test", data_dir=tmp_path, admin_token="t" * 32,
                         rate_limit_signup=50)


def _as(client, email: str) -> dict:
    """Sign in and return the headers of the session's CSRF token."""
    client.cookies.clear()
    login(client, email)
    return {"X-CSRF-Token": csrf_of(client, "/oneshop")}


def test_the_api_story(db, client, world):
    p1, p2, p3 = world["partners"]
    h = _as(client, "founder@test.invalid")
    for change, field in [({"email": "nope"}, "email"), ({"needs": "regulatory"}, "needs"),
                          ({"needs": ["magic"]}, "needs"), ({"jobs_planned": [1]}, "jobs_planned"),
                          ({"start_on": "2001-01-01"}, "start_on"), ({"details": "x"}, "details"),
                          ({"value_chain_steps": ["teleport"]}, "value_chain_steps"),
                          ({"value_chain_steps": "upstream"}, "value_chain_steps")]:
        r = client.post(f"{API}/cases", json={**FORM, "needs": NEEDS3, **change}, headers=h)
        assert r.status_code == 422 and r.json()["detail"]["field"] == field, (change, r.text)
    assert _count(db, Case) == 0
    r = client.post(f"{API}/cases", json={**FORM, "jobs_planned": 60, "needs": NEEDS3, "share_details": False,
                                          "value_chain_steps": ["fill_finish", "upstream", "upstream"],
                                          "details": {"funding": "Avance remboursable"}}, headers=h)
    assert r.status_code == 201 and r.json()["status"] == "open" and r.json()["verification"] is None, r.text
    case_id = r.json()["case_id"]
    assert [c["id"] for c in client.get(f"{API}/cases").json()["cases"]] == [case_id]
    assert client.post(f"{API}/cases", json={}, headers={}).status_code == 403  # no CSRF token

    # partner 1: its request only, no details (not shared), moves it, writes a private note
    h = _as(client, "p1@test.invalid")
    mine = client.get(f"{API}/requests").json()["requests"]
    assert [(x["need"], x["partner"]["actor_id"]) for x in mine] == [("regulatory", p1)]
    routed = mine[0]["id"]
    case = client.get(f"{API}/cases/{case_id}").json()
    assert case["read_as"] == "partner" and len(case["requests"]) == 1 and "details" not in case
    assert "contact" not in case and case["requests"][0]["notes"] == []
    r = client.post(f"{API}/requests/{routed}/status", json={"status": "declined"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "reason"
    r = client.post(f"{API}/requests/{routed}/status", json={"status": "taken", "next_step": "Appel"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "taken" and r.json()["owned"] is True
    assert client.post(f"{API}/requests/{routed}/notes", json={"body": "Note privée P1"}, headers=h).status_code == 201
    other = case["requests"][0]["id"] + 1  # partner 2's request
    assert client.post(f"{API}/requests/{other}/status", json={"status": "taken"}, headers=h).status_code == 403

    # the company: everything of its case but the partners' notes; sharing per partner; documents
    h = _as(client, "founder@test.invalid")
    case = client.get(f"{API}/cases/{case_id}").json()
    assert case["read_as"] == "company" and len(case["requests"]) == 3 and case["contact"]["email"] == FORM["email"]
    assert "Note privée P1" not in str(case) and [e["event"] for e in case["timeline"]][:2] == ["received", "confirmed"]
    assert client.put(f"{API}/cases/{case_id}/sharing", json={"partners": [p2, world["other"]]},
                      headers=h).json()["detail"]["field"] == "partners"
    assert client.put(f"{API}/cases/{case_id}/sharing", json={"partners": [p2]}, headers=h).status_code == 200
    exe = b"MZ\x90\x00" + b"\x00" * 64
    r = client.post(f"{API}/cases/{case_id}/documents", files={"file": ("plan.pdf", exe, "application/pdf")},
                    data={"shared_with": str(p1)}, headers=h)
    assert r.status_code == 415 and r.json()["detail"]["field"] == "file"
    r = client.post(f"{API}/cases/{case_id}/documents", files={"file": ("plan.pdf", PDF, "application/pdf")},
                    data={"shared_with": [str(p1), str(p3)]}, headers=h)
    assert r.status_code == 201, r.text
    doc = r.json()["id"]
    assert client.put(f"{API}/cases/{case_id}/documents/{doc}/sharing", json={"shared_with": [p3]},
                      headers=h).json()["shared_with"] == [p3]
    got = client.get(f"{API}/cases/{case_id}/documents/{doc}")
    assert got.content == PDF and got.headers["content-disposition"].startswith("attachment")
    assert client.post(f"{API}/requests/{routed}/satisfaction", json={"satisfaction": 4}, headers=h).status_code == 409
    assert client.post(f"{API}/cases/{case_id}/close", json={"outcome": "landed"}, headers=h).status_code == 422
    assert client.post(f"{API}/cases/{case_id}/close", json={"outcome": "established"}, headers=h).json()["status"] == "closed"
    r = client.post(f"{API}/requests/{routed}/satisfaction", json={"satisfaction": 4, "comment": "Utile"}, headers=h)
    assert r.status_code == 200 and r.json()["satisfaction"] == 4

    # partner 2 now sees the details (shared with it), not the document (shared with partner 3)
    h = _as(client, "p2@test.invalid")
    case = client.get(f"{API}/cases/{case_id}").json()
    assert case["details"]["jobs_planned"] == 60 and case["documents"] == []
    assert case["details"]["value_chain_steps"] == ["upstream", "fill_finish"]  # the taxonomy's order, once each
    page = client.get(f"/oneshop/cases/{case_id}")
    assert "Procédés amont (USP) · Remplissage et conditionnement" in page.text
    assert client.get(f"{API}/cases/{case_id}/documents/{doc}").status_code == 403

    # coordinators: routing, figures and rules; no notes, no documents; a bad rule named
    h = _as(client, "admin@test.invalid")
    case = client.get(f"{API}/cases/{case_id}").json()
    assert case["read_as"] == "coordinator" and "documents" not in case and "notes" not in case["requests"][0]
    assert client.get(f"{API}/cases/{case_id}/documents/{doc}").status_code == 403
    figures = client.get(f"{API}/figures").json()
    assert figures["landed"] == 1 and figures["satisfaction"]["regulatory"]["ratings"] == 1
    r = client.post(f"{API}/rules", json={"need": "funding", "actor_kind": "wizard"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "actor_kind"
    assert len(client.get(f"{API}/rules").json()["rules"]) == 4
    assert _count(db, Note) == 1
