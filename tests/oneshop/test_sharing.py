"""Finer sharing and satisfaction: a document shared with several partners and the sharing changed
(a partner removed reads it no more), the project's details shown to the partners the company
picks, a rerouted request's former partner losing the documents shared with it; the company's
satisfaction per partner once the case is closed (not before, not by the partner), in the figures."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bioatlas.accounts.models import AuditEvent
from bioatlas.oneshop import service
from bioatlas.oneshop.models import Case, DocumentShare, RoutedRequest
from tests.accounts.fixtures import csrf_of, login
from tests.oneshop.helpers import PDF, make_case
from tests.oneshop.test_flow import _count, _principal, world  # noqa: F401  (fixture)


def test_documents_and_details_shared_per_partner(db, client, world):
    p1, p2, p3 = world["partners"]
    case_id, routed = make_case(db, owner=world["users"]["founder"], partners=[p1, p2],
                                needs=("regulatory", "funding"))
    login(client, "founder@test.invalid")
    token = csrf_of(client, f"/oneshop/cases/{case_id}")
    r = client.post(f"/oneshop/cases/{case_id}/documents", files={"file": ("plan.pdf", PDF, "application/pdf")},
                    data={"csrf_token": token, "shared_with": [str(p1), str(p2)]}, follow_redirects=False)
    assert r.status_code == 303
    with db() as s:
        doc_id = s.scalar(select(DocumentShare.document_id))
        assert set(s.scalars(select(DocumentShare.actor_id))) == {p1, p2}
    share = f"/oneshop/cases/{case_id}/documents/{doc_id}/share"
    r = client.post(share, data={"csrf_token": token, "shared_with": [str(p1), str(p3)]})
    assert r.status_code == 422 and "shared_with" in r.text  # p3 is not a partner of this case: nothing changed
    assert _count(db, DocumentShare) == 2
    assert client.post(f"/oneshop/cases/{case_id}/documents/999999/share", data={"csrf_token": token}).status_code == 404
    assert client.post(share, data={"csrf_token": token, "shared_with": str(p1)}, follow_redirects=False).status_code == 303
    # details: none shared at intake; the company shows them to p2 only
    with db() as s:
        s.get(Case, case_id).share_details = False
        s.commit()
    r = client.post(f"/oneshop/cases/{case_id}/sharing", data={"csrf_token": token, "partners": str(p2)},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/oneshop/cases/{case_id}")
    assert page.text.count('name="partners"') == 2 and page.text.count('class="oneshop-document"') == 1
    client.post("/account/logout", data={"csrf_token": token})
    login(client, "p2@test.invalid")
    assert client.get(f"/oneshop/cases/{case_id}/documents/{doc_id}").status_code == 403  # withdrawn from p2
    with db() as s:
        v1 = service.case_view(s, case_id=case_id, principal=_principal(db, "p1@test.invalid"))
        v2 = service.case_view(s, case_id=case_id, principal=_principal(db, "p2@test.invalid"))
        assert (v1["show_details"], [d.id for d in v1["documents"]]) == (False, [doc_id])
        assert (v2["show_details"], v2["documents"]) == (True, [])
        # p1's request rerouted to p3: p1 holds nothing else of the case, the document is withdrawn
        service.reroute(s, request_id=routed[0], actor_id=str(p3), user_id=None)
        s.commit()
        assert service.document_scope(s, case_id=case_id, document_id=doc_id).shared_with == frozenset()
        assert s.get(RoutedRequest, routed[0]).details_shared is None
    assert _count(db, AuditEvent, AuditEvent.event.in_(("oneshop.document_shared", "oneshop.details_shared"))) == 2


def test_satisfaction_after_closing(db, client, world):
    p1, p2, _ = world["partners"]
    case_id, (r1, r2) = make_case(db, owner=world["users"]["founder"], partners=[p1, p2],
                                  needs=("regulatory", "funding"))
    login(client, "founder@test.invalid")
    token = csrf_of(client, f"/oneshop/cases/{case_id}")
    url = f"/oneshop/requests/{r1}/satisfaction"
    r = client.post(url, data={"csrf_token": token, "satisfaction": "5"})
    assert r.status_code == 409 and "satisfaction" in r.text  # not closed yet
    assert client.post(f"/oneshop/cases/{case_id}/close", data={"csrf_token": token, "outcome": "established"},
                       follow_redirects=False).status_code == 303
    for bad in ("6", "0", "good", ""):
        r = client.post(url, data={"csrf_token": token, "satisfaction": bad})
        assert r.status_code == 422 and "satisfaction" in r.text, bad
    assert client.post(url, data={"csrf_token": token, "satisfaction": "5", "comment": "Réponse rapide"},
                       follow_redirects=False).status_code == 303
    with db() as s:
        service.rate(s, request_id=r2, score="2", user_id=None)
        s.commit()
        assert service.figures(s)["satisfaction"] == {
            "funding": {"ratings": 1, "mean": 2, "satisfied_percent": 0.0},
            "regulatory": {"ratings": 1, "mean": 5, "satisfied_percent": 100.0}}
        assert s.get(RoutedRequest, r1).satisfaction_comment == "Réponse rapide"
    page = client.get(f"/oneshop/cases/{case_id}")
    assert "5/5" in page.text and "Réponse rapide" in page.text
    client.post("/account/logout", data={"csrf_token": token})
    login(client, "p1@test.invalid")
    token = csrf_of(client, f"/oneshop/cases/{case_id}")
    assert client.post(url, data={"csrf_token": token, "satisfaction": "1"}).status_code == 403  # only the company


@pytest.mark.parametrize("score", ["3"])
def test_satisfaction_comment_is_erased_with_the_case(db, world, score):
    case_id, (r1,) = make_case(db, owner=world["users"]["founder"], partners=[world["partners"][0]])
    with db() as s:
        service.close_case(s, case_id=case_id, outcome="abandoned", user_id=None)
        service.rate(s, request_id=r1, score=score, comment="Commentaire", user_id=None)
        service.erase_personal(s, user_id=world["users"]["founder"])
        s.commit()
        r = s.get(RoutedRequest, r1)
        assert (r.satisfaction, r.satisfaction_comment) == (3, None)  # the score stays for the figures


def test_zones_and_integrators_come_from_the_atlas_only(db, client, world):
    from tests.contributions.helpers import add_actor

    from tests.jobboard.helpers import add_rome, make_offer

    integrator = add_actor(db, "Intégrateur test", "69007", kind="integrator")  # another region: suggested after
    add_rome(db)
    make_offer(db, actor_id=world["company"])  # Évry (region 11)
    make_offer(db, actor_id=world["company"], rome_code="H1510", appellation_code="38053")
    case_id, _ = make_case(db, owner=world["users"]["founder"], partners=[world["partners"][0]])
    with db() as s:
        case = s.get(Case, case_id)
        zones = service.zones(s, case=case)
        assert [(z["insee"], z["actors"]) for z in zones] == [("91228", 4)]  # Évry: three partners, the company
        assert [h["name"] for h in zones[0]["hosts"]] == ["Pôle test 2", "Agence test 1", "Agence test 3"]
        assert [(x["actor_id"], x["in_region"]) for x in service.suggestions(s, case=case)
                if x["reason"] == "integrator"] == [(integrator, False)]
        assert service.recruiting(s, case=case) == {
            "region": "11", "open_offers": 2, "families": ["H15", "H23"], "url": "/jobboard?region=11",
            "occupations": ["Technicien / Technicienne de laboratoire de contrôle en industrie pharmaceutique",
                            "Conducteur / Conductrice de procédé de fabrication en industrie pharmaceutique"]}
        case.region = "84"  # the other region: its one actor's commune, no partner there
        assert [(z["insee"], z["hosts"]) for z in service.zones(s, case=case)] == [
            ("69387", [{"actor_id": world["other"], "name": "Pôle test autre région", "kind": "cluster"}])]
        assert service.recruiting(s, case=case) == {"region": "84", "open_offers": 0, "families": [],
                                                     "occupations": [], "url": "/jobboard?region=84"}
        case.region = ""
        assert service.zones(s, case=case) == [] and service.recruiting(s, case=case) is None
        s.rollback()
    login(client, "founder@test.invalid")
    page = client.get(f"/oneshop/cases/{case_id}")
    assert "Recrutement dans la région\u202f: 2 offres" in page.text
    assert "(91228) · 4 acteurs y ont un site" in page.text and "intégrateur industriel" in page.text, page.text[-1500:]
