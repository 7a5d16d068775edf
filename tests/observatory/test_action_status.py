"""PATCH /api/v1/roadmaps/actions/{id}: admin token, status checked (clear 422), the change kept with
its date; the roadmap page then shows the progress."""

from __future__ import annotations

import typing

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bioatlas.app import create_app
from bioatlas.core.config import load_settings
from bioatlas.observatory.models import (
    ACTION_STATUSES,
    ActionStatusChange,
    Roadmap,
    RoadmapAction,
    RoadmapAxis,
)
from bioatlas.observatory.schemas import ActionStatusIn

TOKEN = "t" * 32  # the test settings' admin token (tests/conftest.py)
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _action(session, roadmap: str, number: int) -> RoadmapAction:
    return session.scalar(select(RoadmapAction).join(RoadmapAxis).join(Roadmap)
                          .where(Roadmap.code == roadmap, RoadmapAction.number == number))


def _changes(session) -> int:
    return session.scalar(select(func.count()).select_from(ActionStatusChange))


def test_the_schema_accepts_exactly_the_model_statuses():
    assert typing.get_args(ActionStatusIn.model_fields["status"].annotation) == ACTION_STATUSES


def test_status_change_is_recorded_with_its_date(obs_client, session, loaded):
    action = _action(session, "idf-assises-2021", 4)
    r = obs_client.patch(f"/api/v1/roadmaps/actions/{action.id}", json={"status": "in_progress", "note": "guichet ouvert"},
                         headers=AUTH)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["roadmap"], body["axis"], body["number"]) == ("idf-assises-2021", 2, 4)
    assert (body["previous_status"], body["status"]) == ("unknown", "in_progress")
    r = obs_client.patch(f"/api/v1/roadmaps/actions/{action.id}", json={"status": "done"}, headers=AUTH)
    assert r.status_code == 200
    session.expire_all()
    changes = list(session.scalars(select(ActionStatusChange).order_by(ActionStatusChange.id)))
    assert [(c.old_status, c.new_status, c.note) for c in changes] == [
        ("unknown", "in_progress", "guichet ouvert"), ("in_progress", "done", None)]
    assert all(c.changed_at is not None and c.changed_by == "admin token" for c in changes)
    assert _action(session, "idf-assises-2021", 4).status == "done"
    page = obs_client.get("/observatory/roadmaps/idf-assises-2021?lang=fr").text
    # axis 2 has 4 actions (4 to 7), one done; the roadmap 11, one done
    assert "25\u202f% réalisées, 0\u202f% en cours · 3 au statut inconnu" in page
    assert "9\u202f% réalisées, 0\u202f% en cours · 10 au statut inconnu" in page
    assert "modifié le" in page
    api = obs_client.get("/api/v1/roadmaps/idf-assises-2021").json()
    assert api["axes"][1]["progress"]["by_status"]["done"] == 1


def test_bad_requests_change_nothing(obs_client, session, loaded):
    action = _action(session, "idf-assises-2021", 1)
    url = f"/api/v1/roadmaps/actions/{action.id}"
    assert obs_client.patch(url, json={"status": "done"}).status_code == 401
    assert obs_client.patch(url, json={"status": "done"}, headers={"Authorization": "Bearer wrong"}).status_code == 401
    r = obs_client.patch(url, json={"status": "late"}, headers=AUTH)
    assert r.status_code == 422
    assert "status" in r.text and "in_progress" in r.text  # names the field and the allowed values
    assert obs_client.patch(url, json={"status": "done", "colour": "red"}, headers=AUTH).status_code == 422
    assert obs_client.patch(url, content=b"not json", headers={**AUTH, "Content-Type": "application/json"}).status_code == 422
    r = obs_client.patch("/api/v1/roadmaps/actions/999999", json={"status": "done"}, headers=AUTH)
    assert r.status_code == 404 and "999999" in r.json()["detail"]
    assert obs_client.patch("/api/v1/roadmaps/actions/0", json={"status": "done"}, headers=AUTH).status_code == 422
    session.expire_all()
    assert _changes(session) == 0 and _action(session, "idf-assises-2021", 1).status == "unknown"


def test_status_changes_are_refused_without_a_configured_token(database_url, db, tmp_path, loaded):
    settings = load_settings(database_url=database_url, environment="test", data_dir=tmp_path, admin_token="")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        r = client.patch("/api/v1/roadmaps/actions/1", json={"status": "done"}, headers=AUTH)
    assert r.status_code == 403 and "BIOATLAS_ADMIN_TOKEN" in r.json()["detail"]


def test_a_reload_of_the_reference_data_keeps_changed_statuses(obs_client, db, session, loaded):
    from bioatlas.observatory.reference import load_reference

    changed, untouched = _action(session, "idf-assises-2021", 6), _action(session, "idf-assises-2021", 7)
    ids = (changed.id, untouched.id)
    assert obs_client.patch(f"/api/v1/roadmaps/actions/{changed.id}", json={"status": "planned"}, headers=AUTH).status_code == 200
    with db() as other:
        report = load_reference(other)
        other.commit()
    assert report.counts["actions"] == 11
    session.expire_all()
    again = (_action(session, "idf-assises-2021", 6), _action(session, "idf-assises-2021", 7))
    assert (again[0].id, again[1].id) == ids  # updated in place, not recreated
    assert (again[0].status, again[1].status) == ("planned", "unknown")  # the API's change wins over the file
    assert _changes(session) == 1
