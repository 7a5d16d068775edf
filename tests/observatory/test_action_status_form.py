"""The status form of a roadmap page: shown to administrators only, CSRF-checked, the same
record as the API (date, previous status, who, note)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from bioatlas.observatory.models import ActionStatusChange, Roadmap, RoadmapAction, RoadmapAxis
from tests.accounts.fixtures import PASSWORD, csrf_of, login, make_user

PAGE = "/observatory/roadmaps/idf-assises-2021"


def _action(session, number: int) -> RoadmapAction:
    return session.scalar(select(RoadmapAction).join(RoadmapAxis).join(Roadmap)
                          .where(Roadmap.code == "idf-assises-2021", RoadmapAction.number == number))


def test_an_admin_changes_a_status_from_the_page(app, db, session, loaded):
    make_user(db, "admin@example.org", admin=True, name="Alex Admin")
    make_user(db, "user@example.org")
    action = _action(session, 4)
    url = f"{PAGE}/actions/{action.id}"
    with TestClient(app, raise_server_exceptions=False) as anonymous:
        assert 'class="status-form"' not in anonymous.get(PAGE).text
        assert anonymous.post(url, data={"status": "done"}).status_code in (401, 403)
    with TestClient(app, raise_server_exceptions=False) as user:
        assert login(user, "user@example.org", PASSWORD).status_code in (200, 303)
        assert 'class="status-form"' not in user.get(PAGE).text
        assert user.post(url, data={"status": "done", "csrf_token": csrf_of(user, PAGE)}).status_code == 403
    with TestClient(app, raise_server_exceptions=False) as admin:
        assert login(admin, "admin@example.org", PASSWORD).status_code in (200, 303)
        page = admin.get(PAGE).text
        assert page.count('class="status-form"') == 11
        token = csrf_of(admin, PAGE)
        assert admin.post(url, data={"status": "done"}).status_code == 403  # no CSRF token
        assert admin.post(url, data={"status": "finished", "csrf_token": token}).status_code == 422
        assert admin.post(f"/observatory/roadmaps/bfc-2024/actions/{action.id}",
                          data={"status": "done", "csrf_token": token}).status_code == 404
        r = admin.post(url, data={"status": "in_progress", "note": "guichet <b>ouvert</b>", "csrf_token": token},
                       follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"{PAGE}#action-{action.id}"
        page = admin.get(PAGE).text
        assert "guichet &lt;b&gt;ouvert&lt;/b&gt;" in page and "<b>ouvert</b>" not in page
    session.expire_all()
    change = session.scalar(select(ActionStatusChange))
    assert (change.old_status, change.new_status, change.note) == ("unknown", "in_progress", "guichet <b>ouvert</b>")
    assert change.changed_by.startswith("user ") and "Alex Admin" in change.changed_by
    assert _action(session, 4).status == "in_progress"
