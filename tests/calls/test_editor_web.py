"""The call editor without JavaScript: questions added, moved and removed by buttons, the
eligibility rules and criteria as form fields; errors shown again (422) naming the field and
its input, nothing stored; a draft edited by its managers, a published call refused."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from bioatlas.calls import service
from bioatlas.calls.models import Call
from tests.calls.helpers import client_for, make_user


def base(**over) -> dict:
    data = {"kind": "challenge", "title_fr": "Défi éditeur", "title_en": "Editor challenge", "region": "11",
            "opens_at": "2026-01-01T09:00", "closes_at": "2099-01-01T18:00", "timezone": "Europe/Paris",
            "questions": "2",
            "q-0-name": "summary", "q-0-label_fr": "Résumé", "q-0-type": "textarea", "q-0-required": "on",
            "q-0-max_length": "500",
            "q-1-name": "deck", "q-1-label_fr": "Présentation", "q-1-type": "file",
            "q-1-accept": ["application/pdf", "image/png"], "q-1-max_bytes": "4096",
            "criteria": "2",
            "c-0-code": "excellence", "c-0-weight": "2", "c-0-scale_min": "0", "c-0-scale_max": "5", "c-0-threshold": "3",
            "c-1-code": "impact", "c-1-weight": "1", "c-1-scale_min": "0", "c-1-scale_max": "10",
            "el-actor_kinds": ["company"], "el-regions": "11, 84", "el-max_company_age_years": "8",
            "blind": "on", "reviewers_per_item": "2", "op": "save"}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def names(html: str, prefix: str) -> list[str]:
    return re.findall(rf'name="{prefix}-\d+-name" maxlength="60" value="([^"]*)"', html) if prefix == "q" else \
        re.findall(rf'name="{prefix}-\d+-code" maxlength="40" value="([^"]*)"', html)


def count_calls(db) -> int:
    with db() as s:
        return s.scalar(select(func.count()).select_from(Call)) or 0


def test_editor_buttons_errors_and_save(db, story):
    story["users"]["editor"] = make_user(db, "editor@example.org", roles=[("editor", "region", "11")])
    e, h = client_for(story, db, "editor")
    page = e.get("/calls/new")
    section = page.text[page.text.index('<section class="page call-editor">'):]
    assert page.status_code == 200 and 'name="q-0-name"' in section and "<script" not in section  # no JavaScript
    # buttons: add, move up, remove; the page comes back with the state as typed
    added = e.post("/calls/new", headers=h, data=base(op="add_question"))
    assert added.status_code == 200 and names(added.text, "q") == ["summary", "deck", ""]
    moved = e.post("/calls/new", headers=h, data=base(op="up_question:1"))
    assert names(moved.text, "q") == ["deck", "summary"]
    removed = e.post("/calls/new", headers=h, data=base(op="remove_criterion:0"))
    assert names(removed.text, "c") == ["impact"]
    assert e.post("/calls/new", headers=h, data=base(op="remove_question:7")).status_code == 422
    before = count_calls(db)
    # errors name the field (as the service does) and mark its input; nothing is stored
    for over, field, input_name in (
            ({"q-1-name": "Bad Name"}, "form.fields[1].name", "q-1-name"),
            ({"q-0-max_length": "lots"}, "form.fields[0].max_length", "q-0-max_length"),
            ({"q-1-accept": None}, "form.fields[1].accept", "q-1-accept"),
            ({"q-1-type": "choice"}, "form.fields[1].choices", "q-1-choices"),
            ({"c-0-weight": "abc"}, "criteria[0].weight", "c-0-weight"),
            ({"c-0-threshold": "7"}, "criteria[0].threshold", "c-0-threshold"),
            ({"c-1-code": "excellence"}, "criteria[1].code", "c-1-code"),
            ({"el-actor_kinds": ["unicorn"]}, "eligibility.actor_kinds", "el-actor_kinds"),
            ({"el-max_company_age_years": "2.5"}, "eligibility.max_company_age_years", "el-max_company_age_years"),
            ({"closes_at": "2025-12-01T10:00"}, "closes_at", "closes_at"),
            ({"region": "99"}, "region", "region"),
            ({"title_fr": "Défi\u202e"}, "title_fr", "title_fr")):
        r = e.post("/calls/new", headers=h, data=base(**over))
        assert r.status_code == 422, (over, r.text[:300])
        # a refused field in the reader's colon (French here); a call-level refusal keeps its English "field:"
        assert f'data-field="{input_name}"' in r.text and (f"{field}\u202f:" in r.text or f"{field}:" in r.text), \
            (over, field)
        assert f'name="{input_name}"' in r.text and 'aria-invalid="true"' in r.text
        assert names(r.text, "q")[0] == "summary"  # the rest of the form is kept as typed
    assert count_calls(db) == before
    saved = e.post("/calls/new", headers=h, data=base(op="save"))
    assert saved.status_code == 303
    call_id = int(re.search(r"/calls/(\d+)/manage", saved.headers["location"]).group(1))
    with db() as s:
        call = service.get_call(s, call_id=call_id)
        form = json.loads(call.form)
        assert [(f["name"], f["type"], f["required"]) for f in form["fields"]] == [
            ("summary", "textarea", True), ("deck", "file", False)]
        assert form["fields"][0]["max_length"] == 500 and form["fields"][1]["accept"] == ["application/pdf", "image/png"]
        assert json.loads(call.eligibility) == {"actor_kinds": ["company"], "regions": ["11", "84"],
                                                "max_company_age_years": 8}
        panel = service.panel_of(s, call=call)
        assert [(c.code, c.weight, c.scale_max, c.threshold) for c in panel.criteria] == [
            ("excellence", 2.0, 5, 3.0), ("impact", 1.0, 10, None)]
        assert panel.reviewers_per_item == 2 and panel.blind
    # its manager edits the draft: the page shows the stored values; a criterion moved and reweighted
    edit = e.get(f"/calls/{call_id}/edit")
    assert edit.status_code == 200 and names(edit.text, "q") == ["summary", "deck"] and 'value="4096"' in edit.text
    r = e.post(f"/calls/{call_id}/edit", headers=h, data=base(**{"c-0-code": "impact", "c-0-weight": "3",
                                                                 "c-0-scale_max": "10", "c-0-threshold": None,
                                                                 "c-1-code": "excellence", "c-1-weight": "1",
                                                                 "c-1-scale_max": "5"}))
    assert r.status_code == 303
    with db() as s:
        panel = service.panel_of(s, call=service.get_call(s, call_id=call_id))
        assert [(c.code, c.weight) for c in panel.criteria] == [("impact", 3.0), ("excellence", 1.0)]
    # someone who does not manage it: refused; once published: refused naming the status
    o, oh = client_for(story, db, "other_applicant")
    assert o.get(f"/calls/{call_id}/edit").status_code == 403
    assert e.post(f"/calls/{call_id}/publish", headers=h).status_code == 303
    r = e.post(f"/calls/{call_id}/edit", headers=h, data=base())
    assert r.status_code == 422 and "status\u202f: le formulaire et les critères d&#39;un appel publié" in r.text
