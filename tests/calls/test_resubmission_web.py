"""Resubmission with a rebuttal over HTTP: a not-selected applicant resubmits to another open
call from the application page, reads the earlier reviewers' comments, must write a rebuttal
(saved with the draft), submits; the earlier round's reviewers are excluded (`previous_round`)
and the new reviewer reads the rebuttal."""

from __future__ import annotations

import re

from sqlalchemy import select

from bioatlas.calls import service
from bioatlas.review.models import ReviewAssignment, ReviewExclusion
from tests.calls.helpers import client_for, make_call, make_user


def test_resubmission_with_rebuttal_over_http(db, story):
    users, theirs = story["users"], story["theirs"]
    users["reviewer3"] = make_user(db, "reviewer3@example.org", name="Reviewer 3")
    with db() as s:
        call = service.get_call(s, call_id=story["call"])
        service.assign_reviewers(s, call=call, by_user_id=None)
        item = service.item_of(s, application=service.get_application(s, application_id=theirs))
        earlier = set(s.scalars(select(ReviewAssignment.reviewer_id).where(ReviewAssignment.item_id == item.id)))
        for a in s.scalars(select(ReviewAssignment).where(ReviewAssignment.item_id == item.id)):
            service.review.record_scores(s, assignment_id=a.id, reviewer_id=a.reviewer_id,
                                         scores={"excellence": 1, "impact": 1}, comment_applicant="Trop tôt.")
        s.commit()
        mine = service.get_application(s, application_id=story["mine"])
        service.withdraw(s, application=mine, user_id=users["applicant"])
        service.decide(s, application=service.get_application(s, application_id=theirs), decision="rejected",
                       rationale="Pas encore.", by_user_id=None)
        service.publish_results(s, call=call, by_user_id=None)
    second = make_call(db, manager=users["manager"], per_item=1)
    with db() as s:
        service.add_reviewers(s, call=service.get_call(s, call_id=second), by_user_id=None,
                              emails=[f"{r}@example.org" for r in ("reviewer", "reviewer2", "reviewer3")])
    o, oh = client_for(story, db, "other_applicant")
    page = o.get(f"/applications/{theirs}").text
    assert f'<option value="{second}">' in page  # the open calls to resubmit to
    r = o.post(f"/applications/{theirs}/resubmit", headers=oh, data={"call_id": "abc"})
    assert r.status_code == 422 and r.json()["detail"].startswith("call_id:")
    r = o.post(f"/applications/{theirs}/resubmit", headers=oh, data={"call_id": str(second)})
    assert r.status_code == 303
    new = int(re.search(r"/applications/(\d+)$", r.headers["location"]).group(1))
    draft = o.get(f"/applications/{new}").text
    assert "Trop tôt." in draft and 'name="rebuttal"' in draft  # the earlier comments, the rebuttal field
    r = o.post(f"/applications/{new}/submit", headers=oh)
    assert r.status_code == 422 and r.json()["detail"].startswith("rebuttal:")
    r = o.post(f"/applications/{new}", headers=oh, data={"summary": "Un résumé.", "rebuttal": "x" * 10001})
    assert r.status_code == 422 and r.json()["detail"].startswith("rebuttal:")
    r = o.post(f"/applications/{new}", headers=oh, data={"summary": "Un résumé revu.",
                                                         "rebuttal": "Nous avons mûri le projet."})
    assert r.status_code == 303 and "Nous avons mûri le projet." in o.get(f"/applications/{new}").text
    assert o.post(f"/applications/{new}/submit", headers=oh).status_code == 303
    m, mh = client_for(story, db, "manager")
    assert m.post(f"/calls/{second}/assign", headers=mh).status_code == 303
    with db() as s:
        excluded = {(e.reviewer_id, e.reason) for e in s.scalars(select(ReviewExclusion))}
        item = service.item_of(s, application=service.get_application(s, application_id=new))
        assigned = set(s.scalars(select(ReviewAssignment.reviewer_id).where(ReviewAssignment.item_id == item.id)))
    assert {(uid, "previous_round") for uid in earlier} <= excluded
    assert assigned and not assigned & earlier
    rc, _ = client_for(story, db, next(role for role, uid in users.items() if uid in assigned))
    screen = rc.get(f"/applications/{new}/review")
    assert screen.status_code == 200 and "Nous avons mûri le projet." in screen.text
