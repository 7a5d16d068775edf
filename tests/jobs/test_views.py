"""The admin page `/admin/jobs`: administrators see each job's status, attempts and error, in
French and English; other users are refused; a bad filter is a 422 naming the field."""

from __future__ import annotations

from datetime import datetime, timezone

from bioatlas.jobs.models import JobRun
from tests.accounts.fixtures import login, make_user


def _jobs(db):
    at = datetime(2026, 12, 6, 4, 0, tzinfo=timezone.utc)
    with db() as s:
        s.add_all([
            JobRun(id="a" * 32, task="search.embed", args="", status="done", attempts=1, enqueued_at=at,
                   started_at=at, finished_at=at),
            JobRun(id="b" * 32, task="notifications.send", args="outbox_id=12", status="failed", attempts=4,
                   error="SMTPConnectError: <relay> refused", enqueued_at=at, finished_at=at),
        ])
        s.commit()


def test_admins_see_jobs_with_their_errors(client, db):
    _jobs(db)
    make_user(db, "admin@example.org", admin=True)
    assert login(client, "admin@example.org").status_code == 303
    page = client.get("/admin/jobs")
    assert page.status_code == 200 and 'lang="fr"' in page.text
    assert "Tâches de fond" in page.text and "Échec (1)" in page.text and "Terminée (1)" in page.text
    assert "SMTPConnectError: &lt;relay&gt; refused" in page.text  # escaped
    # the command as code, not Markdown's backticks shown as they are
    assert "processus de fond\u202f: <code>bioatlas jobs worker</code>. Une tâche" in page.text and "`" not in page.text
    assert 'data-job="' + "b" * 32 + '" data-status="failed"' in page.text
    assert 'href="/admin/jobs">Tâches de fond</a>' in client.get("/actors").text  # the top-bar link
    failed = client.get("/admin/jobs", params={"status": "failed", "lang": "en"})
    assert "Background jobs" in failed.text and 'data-job="' + "a" * 32 not in failed.text
    assert "notifications.send" in failed.text and "outbox_id=12" in failed.text
    assert 'href="/admin/jobs?status=failed" data-status="failed" aria-current="page"' in failed.text
    bad = client.get("/admin/jobs", params={"status": "lost"}, headers={"accept": "application/json"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "status"


def test_other_users_are_refused(client, db):
    _jobs(db)
    assert client.get("/admin/jobs").status_code == 401
    make_user(db, "user@example.org")
    login(client, "user@example.org")
    page = client.get("/admin/jobs")
    assert page.status_code == 403 and "search.embed" not in page.text
    assert 'href="/admin/jobs"' not in client.get("/actors").text
