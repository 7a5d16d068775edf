"""Calls over HTTP: the applicant's draft, files and submission; the conflicted reviewer refused
(403, audited, exclusion stored and shown to managers); scores validated; the jury's medians,
decisions, results in the atlas and notifications; the portfolio's milestones; bad input named;
and a matrix of the six roles of a call (applicant, other applicant, reviewer, conflicted
reviewer, manager, anonymous) over every calls route: 0 leaks."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from bioatlas.calls import service
from bioatlas.calls.demo import LABEL as DEMO_NOTE
from bioatlas.calls.models import Application, Attachment, Call
from bioatlas.review.models import ReviewExclusion
from tests.accounts.fixtures import audit_events
from tests.calls.conftest import ROLES
from tests.calls.helpers import PDF, add_actor, apply, client_for, make_call, make_user


def test_the_whole_story_with_bad_input(db, story, settings):
    c, h = client_for(story, db, "applicant")
    mine = story["mine"]
    r = c.get(f"/applications/{mine}")
    assert r.status_code == 200 and "heure de Paris" in r.text
    # the deadline as the reader writes a day (not ISO), the status a French word
    with db() as s:
        app = s.get(Application, mine)
        local = service.deadline_moment(s.get(Call, app.call_id)).value
    assert f"{format_date(local, 'EEEE d MMMM y', locale='fr')} à {local:%H:%M} (heure de Paris)" in r.text
    assert f"{local:%Y-%m-%d}" not in r.text and '<dd class="status">brouillon</dd>' in r.text
    r = c.get(f"/applications/{mine}?lang=en")
    assert f"{format_date(local, 'EEEE d MMMM y', locale='en')} at {local:%H:%M} (Paris time)" in r.text
    r = c.get("/calls?lang=fr")
    assert ">défi</td>" in r.text and f"{local:%Y-%m-%d}" not in r.text
    # files: forbidden type, content not matching, over the limit: named errors, nothing stored
    r = c.post(f"/applications/{mine}/attachments", headers=h, data={"field": "deck"},
               files={"file": ("deck.exe", b"MZ...", "application/x-msdownload")})
    assert r.status_code == 422 and "deck" in r.json()["detail"] and "not accepted" in r.json()["detail"]
    r = c.post(f"/applications/{mine}/attachments", headers=h, data={"field": "deck"},
               files={"file": ("deck.pdf", b"not a pdf", "application/pdf")})
    assert r.status_code == 422 and "not a application/pdf" in r.json()["detail"]
    r = c.post(f"/applications/{mine}/attachments", headers=h, data={"field": "deck"},
               files={"file": ("deck.pdf", PDF + b"x" * 3000, "application/pdf")})
    assert r.status_code == 422 and "over the limit of 2048 bytes" in r.json()["detail"]
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Attachment)) == 0  # nothing half-stored
    r = c.post(f"/applications/{mine}/attachments", headers=h, data={"field": "deck"},
               files={"file": ("deck.pdf", PDF, "application/pdf")})
    assert r.status_code == 303
    files = c.get(f"/applications/{mine}").text
    link = re.search(r'href="(/applications/\d+/attachments/\d+)"', files).group(1)
    got = c.get(link)
    assert got.content == PDF and got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff"
    o, _ = client_for(story, db, "other_applicant")
    assert o.get(link).status_code == 403
    r = c.post(f"/applications/{mine}", headers=h, data={"summary": "x" * 201})
    assert r.status_code == 422 and r.json()["detail"].startswith("summary:")
    r = c.post(f"/applications/{mine}", headers=h, data={"summary": "Notre projet.", "founded_year": "abc"})
    assert r.status_code == 422 and r.json()["detail"].startswith("founded_year:")
    r = c.post(f"/applications/{mine}", headers=h, data={"summary": "Notre projet.", "co_applicants": "999999"})
    assert r.status_code == 422 and r.json()["detail"].startswith("co_applicants:")
    r = c.post(f"/applications/{mine}", headers=h, data={"summary": "Projet\u202egpj.exe"})
    assert r.status_code == 422 and r.json()["detail"].startswith("summary:") and "U+202E" in r.json()["detail"]
    r = c.post(f"/applications/{mine}/attachments", headers=h, data={"field": "deck"},
               files={"file": ("deck\u202efdp.exe.pdf", PDF, "application/pdf")})
    assert r.status_code == 422 and r.json()["detail"].startswith("file:")
    assert c.post(f"/applications/{mine}/submit", headers=h).status_code == 303
    assert c.post(f"/applications/{mine}/submit", headers=h).status_code == 409
    # the applicant cannot review their own call
    m, mh = client_for(story, db, "manager")
    r = m.post(f"/calls/{story['call']}/reviewers", headers={**mh, "Accept": "text/html"}, data={"emails": " "})
    assert r.status_code == 422 and "\u202f: au moins une adresse e-mail d&#39;évaluateur" in r.text  # a French page
    assert r.text.count("au moins une adresse") == 1
    r = m.post(f"/calls/{story['call']}/reviewers", headers=mh, data={"emails": "applicant@example.org"})
    assert r.status_code == 422 and r.json()["detail"].startswith("reviewer") and "applied" in r.json()["detail"]
    assert m.post(f"/calls/{story['call']}/assign", headers=mh).status_code == 303
    with db() as s:
        reasons = {(e.reviewer_id, e.reason) for e in s.scalars(select(ReviewExclusion))}
    assert (story["users"]["conflicted"], "parent_child") in reasons
    page = m.get(f"/calls/{story['call']}/manage").text
    assert 'data-reason="parent_child"' in page and "Yposkesi fait partie de Genethon (relation de l&#39;atlas)" in page
    english = m.get(f"/calls/{story['call']}/manage?lang=en").text
    assert "Yposkesi is part of Genethon (atlas relation)" in english
    # the jury's columns name each criterion in the reader's language (were its code)
    assert "<th>Excellence scientifique (médiane, ×2)</th>" in page, page
    assert "<th>Scientific excellence (median, ×2)</th>" in english
    # the call's status and the review's phase in the reader's language, not their codes
    assert "Statut : publié · " in page and "Phase : ouvert · " in page
    assert "Status: published · " in english and "Phase: open · " in english
    # the conflicted reviewer opening the application: 403 with the reason, audited
    x, xh = client_for(story, db, "conflicted")
    before = len(audit_events(db, "refused"))
    r = x.get(f"/applications/{mine}/review")
    # `detail` English (was the reader's language), `message` the reader's
    assert r.status_code == 403 and r.json()["detail"].startswith("Conflict of interest: Yposkesi is part of Genethon")
    assert r.json()["message"].startswith("Conflit d'intérêts\u202f: Yposkesi fait partie de Genethon")
    refused = audit_events(db, "refused")  # in English too
    assert len(refused) == before + 1 and "parent_child" in refused[-1].detail and "is part of" in refused[-1].detail
    # reviewers score: out of the scale refused by name, nothing stored
    for role, values in (("reviewer", ("4", "3")), ("reviewer2", ("3", "5"))):
        rc, rh = client_for(story, db, role)
        screen = rc.get(f"/applications/{mine}/review")
        assert screen.status_code == 200 and "Yposkesi" not in screen.text  # blind
        bad = rc.post(f"/applications/{mine}/review", headers=rh, data={"score_excellence": "6", "score_impact": "3"})
        assert bad.status_code == 422 and bad.json()["detail"].startswith("score_excellence:")
        ok = rc.post(f"/applications/{mine}/review", headers=rh,
                     data={"score_excellence": values[0], "score_impact": values[1],
                           "comment_applicant": f"Pour le candidat ({role})", "comment_jury": "Pour le jury"})
        assert ok.status_code == 303
        assert rc.get(f"/applications/{mine}/review/attachments/1").status_code in (200, 404)
    csv_text = m.get(f"/calls/{story['call']}/scores.csv").text
    assert "Yposkesi,median,excellence,2.0,0,5,,3.5," in csv_text  # median of 4 and 3
    assert re.search(r"Yposkesi,total,,,,15.0,,,11.0,yes", csv_text), csv_text  # 2 x 3.5 + 1 x 4 out of 15
    # an undecided application's list opens on a required empty choice (it opened on "retenue": a
    # rationale sent selected the application without anyone choosing it); a decided one on its decision
    def chosen():
        page = m.get(f"/calls/{story['call']}/manage").text
        row = re.search(rf'<tr data-application="{mine}">.*?</tr>', page, re.S).group(0)
        return re.findall(r'<option value="([a-z_]*)" selected>', row), row
    assert chosen()[0] == [""] and "(choose a decision)" in chosen()[1]  # this manager reads English
    # the jury's comments, each after its reviewer's name and a French colon (it was "Nom: commentaire")
    comments = re.findall(r'<div class="jury-comment">(.*?)</div>', m.get(f"/calls/{story['call']}/manage?lang=fr").text)
    assert len(comments) == 2 and all(c.endswith("\u202f: Pour le jury") for c in comments), comments
    r = m.post(f"/applications/{mine}/decision", headers=mh, data={"decision": "", "rationale": "Excellent."})
    assert r.status_code == 422 and r.json()["detail"].startswith("decision")
    # decisions need a rationale; results wait for every decision
    r = m.post(f"/applications/{mine}/decision", headers=mh, data={"decision": "selected", "rationale": ""})
    assert r.status_code == 422 and r.json()["detail"].startswith("rationale:")
    assert m.post(f"/calls/{story['call']}/results", headers=mh).status_code == 409
    m.post(f"/applications/{mine}/decision", headers=mh, data={"decision": "selected", "rationale": "Excellent."})
    assert chosen()[0] == ["selected"]
    m.post(f"/applications/{story['theirs']}/decision", headers=mh, data={"decision": "rejected", "rationale": "Non."})
    assert m.post(f"/calls/{story['call']}/results", headers=mh).status_code == 303
    results = c.get(f"/calls/{story['call']}/results").text
    assert "Yposkesi" in results and "TreeFrog" not in results  # no opt-in
    assert "Défi test" in c.get(f"/actors/{story['child']}").text
    assert "Pour le candidat (reviewer)" in c.get(f"/applications/{mine}").text
    assert "Pour le jury" not in c.get(f"/applications/{mine}").text
    o, oh = client_for(story, db, "other_applicant")
    o.post(f"/applications/{story['theirs']}/opt-in", headers=oh, data={"opt_in": "on"})
    assert "TreeFrog" in c.get(f"/calls/{story['call']}/results").text
    with db() as s:
        from bioatlas.notifications.models import Notification
        kinds = [n.kind for n in s.scalars(select(Notification))]
    assert kinds.count("call.result") == 2


def test_deadline_and_eligibility(db, settings):
    company = add_actor(db, "Yposkesi", "91000")
    lab = add_actor(db, "Institut Pasteur", "75015", kind="research_unit")
    uid = make_user(db, "a@example.org")
    call_id = make_call(db, manager=None, eligibility={"actor_kinds": ["company"], "regions": ["84"]})
    with db() as s:
        call = service.get_call(s, call_id=call_id)
        app = service.start_application(s, call=call, user_id=uid, actor_id=lab)
        service.save_draft(s, application=app, raw={"summary": "x"})
        with pytest.raises(service.CallError) as err:
            service.submit(s, application=app, user_id=uid)
        assert err.value.field == "actor" and "kind" in str(err.value)
        app2 = service.start_application(s, call=call, user_id=uid, actor_id=company)
        service.save_draft(s, application=app2, raw={"summary": "x"})
        with pytest.raises(service.CallError) as err:
            service.submit(s, application=app2, user_id=uid)
        assert err.value.field == "actor" and "regions" in str(err.value)
        late = datetime.now(timezone.utc) + timedelta(days=11)
        with pytest.raises(service.CallError) as err:
            service.submit(s, application=app2, user_id=uid, now=late)
        assert err.value.field == "deadline" and "Europe/Paris" in str(err.value)
        assert s.get(Application, app2.id).status == "draft"
    with pytest.raises(service.CallError) as err:
        make_call(db, manager=None, eligibility={"modalities": ["unicorn_therapy"]})
    assert err.value.field == "eligibility.modalities"



def test_a_demonstration_call_is_labelled_in_the_readers_language(db, client):
    call_id = make_call(db, manager=None, eligibility={"actor_kinds": ["company"], "modalities": ["viral_vector"]})
    with db() as s:
        s.get(Call, call_id).source_note = DEMO_NOTE  # as the demo step stores it (French)
        s.commit()
    for lang, label, other in (("en", "fictitious demonstration call", "appel fictif"),
                               ("fr", "appel fictif de démonstration", "fictitious demonstration call")):
        for path in ("/calls", f"/calls/{call_id}"):
            page = client.get(path, params={"lang": lang}).text
            assert f'class="synthetic">{label}</' in page and other not in page, (lang, path)
    # its eligibility names kinds and modalities, not their codes
    for lang, kind, modality in (("en", "Company", "Viral vectors"), ("fr", "Entreprise", "Vecteurs viraux")):
        rules = client.get(f"/calls/{call_id}", params={"lang": lang}).text.partition('class="rules"')[2]
        assert f"{kind}</li>" in rules and f"{modality}</li>" in rules and "viral_vector" not in rules, lang
    # its form's fields by their kind in words, not the form's codes ("Résumé (textarea, …)"); the call's kind as
    # "Type", not the actors' "Type d'acteur"
    page = client.get(f"/calls/{call_id}", params={"lang": "fr"}).text
    fields = page.partition('class="form-fields"')[2].partition("</ul>")[0]
    assert "Résumé (texte long, obligatoire" in fields and "textarea" not in fields, fields
    assert "<dt>Type</dt><dd>défi</dd>" in page


def test_portfolio_milestones_and_bad_dates(db, settings, client):
    a = add_actor(db, "Yposkesi", "91000")
    editor = make_user(db, "editor@example.org", roles=[("editor", "region", "11")])
    with db() as s:
        with pytest.raises(service.PortfolioError) as err:
            service.create_project(s, title="P", region="11", modality=None, start_date="2026-01-01",
                                   end_date="2027-01-01", budget_eur=1, source_key="t", source_title="T",
                                   partners=[(a, "lead")], milestones=[{"title": "M", "due_date": "2025-12-31"}])
        assert err.value.field == "milestones[0].due_date"
        assert service.list_projects(s) == []  # nothing half-stored
        p = service.create_project(s, title="P", region="11", modality="viral_vector", start_date="2026-01-01",
                                   end_date="2027-01-01", budget_eur=100, source_key="t", source_title="T",
                                   partners=[(a, "lead")], milestones=[{"title": "M", "due_date": "2026-03-01"}],
                                   roadmap_code="idf-assises-2021", roadmap_action=9)
        pid = p.id
    story = {"app": client.app, "users": {"editor": editor}}
    e, eh = client_for(story, db, "editor")
    r = e.post(f"/projects/{pid}/milestones", headers=eh, data={"title": "Avant", "due_date": "2025-06-01"})
    assert r.status_code == 422 and "before the project's start" in r.json()["detail"]
    # the detail English, the field and its reason in the reader's language (were English only)
    assert r.json() == {"detail": "milestone.due_date: 2025-06-01 is before the project's start (2026-01-01)",
                        "field": "milestone.due_date", "message": "2025-06-01 est avant le début du projet (2026-01-01)"}
    page = e.post(f"/projects/{pid}/milestones", headers={**eh, "accept": "text/html"}, params={"lang": "fr"},
                  data={"title": "Avant", "due_date": "2025-06-01"})
    assert page.status_code == 422 and "est avant le début du projet" in page.text
    assert e.post(f"/projects/{pid}/milestones", headers=eh, data={"title": "Après", "due_date": "2026-06-01"}).status_code == 303
    with db() as s:
        mid = service.get_project(s, project_id=pid).milestones[0].id
    r = e.post(f"/projects/{pid}/milestones/{mid}", headers=eh, data={"status": "done", "done_date": "2026-02-15"})
    assert r.status_code == 303
    page = client.get("/projects").text
    assert "1/2" in page and "50\u202f%" in page and "Yposkesi" in page
    # the region and the modality by their names in the reader's language, not their codes
    english = client.get("/projects", params={"lang": "en"}).text
    assert "· Île-de-France · Viral vectors ·" in english and "Viral vectors: 1" in english and "viral_vector" not in english
    assert "Vecteurs viraux" in client.get(f"/projects/{pid}", params={"lang": "fr"}).text


def test_six_roles_over_every_calls_route(db, story):
    """applicant (owner of `mine`), other applicant, reviewer (assigned), conflicted reviewer,
    manager, anonymous; on the applicant's application and the call."""
    with db() as s:
        call = service.get_call(s, call_id=story["call"])
        service.assign_reviewers(s, call=call, by_user_id=None)
        service.submit(s, application=service.get_application(s, application_id=story["mine"]),
                       user_id=story["users"]["applicant"])
        service.assign_reviewers(s, call=call, by_user_id=None)
    allowed = {
        ("GET", "/applications/{application_id}"): {"applicant", "manager"},
        ("POST", "/applications/{application_id}"): {"applicant"},
        ("POST", "/applications/{application_id}/submit"): {"applicant"},
        ("POST", "/applications/{application_id}/withdraw"): {"applicant"},
        ("POST", "/applications/{application_id}/opt-in"): {"applicant"},
        ("POST", "/applications/{application_id}/resubmit"): {"applicant"},
        ("POST", "/applications/{application_id}/attachments"): {"applicant"},
        ("GET", "/applications/{application_id}/attachments/{attachment_id}"): {"applicant", "manager"},
        ("GET", "/applications/{application_id}/review"): {"reviewer"},
        ("POST", "/applications/{application_id}/review"): {"reviewer"},
        ("GET", "/applications/{application_id}/review/attachments/{attachment_id}"): {"reviewer"},
        ("POST", "/applications/{application_id}/decision"): {"manager"},
        ("GET", "/calls/{call_id}/manage"): {"manager"},
        ("GET", "/calls/{call_id}/edit"): {"manager"},
        ("POST", "/calls/{call_id}/close"): {"manager"},
        ("POST", "/calls/{call_id}/edit"): {"manager"},
        ("POST", "/calls/{call_id}/publish"): {"manager"},
        ("POST", "/calls/{call_id}/reviewers"): {"manager"},
        ("POST", "/calls/{call_id}/assign"): {"manager"},
        ("POST", "/calls/{call_id}/phase"): {"manager"},
        ("POST", "/calls/{call_id}/results"): {"manager"},
        ("GET", "/calls/{call_id}/scores.csv"): {"manager"},
        ("GET", "/calls/new"): set(),
        ("POST", "/calls/new"): set(),
        ("POST", "/calls/{call_id}/apply"): set(ROLES) - {"anonymous"},
        ("POST", "/calls/{call_id}/conflicts"): set(ROLES) - {"anonymous"},
        ("GET", "/applications/mine"): set(ROLES) - {"anonymous"},
        ("GET", "/reviews"): set(ROLES) - {"anonymous"},
    }
    routes = [(m, r.path) for r in story["app"].routes for m in getattr(r, "methods", set()) - {"HEAD"}
              if r.path.startswith(("/calls", "/applications", "/reviews"))]
    assert {key for key in routes if key not in allowed and not key[1].startswith(("/calls/{call_id}/results", "/calls/{call_id}"))
            and key != ("GET", "/calls")} == set()
    leaks, refusals = [], 0
    for method, path in sorted(allowed):
        for role in ROLES:
            client, headers = client_for(story, db, role)
            url = path.replace("{application_id}", str(story["mine"])).replace("{call_id}", str(story["call"]))
            url = url.replace("{attachment_id}", "1")
            r = client.request(method, url, headers=headers, follow_redirects=False)
            refused = r.status_code in (401, 403)
            assert r.status_code < 500, (method, url, role, r.text[:200])
            if role in allowed[(method, path)] and refused:
                leaks.append(("wrongly refused", method, path, role, r.status_code))
            if role not in allowed[(method, path)] and not refused:
                leaks.append(("leak", method, path, role, r.status_code))
            refusals += refused
    print(f"\ncalls matrix: {len(allowed)} routes x {len(ROLES)} roles, {refusals} refusals, leaks {len(leaks)}")
    assert leaks == []


