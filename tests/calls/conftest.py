"""The calls story shared by the web, API and resubmission tests: a call of region 11 with a
manager, three reviewers (one a member of the parent of the applicant's actor: a conflict), a
draft application (`mine`) and a submitted one (`theirs`)."""

from __future__ import annotations

import pytest

from bioatlas.app import create_app
from bioatlas.calls import service
from tests.calls.helpers import add_actor, apply, make_call, make_user

ROLES = ("applicant", "other_applicant", "reviewer", "conflicted", "manager", "anonymous")


@pytest.fixture
def story(db, settings):
    parent = add_actor(db, "Genethon", "91000", kind="research_unit")
    child = add_actor(db, "Yposkesi", "91000", relations=[("part_of", parent)])
    other = add_actor(db, "TreeFrog Therapeutics", "33600")
    users = {"manager": make_user(db, "manager@example.org", name="Manager"),
             "applicant": make_user(db, "applicant@example.org", name="Applicant"),
             "other_applicant": make_user(db, "other@example.org", name="Other"),
             "reviewer": make_user(db, "reviewer@example.org", name="Reviewer"),
             "reviewer2": make_user(db, "reviewer2@example.org", name="Reviewer 2"),
             "conflicted": make_user(db, "conflicted@example.org", name="Conflicted",
                                     roles=[("member", "actor", parent)])}
    call_id = make_call(db, manager=users["manager"], per_item=2)
    with db() as s:
        service.add_reviewers(s, call=service.get_call(s, call_id=call_id),
                              emails=["reviewer@example.org", "reviewer2@example.org", "conflicted@example.org"],
                              by_user_id=users["manager"])
    mine = apply(db, call_id=call_id, user_id=users["applicant"], actor_id=child, submit=False)
    theirs = apply(db, call_id=call_id, user_id=users["other_applicant"], actor_id=other)
    app = create_app(settings)
    return {"users": users, "call": call_id, "mine": mine, "theirs": theirs, "app": app, "parent": parent,
            "child": child}
