"""A small one-stop-shop world for the tests: cases of companies routed to partner actors, and
the objects of the authorisation matrix."""

from __future__ import annotations

from functools import lru_cache

from bioatlas.accounts import service as accounts
from bioatlas.accounts.models import RoleGrant, User, now
from bioatlas.oneshop import service
from bioatlas.oneshop.models import Case, Document, DocumentShare, Need, RoutedRequest, Rule

PDF = b"%PDF-1.4\n% test document\n"


@lru_cache(maxsize=1)
def _password_hash() -> str:
    from tests.accounts.fixtures import PASSWORD

    return accounts.hash_password(PASSWORD)


def quick_user(db, email: str, *, admin: bool = False, roles=()) -> int:
    """A verified user with the fixtures' password, its hash computed once per run (argon2 costs
    about half a second a hash: six users a test would cost more than the tests themselves)."""
    with db() as s:
        user = User(email=email, email_key=accounts.email_key(email), display_name=email.split("@")[0],
                    password_hash=_password_hash(), is_admin=admin, email_verified_at=now())
        s.add(user)
        s.flush()
        for role, kind, value in roles:
            s.add(RoleGrant(user_id=user.id, role=role, scope_kind=kind, scope_value=str(value)))
        s.commit()
        return user.id


def make_case(db, *, owner: int | None, partners: list[int], company: str = "Société test",
              needs: tuple[str, ...] = ("regulatory",)) -> tuple[int, list[int]]:
    """An open case owned by `owner`, each need routed to the partner of the same rank (or the
    first): written directly, the partners need not be of a partner kind here."""
    with db() as s:
        case = Case(company_name=company, email=f"case-{company.replace(' ', '-').lower()}@example.org",
                    email_key="x", project_type="new_site", status="open", user_id=owner, region="11")
        case.email_key = case.email.lower()
        s.add(case)
        s.flush()
        routed = []
        for i, n in enumerate(needs):
            need = Need(case_id=case.id, need=n)
            s.add(need)
            s.flush()
            r = RoutedRequest(case_id=case.id, need_id=need.id, partner_actor_id=partners[min(i, len(partners) - 1)])
            s.add(r)
            s.flush()
            routed.append(r.id)
        s.commit()
        return case.id, routed


def add_document(db, *, case_id: int, shared_with: int | None) -> int:
    with db() as s:
        doc = Document(case_id=case_id, filename="plan.pdf", content_type="application/pdf", size=len(PDF), data=PDF)
        s.add(doc)
        s.flush()
        if shared_with is not None:
            s.add(DocumentShare(document_id=doc.id, actor_id=shared_with))
        s.commit()
        return doc.id


def matrix_world(db, *, users: dict[str, int], stranger: int, a: int, b: int) -> dict:
    """For tests/test_authz_matrix.py: two companies' cases and two partners. Own: a case of each
    role's user, its need routed to actor A (where the member holds its role), a document shared
    with A. Other: the stranger's case routed to actor B, a document shared with B."""
    cases, routed, docs = {}, {}, {}
    for role, uid in users.items():
        cases[role], (routed[role],) = make_case(db, owner=uid, partners=[a], company=f"Société {role}")
        docs[role] = add_document(db, case_id=cases[role], shared_with=a)
    for alias in ("token", "anonymous"):
        cases[alias], routed[alias], docs[alias] = cases["user"], routed["user"], docs["user"]
    other, (other_routed,) = make_case(db, owner=stranger, partners=[b], company="Société autre")
    other_doc = add_document(db, case_id=other, shared_with=b)
    with db() as s:
        rule = Rule(need="funding", region="11", actor_id=a)
        s.add(rule)
        s.commit()
        rule_id = rule.id
    return {"cases": cases, "routed": routed, "docs": docs, "other": (other, other_routed, other_doc),
            "rule": rule_id}


def policy_objects(session, world: dict, role: str, action: str):
    w = world["oneshop_world"]
    other_case, other_routed, other_doc = w["other"]
    if action in ("oneshop.read", "oneshop.company"):
        return (service.case_scope(session, case_id=w["cases"][role]), service.case_scope(session, case_id=other_case))
    if action in ("oneshop.partner", "oneshop.converse", "oneshop.rate"):
        return (service.request_scope(session, request_id=w["routed"][role]),
                service.request_scope(session, request_id=other_routed))
    if action == "oneshop.document":
        return (service.document_scope(session, case_id=w["cases"][role], document_id=w["docs"][role]),
                service.document_scope(session, case_id=other_case, document_id=other_doc))
    return None


def url_values(world: dict, role: str, whose: str) -> dict:
    w = world["oneshop_world"]
    other_case, other_routed, other_doc = w["other"]
    own = whose == "own"
    return {"case_id": w["cases"][role] if own else other_case,
            "routed_id": w["routed"][role] if own else other_routed,
            "document_id": w["docs"][role] if own else other_doc,
            "rule_id": w["rule"]}
