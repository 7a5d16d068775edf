"""The messaging service as other rooms call it: threads with a context, message requests,
accept/decline, blocks, size limits, counts, unread notifications (immediate and digest: no
follow-up message dropped), read receipts, personal data export and erasure."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bioatlas.accounts import service as accounts
from bioatlas.core.fields import refusal_text
from bioatlas.core.i18n import Translator
from bioatlas.messaging import service
from bioatlas.messaging.models import Message, Report, ThreadMember
from bioatlas.notifications import service as notifications
from bioatlas.notifications.models import Notification, OutboxMail
from tests.accounts.fixtures import PASSWORD, make_user
from tests.messaging.helpers import quick_user

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)  # in the past: the CLI reads the clock


@pytest.fixture
def people(db):
    return {name: quick_user(db, name) for name in ("alice", "bob", "carol")}


def _fails(exc_info, status: int, field: str) -> None:
    assert exc_info.value.status == status, exc_info.value
    assert exc_info.value.field == field, exc_info.value


def test_a_first_message_to_a_stranger_is_a_request(db, people):
    a, b, c = people["alice"], people["bob"], people["carol"]
    with db() as s:
        thread = service.open_thread(s, user_ids=[b], opened_by=a)
        assert thread.status == "request"
        service.post_message(s, thread_id=thread.id, sender_id=a, body="Bonjour Bob")
        with pytest.raises(service.MessagingError) as e:  # one message until accepted
            service.post_message(s, thread_id=thread.id, sender_id=a, body="Relance")
        _fails(e, 409, "thread_id")
        with pytest.raises(service.MessagingError) as e:  # the opener does not accept their own request
            service.accept(s, thread_id=thread.id, user_id=a)
        _fails(e, 409, "thread_id")
        with pytest.raises(service.MessagingError) as e:  # a stranger to the thread
            service.post_message(s, thread_id=thread.id, sender_id=c, body="Moi aussi")
        _fails(e, 403, "thread_id")
        [inbox_b] = service.threads_of(s, user_id=b)
        assert inbox_b.request_to_me and inbox_b.unread == 1 and inbox_b.others == ["Participant démo alice"]
        assert service.threads_of(s, user_id=a)[0].request_from_me
        # replying accepts; then both write freely; the same pair reuses the thread
        service.post_message(s, thread_id=thread.id, sender_id=b, body="Bonjour Alice")
        assert thread.status == "accepted"
        service.post_message(s, thread_id=thread.id, sender_id=a, body="Merci")
        assert service.open_thread(s, user_ids=[a], opened_by=b).id == thread.id
        # declining: nobody writes any more
        other = service.open_thread(s, user_ids=[c], opened_by=a)
        service.post_message(s, thread_id=other.id, sender_id=a, body="Bonjour Carol")
        service.decline(s, thread_id=other.id, user_id=c)
        with pytest.raises(service.MessagingError) as e:
            service.post_message(s, thread_id=other.id, sender_id=c, body="finalement")
        _fails(e, 409, "thread_id")
        assert service.can_read(s, thread_id=thread.id, user_id=a)
        assert not service.can_read(s, thread_id=thread.id, user_id=c)
        assert not service.can_read(s, thread_id=thread.id, user_id=None)


def test_rooms_open_accepted_threads_with_a_context_and_count_messages(db, people):
    a, b, c = people["alice"], people["bob"], people["carol"]
    ctx = service.Context(kind="event", id=42, label="Congrès démo", url="/events/42")
    with db() as s:
        thread = service.open_thread(s, user_ids=[b, c], opened_by=a, context=ctx, accepted=True)
        assert thread.status == "accepted" and thread.context_id == "42"
        # the same room, item and members: the same thread; another item: another thread
        assert service.open_thread(s, user_ids=[c, b], opened_by=a, context=ctx, accepted=True).id == thread.id
        other = service.open_thread(s, user_ids=[b], opened_by=a, context={"kind": "interest", "id": "7"},
                                    accepted=True)
        assert other.id != thread.id
        for i, sender in enumerate((a, b, c, b)):
            service.post_message(s, thread_id=thread.id, sender_id=sender, body=f"message {i}", now=T0 + timedelta(minutes=i))
        service.post_message(s, thread_id=other.id, sender_id=b, body="hors congrès", now=T0)
        assert service.thread_for_context(s, context_kind="event", context_id=42).id == thread.id
        assert service.thread_for_context(s, context_kind="event", context_id="42", user_id=c).id == thread.id
        assert service.thread_for_context(s, context_kind="interest", context_id=7, user_id=c) is None
        assert service.message_count(s, context_kind="event", context_id=42) == 4
        assert service.message_count(s, context_kind="event", since=T0 + timedelta(minutes=2)) == 2
        assert service.message_count(s) == 5
        assert [t.thread.id for t in service.threads_of(s, user_id=b, context_kind="interest")] == [other.id]
        for bad, field in (({"kind": "Event!", "id": 1}, "context.kind"), ({"kind": "event", "id": ""}, "context.id"),
                           ({"kind": "event", "id": 1, "url": "https://evil.example"}, "context.url"),
                           ({"kind": "event", "id": 1, "colour": "red"}, "context")):
            with pytest.raises(service.MessagingError) as e:
                service.open_thread(s, user_ids=[b], opened_by=a, context=bad)
            _fails(e, 422, field)
        with pytest.raises(service.MessagingError) as e:
            service.open_thread(s, user_ids=[a], opened_by=a)
        _fails(e, 422, "user_ids")
        with pytest.raises(service.MessagingError) as e:
            service.open_thread(s, user_ids=[999_999], opened_by=a)
        _fails(e, 422, "user_ids")


def test_blocks_sizes_and_pending_request_cap(db, people):
    a, b = people["alice"], people["bob"]
    with db() as s:
        thread = service.open_thread(s, user_ids=[b], opened_by=a, accepted=True)
        for body, status in (("", 422), ("   ", 422), ("x" * (service.MAX_BODY + 1), 413),
                             ("facture\u202egnp.exe", 422), ("nul\x00", 422)):
            with pytest.raises(service.MessagingError) as e:
                service.post_message(s, thread_id=thread.id, sender_id=a, body=body)
            _fails(e, status, "body")
        service.post_message(s, thread_id=thread.id, sender_id=a, body="x" * service.MAX_BODY)
        service.block(s, blocker_id=b, blocked_id=a)
        with pytest.raises(service.MessagingError) as e:
            service.post_message(s, thread_id=thread.id, sender_id=a, body="tu es là\u202f?")
        _fails(e, 403, "thread_id")
        with pytest.raises(service.MessagingError) as e:
            service.open_thread(s, user_ids=[b], opened_by=a, context={"kind": "event", "id": 1}, accepted=True)
        _fails(e, 403, "user_ids")
        service.post_message(s, thread_id=thread.id, sender_id=b, body="je peux encore écrire")  # the blocker can
        service.unblock(s, blocker_id=b, blocked_id=a)
        service.post_message(s, thread_id=thread.id, sender_id=a, body="merci")
        with pytest.raises(service.MessagingError) as e:
            service.block(s, blocker_id=a, blocked_id=a)
        _fails(e, 422, "user_id")
    ids = [quick_user(db, f"p{i}") for i in range(service.MAX_PENDING_REQUESTS + 1)]
    with db() as s:
        for uid in ids[:service.MAX_PENDING_REQUESTS]:
            service.open_thread(s, user_ids=[uid], opened_by=a)
        with pytest.raises(service.MessagingError) as e:
            service.open_thread(s, user_ids=[ids[-1]], opened_by=a)
        _fails(e, 429, "user_ids")
    # the cap's refusal: a message id with params, read in each language
    assert e.value.message == ("20 of your message requests are still unanswered: wait for answers before "
                               "writing to more people")
    assert refusal_text(Translator("fr"), e.value) == ("20 de vos demandes de message attendent encore une réponse\u202f: "
                                                       "attendez des réponses avant d'écrire à d'autres personnes")
    assert refusal_text(Translator("en"), e.value) == e.value.message


def _outbox(db, kind):
    with db() as s:
        return list(s.scalars(select(OutboxMail).where(OutboxMail.kind == kind).order_by(OutboxMail.id)))


def test_unread_messages_are_notified_once_each_immediate_and_none_dropped(db, people):
    a, b = people["alice"], people["bob"]
    with db() as s:
        thread = service.open_thread(s, user_ids=[b], opened_by=a, accepted=True,
                                     context=service.Context(kind="event", id=1, label="Congrès démo"))
        for i in range(3):
            service.post_message(s, thread_id=thread.id, sender_id=a, body=f"Question {i + 1}", now=T0 + timedelta(minutes=i))
        # too recent: nobody is told yet (the person may be reading live)
        assert service.notify_unread(s, now=T0 + timedelta(minutes=5)) == 0
        assert service.notify_unread(s, now=T0 + timedelta(minutes=30), public_url="https://atlas.example") == 1
        s.commit()
    [mail] = _outbox(db, service.KIND)
    assert mail.to_address == "bob@example.org" and mail.link == f"/messages/{thread.id}"
    assert "3 messages non lus de Participant démo alice (Congrès démo)" == mail.subject
    for i in range(3):
        assert f"Question {i + 1}" in mail.body
    assert f"https://atlas.example/messages/{thread.id}/mute" in mail.body
    with db() as s:
        assert service.notify_unread(s, now=T0 + timedelta(hours=2)) == 0  # already told
        service.post_message(s, thread_id=thread.id, sender_id=a, body="Question 4", now=T0 + timedelta(hours=1))
        assert service.notify_unread(s, now=T0 + timedelta(hours=2)) == 1  # the follow-up is told
        s.commit()
    second = _outbox(db, service.KIND)[1]
    assert "Question 4" in second.body and "Question 3" not in second.body
    with db() as s:  # read, or muted: nothing more
        service.read_thread(s, thread_id=thread.id, user_id=b)
        service.post_message(s, thread_id=thread.id, sender_id=a, body="Question 5", now=T0 + timedelta(hours=3))
        service.set_muted(s, thread_id=thread.id, user_id=b, muted=True)
        assert service.notify_unread(s, now=T0 + timedelta(hours=4)) == 0
        s.commit()


def test_a_digest_lists_every_message(db, people):
    """3 messages → one digest listing all three (the bug of notifying only at the first unread
    message would drop two)."""
    a, b = people["alice"], people["bob"]
    with db() as s:
        notifications.set_preference(s, user_id=b, kind=service.KIND, delivery="digest")
        thread = service.open_thread(s, user_ids=[b], opened_by=a, accepted=True)
        for i, at in enumerate((T0, T0 + timedelta(minutes=20), T0 + timedelta(minutes=40))):
            service.post_message(s, thread_id=thread.id, sender_id=a, body=f"Relance n° {i + 1}", now=at)
            service.notify_unread(s, now=at + timedelta(minutes=15))  # the task runs between messages
        s.commit()
        assert len(list(s.scalars(select(Notification).where(Notification.user_id == b)))) == 3
    assert _outbox(db, service.KIND) == []  # nothing at once: the user chose the digest
    assert notifications.send_digests(db) == 1
    [digest] = _outbox(db, notifications.DIGEST_KIND)
    assert digest.to_address == "bob@example.org"
    for i in range(3):
        assert f"Relance n° {i + 1}" in digest.body


def test_read_receipts_are_off_until_both_turn_them_on(db, people):
    a, b = people["alice"], people["bob"]
    with db() as s:
        thread = service.open_thread(s, user_ids=[b], opened_by=a, accepted=True)
        service.post_message(s, thread_id=thread.id, sender_id=a, body="Lu\u202f?", now=T0)
        service.read_thread(s, thread_id=thread.id, user_id=b)
        assert service.read_thread(s, thread_id=thread.id, user_id=a).receipts == {}
        service.set_read_receipts(s, user_id=b, on=True)
        assert service.read_thread(s, thread_id=thread.id, user_id=a).receipts == {}  # alice does not share hers
        service.set_read_receipts(s, user_id=a, on=True)
        assert set(service.read_thread(s, thread_id=thread.id, user_id=a).receipts) == {b}
        with pytest.raises(service.MessagingError) as e:
            service.read_thread(s, thread_id=thread.id, user_id=people["carol"])
        _fails(e, 403, "thread_id")


def test_reports_export_and_erasure(db, people):
    a = make_user(db, "dora@example.org", name="Participant démo dora")  # deletes her account with her password
    b = people["bob"]
    with db() as s:
        thread = service.open_thread(s, user_ids=[b], opened_by=a, accepted=True)
        bad = service.post_message(s, thread_id=thread.id, sender_id=a, body="Achetez mes pilules\nà bas prix",
                                   now=T0)
        # bob is told (immediate e-mail and in-page notification): her name and words are quoted
        assert service.notify_unread(s, now=T0 + timedelta(hours=1)) == 1
        service.post_message(s, thread_id=thread.id, sender_id=b, body="Non merci", now=T0 + timedelta(hours=2))
        with pytest.raises(service.MessagingError) as e:
            service.report(s, message_id=bad.id, reporter_id=a, reason="moi")
        _fails(e, 422, "message_id")
        with pytest.raises(service.MessagingError) as e:
            service.report(s, message_id=bad.id, reporter_id=people["carol"], reason="vu")
        _fails(e, 404, "message_id")
        service.report_message(s, reporter_id=b, message_id=bad.id, reason="spam")
        [row] = service.reports(s)
        assert row["body"] == "Achetez mes pilules\nà bas prix" and row["reporter"] == "Participant démo bob"
        service.block(s, blocker_id=b, blocked_id=a)
        s.commit()
        data = accounts.my_data(s, user_id=a)["messaging"]
        assert [m["body"] for m in data["messages"]] == ["Achetez mes pilules\nà bas prix"]
        assert data["threads"][0]["with"] == ["Participant démo bob"]
        assert "Non merci" not in str(data)  # the other person's words are theirs
        assert accounts.my_data(s, user_id=b)["messaging"]["blocked"] == [a]
    quoted = [m.body for m in _outbox(db, service.KIND)]
    assert len(quoted) == 1 and "Participant démo dora" in quoted[0] and "Achetez mes pilules" in quoted[0]
    with db() as s:
        accounts.delete_account(s, user_id=a, password=PASSWORD, ip=None)
    with db() as s:
        bodies = [m.body for m in s.scalars(select(Message).order_by(Message.id))]
        assert bodies == [service.ERASED, "Non merci"]
        assert s.scalar(select(Report.body_copy)) == service.ERASED
        assert [m.user_id for m in s.scalars(select(ThreadMember))] == [b]
        view = service.read_thread(s, thread_id=thread.id, user_id=b)
        assert [m["deleted"] for m in view.messages] == [True, False]
        # nothing of her left in bob's notification and e-mail
        for text in [n.subject + n.body for n in s.scalars(select(Notification))] + [
                m.subject + m.body for m in s.scalars(select(OutboxMail))]:
            for needle in ("dora", "Achetez", "à bas prix"):
                assert needle not in text, text


def test_the_cli_notifies_and_counts(db, people, monkeypatch, database_url, tmp_path):
    from typer.testing import CliRunner

    from bioatlas.cli import app as cli_app

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BIOATLAS_DATA_DIR", str(tmp_path))
    a, b = people["alice"], people["bob"]
    with db() as s:
        thread = service.open_thread(s, user_ids=[b], opened_by=a, accepted=True, context={"kind": "event", "id": 9})
        service.post_message(s, thread_id=thread.id, sender_id=a, body="Bonjour", now=T0)
        s.commit()
    runner = CliRunner()
    r = runner.invoke(cli_app, ["messaging", "count", "--context-kind", "event", "--context-id", "9"],
                      catch_exceptions=False)
    assert r.exit_code == 0 and '"messages": 1' in r.stdout
    r = runner.invoke(cli_app, ["messaging", "notify"], catch_exceptions=False)
    assert r.exit_code == 0 and '"notified": 1' in r.stdout
    r = runner.invoke(cli_app, ["messaging", "notify", "--after-minutes", "-1"])
    assert r.exit_code == 2 and "after-minutes" in r.output
    assert "unread-message e-mails" in runner.invoke(cli_app, ["messaging", "--help"]).stdout
