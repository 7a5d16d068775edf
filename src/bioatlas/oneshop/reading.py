"""Who sees what: the case as each reader may see it (every read audited), its timeline, a
reader's cases and routed requests, the coordinators' overview."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.accounts.policy import Principal
from bioatlas.atlas import service as atlas
from bioatlas.oneshop.checks import (
    NotFound,
    aware,
)
from bioatlas.oneshop.documents import shares
from bioatlas.oneshop.models import (
    Case,
    Document,
    DocumentShare,
    Need,
    Note,
    RoutedRequest,
)


def case_view(session: Session, *, case_id: int, principal: Principal, ip: str | None = None) -> dict[str, Any]:
    """The case as this reader may see it (the policy allowed the read; this filters): the company
    sees everything of its case; a partner only the needs routed to it, its own notes, the
    documents shared with it and the project's details if the company chose to share them with it;
    a coordinator the routing and statuses, no notes, no documents, no satisfaction comment.
    Every read is audited."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    is_owner = principal.user_id is not None and principal.user_id == case.user_id
    requests = session.scalars(select(RoutedRequest).where(RoutedRequest.case_id == case_id)
                               .order_by(RoutedRequest.id)).all()
    mine = {r.partner_actor_id for r in requests} & set(principal.member_of)
    if is_owner:
        role, visible = "company", list(requests)
    elif mine:
        role, visible = "partner", [r for r in requests if r.partner_actor_id in mine]
    else:
        role, visible = "coordinator", list(requests)
    needs = {n.id: n for n in session.scalars(select(Need).where(Need.case_id == case_id))}
    names = {a.id: a.name for a in atlas.find_actors(session, ids={r.partner_actor_id for r in requests})}
    notes: dict[int, list[Note]] = {}
    if role == "partner":
        for note in session.scalars(select(Note).where(Note.request_id.in_([r.id for r in visible])).order_by(Note.id)):
            notes.setdefault(note.request_id, []).append(note)
    docs: list[Document] = []
    if role != "coordinator":
        stmt = select(Document).where(Document.case_id == case_id)
        if role == "partner":
            stmt = stmt.where(Document.id.in_(select(DocumentShare.document_id).where(DocumentShare.actor_id.in_(mine))))
        docs = list(session.scalars(stmt.order_by(Document.id)))
    shared = shares(session, document_ids=[d.id for d in docs]) if role == "company" else {}
    accounts.record_audit(session, event="oneshop.case_read", user_id=principal.user_id, ip=ip,
                          target=f"oneshop_case:{case_id}", detail={"as": role})
    return {"case": case, "role": role, "partner_actors": sorted(mine),
            "requests": [{"request": r, "need": needs[r.need_id], "partner": names.get(r.partner_actor_id, "?"),
                          "notes": notes.get(r.id, [])} for r in visible],
            "needs": list(needs.values()) if role != "partner" else [needs[r.need_id] for r in visible],
            "documents": docs, "shares": shared, "partners": _partners(case, visible, names) if role == "company" else [],
            "show_details": role == "company" or (role == "partner" and any(details_shared(case, r) for r in visible)),
            "sees_comment": sees_comment(role)}


def sees_comment(role: str) -> bool:
    """Who reads the company's comment on a partner's help: the company and that partner (a partner
    sees only its own requests); the coordinators see the score only. The page and the API both ask
    here (the API gave it to the company only, the page to the partner too)."""
    return role in ("company", "partner")


def _partners(case: Case, requests: Iterable[RoutedRequest], names: Mapping[int, str]) -> list[dict[str, Any]]:
    """The case's partner organisations once each, with whether each sees the project's details."""
    out: dict[int, dict[str, Any]] = {}
    for r in requests:
        item = out.setdefault(r.partner_actor_id, {"actor_id": r.partner_actor_id,
                                                   "name": names.get(r.partner_actor_id, "?"), "details": False})
        item["details"] = item["details"] or details_shared(case, r)
    return list(out.values())


def details_shared(case: Case, request: RoutedRequest) -> bool:
    """Whether the partner of this request sees the project's details: the company's choice for
    that partner, else its choice at intake."""
    return case.share_details if request.details_shared is None else request.details_shared


def timeline(view: Mapping[str, Any]) -> list[tuple[datetime, str, str]]:
    """The case's dated events as the reader may see them, oldest first: (when, what, detail)
    with `what` among received, confirmed, routed, answered, note, document, closed."""
    case = view["case"]
    out: list[tuple[datetime, str, str]] = [(aware(case.created_at), "received", "")]
    if case.verified_at:
        out.append((aware(case.verified_at), "confirmed", ""))
    for item in view["requests"]:
        r = item["request"]
        out.append((aware(r.created_at), "routed", item["partner"]))
        if r.first_answer_at:
            out.append((aware(r.first_answer_at), "answered", item["partner"]))
        out.extend((aware(n.created_at), "note", item["partner"]) for n in item["notes"])
    out.extend((aware(d.created_at), "document", d.filename) for d in view["documents"])
    if case.closed_at:
        out.append((aware(case.closed_at), "closed", case.outcome or ""))
    return sorted(out, key=lambda e: e[0])


def cases_of(session: Session, *, principal: Principal) -> dict[str, list]:
    """The company's own cases and the requests routed to the reader's organisations."""
    own = list(session.scalars(select(Case).where(Case.user_id == principal.user_id).order_by(Case.id.desc()))) \
        if principal.user_id is not None else []
    routed = list(session.scalars(select(RoutedRequest).where(RoutedRequest.partner_actor_id.in_(principal.member_of))
                                  .order_by(RoutedRequest.id.desc()).limit(200))) if principal.member_of else []
    return {"own": own, "routed": routed}


def overview(session: Session, *, limit: int = 200) -> list[dict[str, Any]]:
    """The coordinators' view: routed requests with their case, need, partner, status, owner,
    reminders and escalation; no notes, no messages, no documents."""
    reqs = list(session.scalars(select(RoutedRequest).order_by(RoutedRequest.id.desc()).limit(limit)))
    needs = {n.id: n.need for n in session.scalars(select(Need).where(Need.id.in_([r.need_id for r in reqs])))}
    names = partner_names(session, actor_ids={r.partner_actor_id for r in reqs})
    return [{"id": r.id, "case_id": r.case_id, "need": needs.get(r.need_id, "?"),
             "partner": names.get(r.partner_actor_id, "?"), "status": r.status, "owner": r.owner_user_id is not None,
             "reminders": r.reminders, "escalated": r.escalated_at is not None} for r in reqs]


def partner_names(session: Session, *, actor_ids: Iterable[int]) -> dict[int, str]:
    return {a.id: a.name for a in atlas.find_actors(session, ids=actor_ids)}


def need_names(session: Session, *, need_ids: Iterable[int]) -> dict[int, str]:
    ids = list(need_ids)
    return {n.id: n.need for n in session.scalars(select(Need).where(Need.id.in_(ids)))} if ids else {}
