"""The calls JSON API (/api/v1/calls) over the story of the web test: a draft saved with named
errors, submission, assignment with the conflicted reviewer excluded (403 with the reason on
opening), scores in the scale, the jury's medians, decisions, results; the portfolio; refusals
as {"field", "message"}."""

from __future__ import annotations

from datetime import datetime, timezone

from tests.calls.helpers import PDF, client_for, make_user

API = "/api/v1/calls"


def test_calls_api_story(db, story):
    call, mine, theirs = story["call"], story["mine"], story["theirs"]
    a, ah = client_for(story, db, "applicant")
    listed = a.get(API).json()["calls"]
    assert [c["id"] for c in listed] == [call] and "Europe/Paris" in listed[0]["deadline_local"]
    assert [f["name"] for f in a.get(f"{API}/{call}").json()["form"]] == ["summary", "founded_year", "deck"]
    base = f"{API}/{call}/applications/{mine}"
    r = a.put(base, headers=ah, json={"answers": {"summary": "x" * 201}})
    assert r.status_code == 422 and r.json()["detail"]["field"] == "summary"
    # beside the English detail, the field and its reason in the reader's language (were missing)
    english = r.json()["detail"]["message"]
    assert english.startswith("summary: ") and r.json()["field"] == "summary", r.json()
    assert r.json()["message"] != english.removeprefix("summary: ") and "caractères" in r.json()["message"], r.json()
    r = a.put(base, headers=ah, json={"answers": {"summary": "Notre projet."}, "rebuttal": "Pas une reprise."})
    assert r.status_code == 422 and r.json()["detail"]["field"] == "rebuttal"  # not a resubmission
    r = a.put(base, headers=ah, json={"answers": {"summary": "Notre projet.", "founded_year": 2019}})
    assert r.status_code == 200 and r.json()["answers"] == {"summary": "Notre projet.", "founded_year": 2019}
    r = a.post(f"{base}/attachments", headers=ah, data={"field": "deck"},
               files={"file": ("deck.pdf", b"not a pdf", "application/pdf")})
    assert r.status_code == 422 and r.json()["detail"]["field"] == "deck"
    r = a.post(f"{base}/attachments", headers=ah, data={"field": "deck"}, files={"file": ("deck.pdf", PDF, "application/pdf")})
    assert r.status_code == 201 and r.json()["size"] == len(PDF)
    assert a.get(f"{base}/attachments/{r.json()['id']}").content == PDF
    assert client_for(story, db, "other_applicant")[0].get(f"{base}/attachments/{r.json()['id']}").status_code == 403
    assert a.post(f"{base}/submit", headers=ah, json={}).json()["status"] == "submitted"
    r = a.post(f"{base}/submit", headers=ah, json={})
    assert r.status_code == 409 and r.json()["detail"]["field"] == "status"
    # another's application, or one of another call: 403 / 404
    o, oh = client_for(story, db, "other_applicant")
    assert o.get(base).status_code == 403
    assert a.get(f"{API}/{call + 1}/applications/{mine}").status_code == 404
    assert client_for(story, db, "anonymous")[0].get(base).status_code == 401
    # the managers assign: the conflicted reviewer is excluded with the reason
    m, mh = client_for(story, db, "manager")
    report = m.post(f"{API}/{call}/assign", headers=mh).json()
    assert {(x["reviewer"], x["reason"]) for x in report["excluded"]} == {(story["users"]["conflicted"], "parent_child")}
    x, _ = client_for(story, db, "conflicted")
    r = x.get(f"{base}/review")
    assert r.status_code == 403 and "parent_child" in r.json()["detail"]
    for role, values in (("reviewer", {"excellence": 4, "impact": 3}), ("reviewer2", {"excellence": 3, "impact": 5})):
        rc, rh = client_for(story, db, role)
        seat = rc.get(f"{base}/review").json()
        assert seat["blind"] and seat["applicant_name"] is None and seat["answers"]["summary"] == "Notre projet."
        bad = rc.put(f"{base}/review", headers=rh, json={"scores": {"excellence": 6, "impact": 3}})
        assert bad.status_code == 422 and bad.json()["detail"]["field"] == "score_excellence"
        ok = rc.put(f"{base}/review", headers=rh, json={"scores": values, "comment_applicant": f"Avis {role}"})
        assert ok.status_code == 200 and ok.json()["mine"]["submitted"]
    jury = m.get(f"{API}/{call}/reviews").json()
    row = next(r for r in jury["applications"] if r["application"]["id"] == mine)
    assert row["medians"] == {"excellence": 3.5, "impact": 4.0} and row["total"] == 11.0
    assert row["exclusions"][0]["reason"] == "parent_child"
    r = m.post(f"{API}/{call}/applications/{mine}/decision", headers=mh, json={"decision": "selected"})
    assert r.status_code == 422 and r.json()["detail"]["field"] == "rationale"
    assert m.post(f"{API}/{call}/results", headers=mh).status_code == 409  # theirs is undecided
    m.post(f"{API}/{call}/applications/{mine}/decision", headers=mh, json={"decision": "selected", "rationale": "Oui."})
    m.post(f"{API}/{call}/applications/{theirs}/decision", headers=mh, json={"decision": "rejected", "rationale": "Non."})
    assert m.post(f"{API}/{call}/results", headers=mh).json() == {"laureates": 1, "applications": 2}
    results = a.get(f"{API}/{call}/results").json()
    assert [x["id"] for x in results["laureates"]] == [mine] and results["others"] == []
    assert "answers" not in results["laureates"][0]  # the public view holds no answers
    assert sorted(a.get(base).json()["comments"]) == ["Avis reviewer", "Avis reviewer2"]
    assert [x["id"] for x in a.get(f"{API}/mine").json()["applications"]] == [mine]
    csv_text = m.get(f"{API}/{call}/scores.csv").text
    assert csv_text.startswith("subject_id,") and ",total," in csv_text


