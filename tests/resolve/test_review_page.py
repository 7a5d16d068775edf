"""The duplicate review page: who may see it and decide, CSRF, escaped output, and decisions
taken from the page (merge -> undo, not a duplicate) that the queue then remembers."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bioatlas.accounts import service
from bioatlas.accounts.models import User
from bioatlas.app import create_app
from bioatlas.atlas.models import Actor
from bioatlas.core.db import transaction
from bioatlas.resolve.duplicates import find_pairs, record_and_merge
from bioatlas.resolve.merge import merge_actors
from bioatlas.resolve.models import ActorMerge, DuplicateCandidate
from tests.accounts.fixtures import make_user

from .test_duplicates import _actor_with_ror, _add_article_actors

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def queued(registry):
    """The real Généthon ROR record and the article's "GENETHON", queued for review (no auto-merge)."""
    genethon, _ = _add_article_actors(registry)
    with transaction(registry) as session:
        record_and_merge(session, find_pairs(session), merge=False)
        ror_genethon = _actor_with_ror(session, "03fj96t64")
        pair = session.scalar(select(DuplicateCandidate.id).where(
            DuplicateCandidate.actor_a_id == min(genethon, ror_genethon),
            DuplicateCandidate.actor_b_id == max(genethon, ror_genethon)))
    assert pair is not None, "the Généthon pair is queued"
    make_user(registry, "user@example.org")
    make_user(registry, "editor@example.org", roles=[("editor", "region", "11")])
    make_user(registry, "lyon-editor@example.org", roles=[("editor", "region", "84")])
    make_user(registry, "admin@example.org", admin=True)
    return {"pair": pair, "article": genethon, "ror": ror_genethon}


@pytest.fixture
def app(settings, registry):
    return create_app(settings)


def _as(app, db, email: str | None) -> TestClient:
    client = TestClient(app, raise_server_exceptions=False)
    if email:
        with db() as s:
            raw, _ = service.create_session(s, user=s.scalar(select(User).where(User.email == email)), days=1)
            s.commit()
        client.cookies.set("bioatlas_session", raw)
    return client


def _csrf(client: TestClient) -> str:
    page = client.get("/admin/duplicates")
    assert page.status_code == 200, page.text[:300]
    return CSRF_RE.search(page.text).group(1)


def test_only_editors_and_admins_see_and_decide(app, registry, queued):
    assert _as(app, registry, None).get("/admin/duplicates").status_code == 401
    assert _as(app, registry, "user@example.org").get("/admin/duplicates").status_code == 403
    user = _as(app, registry, "user@example.org")
    assert user.post(f"/admin/duplicates/{queued['pair']}/merge").status_code == 403
    assert _as(app, registry, None).post(f"/admin/duplicates/{queued['pair']}/reject").status_code == 401
    for email in ("editor@example.org", "admin@example.org"):
        page = _as(app, registry, email).get("/admin/duplicates")
        assert page.status_code == 200
        assert f'id="pair-{queued["pair"]}"' in page.text
        # both actors side by side, with the ROR id, the sites, the sources and the reasons
        assert "GENETHON" in page.text and "Généthon" in page.text
        assert "ror https://ror.org/03fj96t64" in page.text
        assert "Évry-Courcouronnes" in page.text and "Press article" in page.text
        assert "name:" in page.text
    with registry() as s:
        assert s.get(DuplicateCandidate, queued["pair"]).status == "pending"


def test_a_decision_without_the_csrf_token_is_refused(app, registry, queued):
    editor = _as(app, registry, "editor@example.org")
    r = editor.post(f"/admin/duplicates/{queued['pair']}/merge", data={"csrf_token": "forged"})
    assert r.status_code == 403 and "CSRF" in r.text
    assert editor.post(f"/admin/duplicates/{queued['pair']}/reject").status_code == 403
    with registry() as s:
        assert s.get(DuplicateCandidate, queued["pair"]).status == "pending"
        assert s.get(Actor, queued["article"]) is not None


