"""Messaging over HTTP: the pages (FR/EN, escaped text, CSRF, sizes, rate limit), the JSON API,
block/report/moderation, and every messaging route for two members, a stranger and a visitor
(0 leaks)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bioatlas.accounts import service as accounts
from bioatlas.accounts.models import User
from bioatlas.app import create_app
from bioatlas.messaging import service
from tests.accounts.fixtures import audit_events
from tests.messaging.helpers import quick_user
from tests.test_authz_matrix import routes

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def msg_app(settings, db):
    return create_app(settings.model_copy(update={"rate_limit_messages": 6}))


def _client(app, db, user_id: int | None):
    """A client logged in as the user (a session written directly); its CSRF token."""
    client = TestClient(app, raise_server_exceptions=False)
    if user_id is None:
        return client, ""
    with db() as s:
        raw, row = accounts.create_session(s, user=s.get(User, user_id), days=1)
        s.commit()
    client.cookies.set("bioatlas_session", raw)
    return client, row.csrf_token


@pytest.fixture
def three(db, msg_app):
    ids = {name: quick_user(db, name) for name in ("alice", "bob", "carol")}
    ids["admin"] = quick_user(db, "admin")
    with db() as s:
        s.get(User, ids["admin"]).is_admin = True
        s.commit()
    return ids, {name: _client(msg_app, db, uid) for name, uid in ids.items()}


def test_a_conversation_through_the_pages(db, three):
    ids, clients = three
    (alice, a_csrf), (bob, b_csrf) = clients["alice"], clients["bob"]
    page = alice.get(f"/messages/new?to={ids['bob']}")
    assert page.status_code == 200 and "Écrire à Participant démo bob" in page.text
    r = alice.post("/messages/new", data={"to": ids["bob"], "body": "<script>alert(1)</script> Bonjour\u202f!"})
    assert r.status_code == 403  # no CSRF token
    r = alice.post("/messages/new", data={"to": ids["bob"], "body": "<script>alert(1)</script> Bonjour\u202f!",
                                          "csrf_token": a_csrf}, follow_redirects=False)
    assert r.status_code == 303
    thread_id = int(r.headers["location"].rsplit("/", 1)[1])
    # bob: the top bar counts it, the inbox lists it as a request, the thread shows it escaped
    inbox = bob.get("/messages").text
    assert re.search(r'class="messages-count" data-unread="1"', inbox)
    assert "Demandes de message" in inbox and f'data-thread="{thread_id}"' in inbox
    assert "Message requests" in bob.get("/messages?lang=en").text
    page = bob.get(f"/messages/{thread_id}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Bonjour\u202f!" in page and "<script>alert(1)" not in page
    assert 'value="accept"' in page
    r = bob.post(f"/messages/{thread_id}/answer", data={"decision": "accept", "csrf_token": b_csrf},
                 follow_redirects=False)
    assert r.status_code == 303
    r = bob.post(f"/messages/{thread_id}", data={"body": "Avec plaisir", "csrf_token": b_csrf}, follow_redirects=False)
    assert r.status_code == 303
    # an oversized or empty message: refused by the form's label, in the reader's language (bob reads English
    # since his ?lang=en above; alice French)
    r = bob.post(f"/messages/{thread_id}", data={"body": "x" * (service.MAX_BODY + 1), "csrf_token": b_csrf})
    assert r.status_code == 413 and "Message: at most 4000 characters (4001 given)" in r.text
    r = alice.post(f"/messages/{thread_id}", data={"body": "x" * (service.MAX_BODY + 1), "csrf_token": a_csrf})
    assert r.status_code == 413 and "Message\u202f: 4000 caractères au plus (4001 reçus)" in r.text
    r = bob.post(f"/messages/{thread_id}", data={"body": " ", "csrf_token": b_csrf})
    assert r.status_code == 422 and "Message: write a message" in r.text
    page = alice.get(f"/messages/{thread_id}").text
    assert "Avec plaisir" in page and 'class="messages-count"' not in page  # read now
    # mute from the e-mail's link: a confirmation page, then the form
    assert "Couper les notifications de cette conversation" in alice.get(f"/messages/{thread_id}/mute").text
    r = alice.post(f"/messages/{thread_id}/mute", data={"muted": "1", "csrf_token": a_csrf}, follow_redirects=False)
    assert r.status_code == 303
    with db() as s:
        assert service.threads_of(s, user_id=ids["alice"])[0].muted
    # read receipts, opt-in on both sides
    for client, csrf in ((alice, a_csrf), (bob, b_csrf)):
        client.post("/messages/settings", data={"read_receipts": "on", "csrf_token": csrf})
    bob.post(f"/messages/{thread_id}", data={"body": "Vu\u202f?", "csrf_token": b_csrf})
    alice.get(f"/messages/{thread_id}")
    assert "Vu par Participant démo alice" in bob.get(f"/messages/{thread_id}?lang=fr").text
    # rate limit: 6 messages in the window (the setting of this app), then 429, audited
    statuses = [bob.post(f"/messages/{thread_id}", data={"body": f"n° {i}", "csrf_token": b_csrf},
                         follow_redirects=False).status_code for i in range(4)]
    assert statuses[-1] == 429 and statuses[0] == 303
    assert audit_events(db, "rate_limited")
    # the rate limit's refusal in the reader's language (bob reads French since ?lang=fr above)
    r = bob.post(f"/messages/{thread_id}", data={"body": "encore", "csrf_token": b_csrf}, headers={"Accept": "text/html"})
    assert r.status_code == 429 and re.search(r"trop de tentatives\u202f: réessayez dans \d+ secondes", r.text)
    r = bob.post(f"/messages/{thread_id}?lang=en", data={"body": "encore", "csrf_token": b_csrf},
                 headers={"Accept": "text/html"})
    assert r.status_code == 429 and re.search(r"too many attempts: try again in \d+ seconds", r.text)
    assert r.headers["Retry-After"].isdigit()
    r = bob.post(f"/api/v1/messages/{thread_id}", json={"body": "encore"}, headers={"X-CSRF-Token": b_csrf})
    assert r.status_code == 429 and r.json()["detail"].startswith("too many attempts: try again in ")


def test_block_report_and_moderation(db, three):
    ids, clients = three
    (alice, a_csrf), (bob, b_csrf), (admin, adm_csrf) = clients["alice"], clients["bob"], clients["admin"]
    with db() as s:
        thread = service.open_thread(s, user_ids=[ids["bob"]], opened_by=ids["alice"], accepted=True)
        bad = service.post_message(s, thread_id=thread.id, sender_id=ids["alice"], body="Offre douteuse")
        s.commit()
    r = bob.post(f"/messages/{thread.id}/report", data={"message_id": bad.id, "reason": "spam", "csrf_token": b_csrf})
    assert r.status_code == 200 and "signalé" in r.text
    [event] = audit_events(db, "message_report")
    assert event.user_id == ids["bob"] and event.target == f"message:{bad.id}"
    assert alice.get("/admin/messages/reports").status_code == 403
    assert 'href="/admin/messages/reports"' not in alice.get("/messages").text
    assert 'href="/admin/messages/reports"' in admin.get("/messages").text  # the top bar, for admins
    page = admin.get("/admin/messages/reports").text
    assert "Offre douteuse" in page and "spam" in page
    report_id = int(re.search(r'data-report="(\d+)"', page).group(1))
    r = admin.post(f"/admin/messages/reports/{report_id}", data={"note": "", "csrf_token": adm_csrf})
    assert r.status_code == 422 and "Note de résolution\u202f: écrivez un message" in r.text
    r = admin.post(f"/admin/messages/reports/{report_id}", data={"note": "averti", "csrf_token": adm_csrf},
                   follow_redirects=False)
    assert r.status_code == 303 and audit_events(db, "message_report_resolved")
    # bob blocks alice: she cannot write to him any more, with a clear refusal
    r = bob.post("/messages/blocks", data={"user_id": ids["alice"], "csrf_token": b_csrf}, follow_redirects=False)
    assert r.status_code == 303 and "Participant démo alice" in bob.get("/messages").text
    r = alice.post(f"/messages/{thread.id}", data={"body": "Pourquoi\u202f?", "csrf_token": a_csrf})
    assert r.status_code == 403 and "cette personne n&#39;accepte pas vos messages" in r.text  # French page (escaped quote)
    r = alice.post("/api/v1/messages", json={"to": ids["bob"], "body": "Ailleurs"}, headers={"X-CSRF-Token": a_csrf})
    # `detail` English as every room's (was the reader's language), `field` and `message` the reader's
    assert r.status_code == 403 and r.json() == {"detail": "user_ids: this person does not accept your messages",
                                                 "field": "user_ids", "message": "cette personne n'accepte pas vos messages"}
    r = alice.post("/api/v1/messages?lang=en", json={"to": ids["bob"], "body": "Ailleurs"}, headers={"X-CSRF-Token": a_csrf})
    assert r.status_code == 403 and r.json()["detail"] == "user_ids: this person does not accept your messages"
    assert r.json()["message"] == "this person does not accept your messages"
    r = alice.post(f"/messages/{thread.id}?lang=en", data={"body": "Why?", "csrf_token": a_csrf})
    assert r.status_code == 403 and "this person does not accept your messages" in r.text
    r = bob.post(f"/messages/blocks/{ids['alice']}/delete", data={"csrf_token": b_csrf}, follow_redirects=False)
    assert r.status_code == 303
    r = alice.post(f"/messages/{thread.id}", data={"body": "Merci", "csrf_token": a_csrf}, follow_redirects=False)
    assert r.status_code == 303


def test_the_json_api(db, three):
    ids, clients = three
    (alice, a_csrf), (bob, b_csrf) = clients["alice"], clients["bob"]
    ha, hb = {"X-CSRF-Token": a_csrf}, {"X-CSRF-Token": b_csrf}
    r = alice.post("/api/v1/messages", json={"to": ids["bob"], "body": "Bonjour par l'API"}, headers=ha)
    assert r.status_code == 201 and r.json()["status"] == "request"
    thread_id = r.json()["id"]
    r = alice.post(f"/api/v1/messages/{thread_id}", json={"body": "encore"}, headers=ha)
    assert r.status_code == 409
    [line] = bob.get("/api/v1/messages").json()
    assert line["request_to_me"] and line["unread"] == 1 and line["with"] == ["Participant démo alice"]
    assert bob.post(f"/api/v1/messages/{thread_id}/answer", json={"decision": "maybe"}, headers=hb).status_code == 422
    assert bob.post(f"/api/v1/messages/{thread_id}/answer", json={"decision": "accept"}, headers=hb).json()["status"] == "accepted"
    r = bob.post(f"/api/v1/messages/{thread_id}", json={"body": "y" * 4001}, headers=hb)
    assert r.status_code == 413 and r.json()["detail"] == "body: at most 4000 characters (4001 given)"
    assert r.json()["message"] == "4000 caractères au plus (4001 reçus)"  # his account's French
    r = bob.post(f"/api/v1/messages/{thread_id}?lang=en", json={"body": "y" * 4001}, headers=hb)
    assert r.status_code == 413 and r.json()["detail"] == "body: at most 4000 characters (4001 given)"
    assert bob.post(f"/api/v1/messages/{thread_id}", json={}, headers=hb).status_code == 422
    assert bob.post(f"/api/v1/messages/{thread_id}", json={"body": "Réponse"}, headers=hb).status_code == 201
    view = alice.get(f"/api/v1/messages/{thread_id}").json()
    assert [m["body"] for m in view["messages"]] == ["Bonjour par l'API", "Réponse"]
    assert alice.get("/api/v1/messages").json()[0]["unread"] == 0
    assert alice.get("/api/v1/messages/999999").status_code == 404
    assert alice.post("/api/v1/messages", json={"to": 999_999, "body": "?"}, headers=ha).status_code == 422


def test_every_messaging_route_for_members_a_stranger_and_a_visitor(db, three, msg_app):
    """Alice and Bob share a thread; Carol is a stranger to it; a visitor is anonymous. Every
    messaging route (from the route table) × these four: members pass, Carol is refused on the
    thread (403) and never sees its text, the visitor is refused everywhere (401)."""
    ids, clients = three
    clients["anonymous"] = _client(msg_app, db, None)
    with db() as s:
        thread = service.open_thread(s, user_ids=[ids["bob"]], opened_by=ids["alice"], accepted=True)
        msg = service.post_message(s, thread_id=thread.id, sender_id=ids["alice"], body="Secret de fabrication")
        s.commit()
    table = [(m, p) for m, p, _ in routes(msg_app) if p.startswith(("/messages", "/api/v1/messages", "/admin/messages"))]
    assert len(table) >= 20
    bodies = {"body": "Bonjour", "decision": "accept", "message_id": msg.id, "reason": "test", "muted": True,
              "user_id": ids["carol"], "to": ids["carol"], "note": "ok"}
    leaks, wrong = [], []
    for method, path in table:
        url = path.replace("{thread_id}", str(thread.id)).replace("{user_id}", str(ids["carol"])).replace(
            "{report_id}", "1")
        for who in ("alice", "bob", "carol", "anonymous"):
            client, csrf = clients[who]
            kwargs: dict = {}
            if method in ("POST", "DELETE"):
                if path.startswith("/api/"):
                    kwargs = {"json": bodies, "headers": {"X-CSRF-Token": csrf}}
                else:
                    kwargs = {"data": {**bodies, "muted": "1", "csrf_token": csrf}}
            r = client.request(method, url, follow_redirects=False, **kwargs)
            on_thread = "{thread_id}" in path
            admin_only = path.startswith("/admin/")
            refused = r.status_code in (401, 403)
            if who == "anonymous":
                ok = r.status_code == 401
            elif admin_only:
                ok = r.status_code == 403
            elif who == "carol" and on_thread:
                ok = refused and "Secret de fabrication" not in r.text
            else:
                ok = not refused or "does not accept" in r.text  # carol blocked by a route above
            if not ok:
                (leaks if not refused else wrong).append((method, path, who, r.status_code, r.text[:100]))
            if r.status_code >= 500:
                wrong.append((method, path, who, r.status_code))
    assert leaks == [], leaks
    assert wrong == [], wrong
    with db() as s:  # every refusal of carol on the thread is in the audit log
        refused = [e for e in audit_events(db, "refused") if e.user_id == ids["carol"]]
        assert len(refused) >= 8
        assert s.scalar(select(User.id).where(User.id == ids["carol"]))


def test_generated_api_requests_by_a_member_never_get_a_server_error(db, three, msg_app):
    """Schemathesis over the messaging operations as a signed-in member of a thread (the suite's
    fuzz test runs anonymous and with the admin token, which these routes refuse at once)."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings as hsettings

    ids, clients = three
    with db() as s:
        thread = service.open_thread(s, user_ids=[ids["bob"]], opened_by=ids["alice"], accepted=True)
        service.post_message(s, thread_id=thread.id, sender_id=ids["alice"], body="Bonjour")
        s.commit()
    _, csrf = clients["alice"]
    cookies = dict(clients["alice"][0].cookies)
    schema = schemathesis.openapi.from_asgi("/openapi.json", msg_app)
    errors: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith("/api/v1/messages"):
            continue
        operations += 1

        @given(case=operation.as_strategy())
        @hsettings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                   database=None)
        def run(case):
            if case.path_parameters and "thread_id" in case.path_parameters:
                case.path_parameters["thread_id"] = thread.id  # her own thread, so the handler runs
            try:
                response = case.call(headers={"X-CSRF-Token": csrf}, cookies=cookies)
            except Exception as exc:  # noqa: BLE001
                errors.append(f"{case.method} {case.formatted_path}: {exc!r}"[:300])
                return
            if response.status_code >= 500:
                errors.append(f"{case.method} {case.formatted_path} -> {response.status_code}")

        run()
    assert operations >= 9
    assert errors == [], errors[:10]