def test_personal_data_export_and_erase(db, settings):
    actor = add_actor(db, "Yposkesi", "91000")
    uid = make_user(db, "p@example.org")
    call_id = make_call(db, manager=None)
    submitted = apply(db, call_id=call_id, user_id=uid, actor_id=actor)
    draft = apply(db, call_id=call_id, user_id=uid, actor_id=actor, submit=False)
    with db() as s:
        service.add_attachment(s, application=service.get_application(s, application_id=draft), field="deck",
                               filename="deck.pdf", content_type="application/pdf", data=PDF, max_upload_bytes=10_000)
        exported = service.export_user(s, user_id=uid)
        assert {a["id"] for a in exported} == {submitted, draft}
        assert next(a for a in exported if a["id"] == draft)["attachments"][0]["filename"] == "deck.pdf"
        service.erase_user(s, user_id=uid)
        s.commit()
    with db() as s:
        assert s.get(Application, draft) is None
        assert s.scalar(select(func.count()).select_from(Attachment)) == 0
        assert s.get(Application, submitted).owner_id is None


def test_a_number_field_refused_is_said_in_the_reader_language(db, story):
    """An actor number that is not one (apply, declare a conflict): `detail` the English text as
    before, `field` and `message` in the reader's language, and the French page says it in French
    (was English only)."""
    c, h = client_for(story, db, "applicant")
    reviewer, rh = client_for(story, db, "reviewer")
    asks = [(c, h, f"/calls/{story['call']}/apply"), (reviewer, rh, f"/calls/{story['call']}/conflicts")]
    for client, headers, url in asks:
        for lang, text in (("fr", "numéro d'acteur attendu"), ("en", "expected an actor number")):
            answer = client.post(url, params={"lang": lang}, headers=headers, data={"actor_id": "abc"})
            assert answer.status_code == 422 and answer.json() == {
                "detail": "actor_id: expected an actor number", "field": "actor_id", "message": text}, answer.json()
        page = client.post(url, params={"lang": "fr"}, headers={**headers, "Accept": "text/html"}, data={"actor_id": "abc"})
        assert page.status_code == 422 and "numéro d&#39;acteur attendu" in page.text and "expected an" not in page.text