def test_merge_from_the_page_then_undo(app, registry, queued):
    editor = _as(app, registry, "editor@example.org")
    token = _csrf(editor)
    r = editor.post(f"/admin/duplicates/{queued['pair']}/merge", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/duplicates?done=merged"
    with registry() as s:
        assert s.get(Actor, queued["article"]) is None  # folded into the ROR record
        merge = s.scalar(select(ActorMerge).where(ActorMerge.merged_id == queued["article"]))
        assert merge.status == "active" and merge.kept_id == queued["ror"] and merge.method == "manual"
    page = editor.get("/admin/duplicates?done=merged")
    assert f'id="merge-{merge.id}"' in page.text and f'id="pair-{queued["pair"]}"' not in page.text
    # the same pair cannot be decided twice (the merge folded the pair row away with the actor)
    again = editor.post(f"/admin/duplicates/{queued['pair']}/merge", data={"csrf_token": token})
    assert again.status_code == 404 and f"no pair with id {queued['pair']}" in again.text
    r = editor.post(f"/admin/duplicates/merges/{merge.id}/undo", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    with registry() as s:
        restored = s.get(Actor, queued["article"])
        assert restored is not None and restored.name == "GENETHON"
        assert {site.source.key for site in restored.sites} == {"article:seed"}
        assert s.get(ActorMerge, merge.id).status == "undone"
        assert s.get(DuplicateCandidate, queued["pair"]).status == "rejected"
    assert editor.post(f"/admin/duplicates/merges/{merge.id}/undo", data={"csrf_token": token}).status_code == 409
    assert editor.post("/admin/duplicates/merges/999999/undo", data={"csrf_token": token}).status_code == 404


def test_not_a_duplicate_is_remembered(app, registry, queued):
    admin = _as(app, registry, "admin@example.org")
    token = _csrf(admin)
    r = admin.post(f"/admin/duplicates/{queued['pair']}/reject", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    late = admin.post(f"/admin/duplicates/{queued['pair']}/merge", data={"csrf_token": token})
    assert late.status_code == 409 and "already rejected" in late.text
    with transaction(registry) as session:
        report = record_and_merge(session, find_pairs(session))
        assert session.get(DuplicateCandidate, queued["pair"]).status == "rejected"
        assert report.merged == []  # the rejected pair is neither merged nor queued again
        assert session.get(Actor, queued["article"]) is not None
    page = admin.get("/admin/duplicates")
    assert f'id="pair-{queued["pair"]}"' not in page.text
    assert admin.post("/admin/duplicates/999999/reject", data={"csrf_token": token}).status_code == 404


def test_names_are_escaped(app, registry, queued):
    with transaction(registry) as session:
        session.get(Actor, queued["article"]).name = "<script>alert(1)</script> Genethon"
    page = _as(app, registry, "admin@example.org").get("/admin/duplicates")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Genethon" in page.text


def test_an_editor_merges_only_actors_of_their_region(app, registry, queued):
    lyon = _as(app, registry, "lyon-editor@example.org")
    token = _csrf(lyon)  # an editor of any region sees the queue
    r = lyon.post(f"/admin/duplicates/{queued['pair']}/merge", data={"csrf_token": token})
    assert r.status_code == 403  # both actors are in Île-de-France
    with registry() as s:
        assert s.get(Actor, queued["article"]) is not None
        assert s.get(DuplicateCandidate, queued["pair"]).status == "pending"
    admin = _as(app, registry, "admin@example.org")
    assert admin.post(f"/admin/duplicates/{queued['pair']}/merge", data={"csrf_token": _csrf(admin)},
                      follow_redirects=False).status_code == 303
    with registry() as s:
        merge = s.scalar(select(ActorMerge).where(ActorMerge.merged_id == queued["article"]))
    assert lyon.post(f"/admin/duplicates/merges/{merge.id}/undo", data={"csrf_token": token}).status_code == 403


def test_an_editor_of_another_region_neither_sees_nor_rejects_a_pair(app, registry, queued):
    """Issue 20 item 6: rejecting ("not a duplicate") decides on the two actors as much as merging."""
    lyon = _as(app, registry, "lyon-editor@example.org")
    page = lyon.get("/admin/duplicates")
    assert page.status_code == 200 and f"/admin/duplicates/{queued['pair']}/" not in page.text
    r = lyon.post(f"/admin/duplicates/{queued['pair']}/reject", data={"csrf_token": _csrf(lyon)})
    assert r.status_code == 403
    with registry() as s:
        assert s.get(DuplicateCandidate, queued["pair"]).status == "pending"
    paris = _as(app, registry, "editor@example.org")
    assert f"/admin/duplicates/{queued['pair']}/" in paris.get("/admin/duplicates").text
    assert paris.post(f"/admin/duplicates/{queued['pair']}/reject", data={"csrf_token": _csrf(paris)},
                      follow_redirects=False).status_code == 303


def test_a_decision_refused_is_said_in_the_reader_language(app, registry, queued):
    """A pair decided twice and a merge undone twice (409): the English `detail` as before, the
    reader's `message` beside it and on the page (was the English text on a French page too)."""
    admin = _as(app, registry, "admin@example.org")
    token = {"csrf_token": _csrf(admin)}
    assert admin.post(f"/admin/duplicates/{queued['pair']}/reject", data=token, follow_redirects=False).status_code == 303
    url = f"/admin/duplicates/{queued['pair']}/merge"
    for lang, text in (("fr", "cette paire a déjà été marquée comme deux organisations distinctes"),
                       ("en", "this pair was already marked as two organisations")):
        r = admin.post(url, params={"lang": lang}, data=token)
        assert r.status_code == 409 and r.json() == {"detail": f"pair {queued['pair']} is already rejected",
                                                     "field": "pair_id", "message": text}, r.json()
    page = admin.post(url, params={"lang": "fr"}, data=token, headers={"Accept": "text/html"})
    assert page.status_code == 409 and "cette paire a déjà été marquée comme deux organisations" in page.text
    assert "is already rejected" not in page.text
    with transaction(registry) as session:  # a merge by hand (the rejected pair is not merged by the queue)
        merge = merge_actors(session, kept_id=queued["ror"], merged_id=queued["article"]).id
    undo = f"/admin/duplicates/merges/{merge}/undo"
    assert admin.post(undo, data=token, follow_redirects=False).status_code == 303
    for lang, text in (("fr", "cette fusion a déjà été annulée"), ("en", "this merge was already undone")):
        r = admin.post(undo, params={"lang": lang}, data=token)
        assert r.status_code == 409 and r.json() == {"detail": f"merge {merge} was already undone",
                                                     "field": "merge_id", "message": text}, r.json()
