"""The one-stop shop: intake (bad input named, nothing stored; a first contact verified by the
mailed link), routing by rules to three partners, each partner seeing only its need, the company
seeing everything, coordinators seeing routing without notes, every read audited; statuses,
reminders and escalation; documents (type, size, content sniffing, download as attachment);
messages through messaging; figures; retention and personal data; the demo step."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bioatlas.accounts.models import AuditEvent
from bioatlas.accounts.policy import principal_for
from bioatlas.accounts.models import User
from bioatlas.notifications.models import Notification, OutboxMail
from bioatlas.oneshop import service
from bioatlas.oneshop.models import Case, Document, Need, Note, RoutedRequest, Rule
from tests.accounts.fixtures import csrf_of, login
from tests.contributions.helpers import add_actor
from tests.oneshop.helpers import PDF, add_document, make_case, quick_user

FORM = {"company_name": "Société test étrangère", "contact_name": "Contact test", "email": "founder@test.invalid",
        "country": "JP", "project_type": "pilot_line", "modality": "aav", "region": "11", "jobs_planned": "60",
        "surface_m2": "2000", "cleanroom_grade": "B", "investment_band": "10to50m"}
NEEDS3 = ["regulatory", "funding", "real_estate"]


@pytest.fixture
def world(db):
    partners = [add_actor(db, name, "91000", kind=kind) for name, kind in
                (("Agence test 1", "public_agency"), ("Pôle test 2", "cluster"), ("Agence test 3", "public_agency"))]
    other = add_actor(db, "Pôle test autre région", "69007", kind="cluster")
    company = add_actor(db, "Entreprise test", "91000")
    users = {f"p{i}": quick_user(db, f"p{i}@test.invalid", roles=[("member", "actor", a)])
             for i, a in enumerate(partners, start=1)}
    users["admin"] = quick_user(db, "admin@test.invalid", admin=True)
    users["founder"] = quick_user(db, "founder@test.invalid")
    users["eve"] = quick_user(db, "eve@test.invalid")
    with db() as s:
        for need, actor in zip(NEEDS3, partners, strict=True):
            service.add_rule(s, values={"need": need, "region": "11", "actor_id": str(actor)}, user_id=None)
        service.add_rule(s, values={"need": "regulatory", "region": "84", "actor_id": str(other)}, user_id=None)
        s.commit()
    return {"partners": partners, "other": other, "company": company, "users": users}


def _principal(db, email):
    with db() as s:
        return principal_for(s, s.scalar(select(User).where(User.email == email)))


def _count(db, model, *where):
    with db() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_intake_refuses_bad_input_by_field_and_stores_nothing(db, world):
    bad = [({"email": "not-an-address"}, "email"), ({"start_on": "2001-01-01"}, "start_on"),
           ({"start_on": "tomorrow"}, "start_on"), ({"siret": "123"}, "siret"), ({"project_type": "castle"}, "project_type"),
           ({"country": "France"}, "country"), ({"company_name": ""}, "company_name"),
           ({"needs": ["regulatory", "magic"]}, "needs"), ({"needs": []}, "needs"),
           ({"description": "x" * 5000}, "description"), ({"jobs_planned": "-3"}, "jobs_planned"),
           ({"modality": "cell_magic"}, "modality")]
    with db() as s:
        for change, field in bad:
            with pytest.raises(service.FieldError) as caught:
                service.intake(s, values={**FORM, "needs": NEEDS3, **change}, public_url="http://x")
            assert caught.value.field == field, change
            s.rollback()
    assert _count(db, Case) == 0 and _count(db, Need) == 0


def test_intake_over_http_verify_route_and_confidentiality(db, client, world):
    """A first contact without account nor SIRET: the link mailed, nothing routed before it is
    opened; then three needs to three partners; each partner sees only its part."""
    token = csrf_of(client, "/oneshop")
    r = client.post("/oneshop", data={**FORM, "email": "bad@", "needs": NEEDS3, "csrf_token": token})
    assert r.status_code == 422 and "email" in r.text
    r = client.post("/oneshop", data={**FORM, "needs": NEEDS3, "share_details": "yes", "csrf_token": token})
    assert r.status_code == 200 and "founder@test.invalid" in r.text
    assert _count(db, RoutedRequest) == 0
    with db() as s:
        case = s.scalars(select(Case)).one()
        assert case.status == "unverified" and case.siret is None
        mail = s.scalars(select(OutboxMail).where(OutboxMail.to_address == "founder@test.invalid")).one()
    link = re.search(r"/oneshop/verify/[\w-]+", mail.body).group(0)
    assert client.get("/oneshop/verify/forged-token").status_code == 400
    assert client.get(link).status_code == 200
    assert client.get(link).status_code == 400  # used once
    with db() as s:
        routed = s.scalars(select(RoutedRequest).order_by(RoutedRequest.id)).all()
        case = s.get(Case, case.id)
        assert case.status == "open" and case.user_id == world["users"]["founder"]  # the verified account follows it
    assert [r.partner_actor_id for r in routed] == world["partners"]  # region 84's rule not applied
    assert _count(db, Notification, Notification.kind == "oneshop.routed") == 3

    # partner 1 sees only its need; partner 2 is refused partner 1's status form
    login(client, "p1@test.invalid")
    page = client.get(f"/oneshop/cases/{case.id}")
    assert page.status_code == 200 and 'data-role="partner"' in page.text
    assert page.text.count('class="oneshop-request"') == 1 and "Pôle test 2" not in page.text
    token = csrf_of(client, f"/oneshop/cases/{case.id}")
    assert client.post(f"/oneshop/requests/{routed[0].id}/notes", data={"body": "Note privée P1", "csrf_token": token},
                       follow_redirects=False                       ).status_code == 303
    assert client.post(f"/oneshop/requests/{routed[1].id}/status", data={"status": "taken", "csrf_token": token}
                       ).status_code == 403
    client.post("/account/logout", data={"csrf_token": token})

    # the company sees its three needs, not the partner's private note
    login(client, "founder@test.invalid")
    page = client.get(f"/oneshop/cases/{case.id}")
    assert 'data-role="company"' in page.text and page.text.count('class="oneshop-request"') == 3
    assert "Note privée P1" not in page.text
    with db() as s:  # the company withdraws its details from the partners: partner 1 sees its need only
        s.get(Case, case.id).share_details = False
        s.commit()
        view = service.case_view(s, case_id=case.id, principal=_principal(db, "p1@test.invalid"))
        assert view["show_details"] is False and [r["need"].need for r in view["requests"]] == ["regulatory"]
        s.rollback()
    token = csrf_of(client, f"/oneshop/cases/{case.id}")
    client.post("/account/logout", data={"csrf_token": token})

    # a coordinator sees the routing and statuses, not the notes
    login(client, "admin@test.invalid")
    page = client.get(f"/oneshop/cases/{case.id}")
    assert 'data-role="coordinator"' in page.text and page.text.count('class="oneshop-request"') == 3
    assert "Note privée P1" not in page.text and "Documents" not in page.text
    admin = client.get("/oneshop/admin").text
    assert "Pôle test 2" in admin
    # its figures in French typography, none left blank (the median delay was an empty line before any answer)
    figures = admin.split('<dl class="oneshop-figures">')[1].split("</dl>")[0]
    assert "\u202f: " in figures and not re.search(r"[^\u202f]: ", figures) and "<dd></dd>" not in figures, figures
    token = csrf_of(client, "/oneshop/admin")
    client.post("/account/logout", data={"csrf_token": token})

    # a stranger is refused, audited; every read is audited
    login(client, "eve@test.invalid")
    assert client.get(f"/oneshop/cases/{case.id}").status_code == 403
    assert _count(db, AuditEvent, AuditEvent.event == "refused", AuditEvent.target == f"oneshop_case:{case.id}") == 1
    # five reads: partner 1 and the company twice each (the page, then its form token), the coordinator once
    assert _count(db, AuditEvent, AuditEvent.event == "oneshop.case_read") == 5


def test_routing_rules_are_checked(db, world):
    with db() as s:
        for values, field in [({"need": "funding", "actor_kind": "wizard"}, "actor_kind"),
                              ({"need": "funding", "actor_id": str(world["company"])}, "actor_id"),
                              ({"need": "funding", "actor_id": "999999"}, "actor_id"),
                              ({"need": "funding"}, "actor_id"),
                              ({"need": "lunch", "actor_id": str(world["partners"][0])}, "need"),
                              ({"need": "funding", "region": "Paris", "actor_id": str(world["partners"][0])}, "region")]:
            with pytest.raises(service.FieldError) as caught:
                service.add_rule(s, values=values, user_id=None)
            assert caught.value.field == field
            s.rollback()
        # a kind rule routes to the partners of that kind with a site in the case's region
        service.add_rule(s, values={"need": "permits", "actor_kind": "cluster", "size": "medium"}, user_id=None)
        case, _ = service.intake(s, values={**FORM, "needs": ["permits"]}, public_url="", user_id=world["users"]["founder"],
                                 verified_email="founder@test.invalid")
        routed = s.scalars(select(RoutedRequest).where(RoutedRequest.case_id == case.id)).all()
        assert [r.partner_actor_id for r in routed] == [world["partners"][1]]  # the cluster in region 11
        small, _ = service.intake(s, values={**FORM, "jobs_planned": "3", "needs": ["permits"]}, public_url="",
                                  user_id=world["users"]["founder"], verified_email="founder@test.invalid")
        assert s.scalar(select(func.count()).select_from(RoutedRequest).where(RoutedRequest.case_id == small.id)) == 0
        s.commit()


def test_statuses_reminders_escalation_and_figures(db, world):
    p1, p2, p3 = world["partners"]
    case_id, routed = make_case(db, owner=world["users"]["founder"], partners=[p1, p2, p3], needs=tuple(NEEDS3))
    with db() as s:
        with pytest.raises(service.FieldError) as caught:
            service.set_status(s, request_id=routed[0], user_id=world["users"]["p1"], status="declined")
        assert caught.value.field == "reason"
        with pytest.raises(service.FieldError):
            service.set_status(s, request_id=routed[0], user_id=None, status="new")
        r = service.set_status(s, request_id=routed[0], user_id=world["users"]["p1"], status="taken")
        assert r.owner_user_id == world["users"]["p1"] and r.first_answer_at is None
        r = service.set_status(s, request_id=routed[1], user_id=world["users"]["p2"], status="answered")
        r.first_answer_at = r.created_at + timedelta(days=2)
        s.commit()
    later = service.now() + timedelta(days=6)
    with db() as s:
        assert service.remind(s, at=later) == {"reminded": 2, "escalated": 0}  # the taken and the new one
        assert service.remind(s, at=later + timedelta(days=1)) == {"reminded": 0, "escalated": 0}  # not again so soon
        assert service.remind(s, at=later + timedelta(days=6)) == {"reminded": 2, "escalated": 0}
        assert service.remind(s, at=later + timedelta(days=12)) == {"reminded": 0, "escalated": 2}
        s.commit()
    assert _count(db, Notification, Notification.kind == "oneshop.reminder", Notification.user_id == world["users"]["p3"]) == 2
    assert _count(db, Notification, Notification.kind == "oneshop.escalated", Notification.user_id == world["users"]["admin"]) == 2
    with db() as s:
        service.close_case(s, case_id=case_id, outcome="established", user_id=None)
        figures = service.figures(s)
    assert figures["projects"] == 1 and figures["landed"] == 1
    assert figures["needs"] == {"regulatory": 1, "funding": 1, "real_estate": 1}
    assert figures["median_days_to_answer"] == {"Pôle test 2": 2.0}
    assert figures["unrouted"] == []  # the case is closed: no gap to report
    other, _ = make_case(db, owner=None, partners=[p1], needs=("regulatory",))
    with db() as s:
        s.add(Need(case_id=other, need="permits"))  # no rule routes it
        s.commit()
        assert service.figures(s)["unrouted"] == [{"case_id": other, "need": "permits", "region": "11"}]


def test_documents_limits_sniffing_and_download(db, client, world):
    p1, p2 = world["partners"][:2]
    case_id, routed = make_case(db, owner=world["users"]["founder"], partners=[p1, p2], needs=("regulatory", "funding"))
    login(client, "founder@test.invalid")
    token = csrf_of(client, f"/oneshop/cases/{case_id}")
    url = f"/oneshop/cases/{case_id}/documents"
    exe = b"MZ\x90\x00" + b"\x00" * 100
    for files, status in [({"file": ("plan.pdf", exe, "application/pdf")}, 415),
                          ({"file": ("run.exe", exe, "application/x-msdownload")}, 415)]:
        r = client.post(url, files=files, data={"csrf_token": token, "shared_with": str(p1)})
        assert r.status_code == status and "file" in r.text
    with db() as s:  # over the limit (the app's body cap answers 413 before, for a declared length)
        with pytest.raises(service.FieldError) as caught:
            service.add_document(s, case_id=case_id, filename="big.pdf", content_type="application/pdf",
                                 data=b"%PDF-" + b"0" * service.MAX_UPLOAD)
        assert (caught.value.field, caught.value.status) == ("file", 413)
        with pytest.raises(service.FieldError) as caught:  # only a partner of the case
            service.add_document(s, case_id=case_id, filename="a.pdf", content_type="application/pdf", data=PDF,
                                 shared_with=[world["other"]])
        assert caught.value.field == "shared_with"
    assert _count(db, Document) == 0
    r = client.post(url, files={"file": ("plan d'usine.pdf", PDF, "application/pdf")},
                    data={"csrf_token": token, "shared_with": str(p1)}, follow_redirects=False)
    assert r.status_code == 303
    with db() as s:
        doc = s.scalars(select(Document)).one()
    r = client.get(f"{url}/{doc.id}")
    assert r.status_code == 200 and r.content == PDF
    assert r.headers["content-disposition"].startswith("attachment") and r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-type"] == "application/octet-stream"
    client.post("/account/logout", data={"csrf_token": token})
    login(client, "p1@test.invalid")
    assert client.get(f"{url}/{doc.id}").status_code == 200
    token = csrf_of(client, f"/oneshop/cases/{case_id}")
    client.post("/account/logout", data={"csrf_token": token})
    login(client, "p2@test.invalid")  # routed on the case, but the document is not shared with it
    assert client.get(f"{url}/{doc.id}").status_code == 403
    login(client, "admin@test.invalid")
    assert client.get(f"{url}/{doc.id}").status_code == 403  # coordinators do not read documents


def test_messages_go_through_a_thread_per_request(db, world):
    case_id, (routed,) = make_case(db, owner=world["users"]["founder"], partners=[world["partners"][0]])
    with db() as s:
        thread = service.send_message(s, request_id=routed, sender_id=world["users"]["founder"], body="Bonjour")
        again = service.send_message(s, request_id=routed, sender_id=world["users"]["p1"], body="Bonjour à vous")
        s.commit()
        assert thread == again == s.get(RoutedRequest, routed).thread_id
    from bioatlas.messaging import service as messaging
    with db() as s:
        access = messaging.thread_access(s, thread_id=thread)
        assert messaging.message_count(s, context_kind="oneshop", context_id=str(routed)) == 2
    assert {world["users"]["founder"], world["users"]["p1"]} <= set(access.member_ids)


def test_retention_and_personal_data(db, world):
    case_id, (routed,) = make_case(db, owner=world["users"]["founder"], partners=[world["partners"][0]])
    add_document(db, case_id=case_id, shared_with=world["partners"][0])
    with db() as s:
        service.add_note(s, request_id=routed, user_id=world["users"]["p1"], body="Note")
        exported = service.export_personal(s, user_id=world["users"]["founder"])
        assert exported[0]["company"] == "Société test"
        service.close_case(s, case_id=case_id, outcome="elsewhere", user_id=None)
        assert service.anonymise_closed(s, retention_days=30) == 0
        assert service.anonymise_closed(s, retention_days=30, at=service.now() + timedelta(days=31)) == 1
        s.commit()
        case = s.get(Case, case_id)
        assert case.company_name == "anonymised" and case.user_id is None and "anonymised" in case.email
        assert case.project_type == "new_site" and case.region == "11"  # the figures stay
    assert _count(db, Note) == 0 and _count(db, Document) == 0
    other, _ = make_case(db, owner=world["users"]["eve"], partners=[world["partners"][0]], company="Eve SAS")
    with db() as s:
        service.erase_personal(s, user_id=world["users"]["eve"])
        s.commit()
        assert s.get(Case, other).company_name == "anonymised"
        assert service.export_personal(s, user_id=world["users"]["eve"]) == []


def test_suggestions_and_rules_page_bad_input(db, client, world):
    with db() as s:
        case = s.get(Case, make_case(db, owner=world["users"]["founder"], partners=[world["partners"][0]])[0])
        assert service.suggestions(s, case=case) == []  # no capacity profile in this small world
    login(client, "admin@test.invalid")
    token = csrf_of(client, "/oneshop/admin")
    r = client.post("/oneshop/admin/rules", data={"need": "funding", "actor_kind": "wizard", "csrf_token": token})
    assert r.status_code == 422 and "actor_kind" in r.text
    assert _count(db, Rule) == 4
    r = client.post("/oneshop/admin/rules", data={"need": "funding", "actor_id": str(world["other"]), "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303 and _count(db, Rule) == 5


def test_demo_step_routes_a_foreign_project_to_three_partners(db, world):
    from bioatlas.oneshop import demo

    summary = demo.run(db)
    assert summary["cases"] == 1 and summary["requests"] == 3 and summary["reminded"] == 1
    assert demo.run(db) == {"cases": 0, "skipped": "exists"}
    with db() as s:
        case = s.scalars(select(Case).where(Case.synthetic.is_(True))).one()
        assert case.country == "JP" and case.siret is None and "synthétique" in case.company_name
        routed = s.scalars(select(RoutedRequest).where(RoutedRequest.case_id == case.id)).all()
    assert sorted(r.partner_actor_id for r in routed) == sorted(world["partners"])
    for i in (1, 2, 3):
        view_p = _principal(db, f"demo-oneshop-partner-{i}@example.org")
        with db() as s:
            view = service.case_view(s, case_id=case.id, principal=view_p)
        assert view["role"] == "partner" and len(view["requests"]) == 1
    with db() as s:
        view = service.case_view(s, case_id=case.id, principal=_principal(db, "demo-oneshop-company@example.org"))
    assert view["role"] == "company" and len(view["requests"]) == 3


def test_intake_is_rate_limited_like_sign_ups(db, client, settings):
    token = csrf_of(client, "/oneshop")
    codes = [client.post("/oneshop", data={**FORM, "email": f"a{i}@test.invalid", "needs": ["funding"],
                                           "csrf_token": token}).status_code
             for i in range(settings.rate_limit_signup + 1)]
    assert codes[:-1] == [200] * settings.rate_limit_signup and codes[-1] == 429
    assert _count(db, Case) == settings.rate_limit_signup


def test_next_steps_timeline_english_and_training_suggestions(db, client, world):
    university = add_actor(db, "Université test", "91000", kind="university")
    case_id, (routed,) = make_case(db, owner=world["users"]["founder"], partners=[world["partners"][0]],
                                   needs=("recruitment",))
    with db() as s:
        for kwargs, field in [({"next_step_on": "someday"}, "next_step_on"), ({"next_step_on": "2001-01-01"}, "next_step_on"),
                              ({"next_step": "x" * 301}, "next_step")]:
            with pytest.raises(service.FieldError) as caught:
                service.set_status(s, request_id=routed, user_id=None, status="in_progress", **kwargs)
            assert caught.value.field == field
        s.rollback()
        r = service.set_status(s, request_id=routed, user_id=None, status="answered", next_step="Visite du site",
                               next_step_on="2099-03-01")
        assert (r.next_step, r.next_step_on.isoformat()) == ("Visite du site", "2099-03-01")
        s.commit()
        view = service.case_view(s, case_id=case_id, principal=_principal(db, "founder@test.invalid"))
        assert [what for _, what, _ in service.timeline(view)] == ["received", "routed", "answered"]
        assert [x["actor_id"] for x in service.suggestions(s, case=view["case"]) if x["reason"] == "training"] == [university]
        s.rollback()
    login(client, "founder@test.invalid")
    page = client.get(f"/oneshop/cases/{case_id}", params={"lang": "en"})
    assert "Next step: Visite du site (Sunday 1 March 2099)" in page.text and "Université test" in page.text
    assert "Timeline" in page.text and "training body" in page.text
    # the timeline's days as the reader writes them, not ISO dates ("2026-12-07 projet reçu")
    french = client.get(f"/oneshop/cases/{case_id}", params={"lang": "fr"}).text
    timeline = french.split('class="oneshop-timeline"', 1)[1].split("</ol>", 1)[0]
    assert re.search(r'<time datetime="[^"]+">\w+ \d{1,2} \w+ \d{4}</time>\u202f: projet reçu', timeline), timeline
    assert "One-stop shop for setting up a site" in client.get("/oneshop", params={"lang": "en"}).text


def test_coordinators_reroute_a_request(db, client, world):
    p1, p2, p3 = world["partners"]
    case_id, (routed,) = make_case(db, owner=world["users"]["founder"], partners=[p1])
    with db() as s:
        service.add_note(s, request_id=routed, user_id=world["users"]["p1"], body="Note de P1")
        s.commit()
    login(client, "admin@test.invalid")
    token = csrf_of(client, "/oneshop/admin")
    url = f"/oneshop/admin/requests/{routed}/reroute"
    for actor, field in [(str(world["company"]), "actor_id"), ("abc", "actor_id"), (str(p1), "actor_id")]:
        r = client.post(url, data={"actor_id": actor, "csrf_token": token}, follow_redirects=False)
        assert r.status_code in (409, 422) and field in r.text
    r = client.post(url, data={"actor_id": str(p2), "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    with db() as s:
        req = s.get(RoutedRequest, routed)
        assert (req.partner_actor_id, req.status) == (p2, "new")
        assert s.scalar(select(func.count()).select_from(Note)) == 0  # the former partner's notes went with it
        service.set_status(s, request_id=routed, user_id=None, status="taken")
        s.commit()
    r = client.post(url, data={"actor_id": str(p3), "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 409 and "status" in r.text  # taken: no longer rerouted
    assert _count(db, AuditEvent, AuditEvent.event == "oneshop.rerouted") == 1
    assert _count(db, Notification, Notification.kind == "oneshop.routed", Notification.user_id == world["users"]["p2"]) == 1