def test_portfolio_api(db, story):
    from datetime import date

    from bioatlas.calls import service

    with db() as s:
        p = service.create_project(s, title="Projet API", region="11", modality=None, start_date=date(2026, 1, 1),
                                   end_date=date(2027, 1, 1), budget_eur=10.0, source_key="test:api",
                                   source_title="Test", milestones=[{"title": "M1", "due_date": date(2026, 3, 1)}])
        pid = p.id
    m, mh = client_for(story, db, "manager")
    listed = m.get(f"{API}/portfolio").json()
    assert [x["title"] for x in listed["projects"]] == ["Projet API"]
    assert m.get(f"{API}/portfolio/{pid}").json()["milestones"][0]["title"] == "M1"
    # the call's manager is no editor of region 11: the project is not theirs to change
    assert m.post(f"{API}/portfolio/{pid}/milestones", headers=mh, json={"title": "M2"}).status_code == 403


def test_call_created_changed_published_closed_over_the_api(db, story):
    story["users"]["editor"] = make_user(db, "editor@example.org", roles=[("editor", "region", "11")])
    e, eh = client_for(story, db, "editor")
    body = {"kind": "challenge", "title_fr": "Défi API", "title_en": "API challenge", "region": "11",
            "opens_at": "2026-01-01T09:00", "closes_at": "2099-01-01T18:00+01:00",
            "form": {"fields": [{"name": "summary", "type": "textarea", "required": True}]},
            "criteria": [{"code": "excellence", "weight": -1, "scale_min": 0, "scale_max": 5}]}
    r = e.post(API, headers=eh, json=body)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "criteria[0].weight"
    assert e.post(API, headers=eh, json={**body, "opens_at": "soon"}).json()["detail"]["field"] == "opens_at"
    assert e.post(API, headers=eh, json={**body, "form": []}).json()["detail"]["field"] == "form"
    body["criteria"][0]["weight"] = 2
    created = e.post(API, headers=eh, json=body)
    assert created.status_code == 201 and created.json()["status"] == "draft"
    cid = created.json()["id"]
    opens = datetime.fromisoformat(created.json()["opens_at"])
    assert opens == datetime(2026, 1, 1, 8, 0, tzinfo=timezone.utc)  # 09:00 read in the call's zone (Paris)
    anyone, _ = client_for(story, db, "anonymous")
    assert anyone.get(f"{API}/{cid}").status_code == 404  # a draft exists for its managers only
    o, oh = client_for(story, db, "other_applicant")
    assert o.put(f"{API}/{cid}", headers=oh, json=body).status_code == 403
    changed = e.put(f"{API}/{cid}", headers=eh, json={**body, "title_fr": "Défi API revu"})
    assert changed.status_code == 200 and changed.json()["title_fr"] == "Défi API revu"
    assert e.post(f"{API}/{cid}/close", headers=eh).status_code == 409  # a draft is not closed
    assert e.post(f"{API}/{cid}/publish", headers=eh).json()["status"] == "published"
    assert e.put(f"{API}/{cid}", headers=eh, json=body).json()["detail"]["field"] == "status"
    closed = e.post(f"{API}/{cid}/close", headers=eh)
    assert closed.status_code == 200 and closed.json()["open"] is False
    r = o.post(f"{API}/{cid}/applications", headers=oh, json={"applicant_name": "Acteur proposé"})
    assert r.status_code == 409 and r.json()["detail"]["field"] == "deadline"
