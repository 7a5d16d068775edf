"""Routing: rules kept as data (edited by coordinators), each need of a case to the partners its
rules name, a request sent to another partner by a coordinator."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.atlas import service as atlas
from bioatlas.core.fields import FieldError
from bioatlas.notifications import service as notifications
from bioatlas.oneshop.checks import (
    NotFound,
    field_choice,
    field_text,
    get_request,
    now,
    size_of,
)
from bioatlas.oneshop.models import (
    NEEDS,
    PARTNER_KINDS,
    SIZES,
    Case,
    Document,
    DocumentShare,
    Need,
    Note,
    RoutedRequest,
    Rule,
)


def _rule_targets(session: Session, rule: Rule, case: Case) -> list[int]:
    if rule.actor_id is not None:
        return [rule.actor_id]
    if rule.actor_kind:
        return atlas.actor_ids_of_kinds(session, kinds=[rule.actor_kind], region=case.region or None)[:3]
    return []


def route_case(session: Session, *, case: Case) -> list[RoutedRequest]:
    """Each need to the partners of the active rules it meets (need, and region, modality and size
    when the rule sets them); one request per need and partner. Returns the new requests."""
    size = size_of(case.jobs_planned)
    active = session.scalars(select(Rule).where(Rule.active.is_(True)).order_by(Rule.id)).all()
    made = []
    for need in session.scalars(select(Need).where(Need.case_id == case.id).order_by(Need.id)):
        seen = set(session.scalars(select(RoutedRequest.partner_actor_id).where(RoutedRequest.need_id == need.id)))
        for rule in active:
            if rule.need != need.need or (rule.region and rule.region != case.region) or \
                    (rule.modality and rule.modality != case.modality) or (rule.size and rule.size != size):
                continue
            for actor_id in _rule_targets(session, rule, case):
                if actor_id in seen:
                    continue
                seen.add(actor_id)
                r = RoutedRequest(case_id=case.id, need_id=need.id, partner_actor_id=actor_id, rule_id=rule.id)
                session.add(r)
                made.append(r)
    session.flush()
    for r in made:
        for uid in accounts.actor_member_ids(session, actor_id=r.partner_actor_id):
            notifications.notify(session, user_id=uid, kind="oneshop.routed", link=f"/oneshop/cases/{case.id}",
                                 context={"company": case.company_name, "case_id": case.id})
    return made


def add_rule(session: Session, *, values: Mapping[str, Any], user_id: int | None) -> Rule:
    """A routing rule from the coordinators' form; FieldError naming the field."""
    need = field_choice(values, "need", NEEDS)
    region = field_text(values, "region", 3) or None
    if region and not re.fullmatch(r"\d{2,3}", region):
        raise FieldError("region", "a region's INSEE code, e.g. 11")
    size = field_choice(values, "size", SIZES, required=False) or None
    modality = field_text(values, "modality", 40) or None
    kind = field_text(values, "actor_kind", 40) or None
    raw_actor = field_text(values, "actor_id", 12)
    actor_id = _partner_actor(session, raw_actor) if raw_actor else None
    if kind is not None and kind not in PARTNER_KINDS:
        raise FieldError("actor_kind", "unknown partner kind: one of {choices}",
                         params={"choices": ", ".join(PARTNER_KINDS)})
    if (actor_id is None) == (kind is None):
        raise FieldError("actor_id", "give either a partner actor or a partner kind")
    rule = Rule(need=need, region=region, size=size, modality=modality, actor_id=actor_id, actor_kind=kind,
                created_by=user_id)
    session.add(rule)
    session.flush()
    accounts.record_audit(session, event="oneshop.rule", user_id=user_id, target=f"oneshop_rule:{rule.id}")
    return rule


def _partner_actor(session: Session, raw: str, field: str = "actor_id") -> int:
    if not raw.isdigit():
        raise FieldError(field, "an atlas actor's number")
    actor = atlas.get_actor(session, actor_id=int(raw))
    if actor is None:
        raise FieldError(field, "no atlas actor with this number")
    if actor.kind not in PARTNER_KINDS:
        raise FieldError(field, "not a partner organisation (kinds: {choices})",
                         params={"choices": ", ".join(PARTNER_KINDS)})
    return actor.id


def reroute(session: Session, *, request_id: int, actor_id: str, user_id: int | None) -> RoutedRequest:
    """A coordinator sends a request still new, or declined, to another partner organisation
    (a routing the rules got wrong): it starts again as new there; the former partner's private
    notes on it are removed (that partner no longer holds it, and the new one must not read them)."""
    r = get_request(session, request_id)
    if r.status not in ("new", "declined"):
        raise FieldError("status", "only a new or declined request can be sent to another partner", 409)
    target = _partner_actor(session, actor_id.strip())
    if target == r.partner_actor_id or session.scalar(select(RoutedRequest.id).where(
            RoutedRequest.need_id == r.need_id, RoutedRequest.partner_actor_id == target)) is not None:
        raise FieldError("actor_id", "this partner already holds this need", 409)
    before = r.partner_actor_id
    session.execute(delete(Note).where(Note.request_id == r.id))
    if session.scalar(select(RoutedRequest.id).where(RoutedRequest.case_id == r.case_id, RoutedRequest.id != r.id,
                                                     RoutedRequest.partner_actor_id == before)) is None:
        # the former partner holds nothing else of this case: the documents shared with it are withdrawn
        docs = select(Document.id).where(Document.case_id == r.case_id)
        session.execute(delete(DocumentShare).where(DocumentShare.actor_id == before,
                                                    DocumentShare.document_id.in_(docs)))
    r.partner_actor_id, r.status, r.decline_reason, r.owner_user_id = target, "new", "", None
    r.reminders, r.reminded_at, r.escalated_at, r.thread_id, r.rule_id = 0, None, None, None, None
    r.details_shared = None  # the company's choice for the former partner is not the new one's
    r.touched_at = r.created_at = now()
    accounts.record_audit(session, event="oneshop.rerouted", user_id=user_id, target=f"oneshop_request:{r.id}",
                          detail={"from": before, "to": target})
    case = session.get(Case, r.case_id)
    for uid in accounts.actor_member_ids(session, actor_id=target):
        notifications.notify(session, user_id=uid, kind="oneshop.routed", link=f"/oneshop/cases/{r.case_id}",
                             context={"company": case.company_name if case else "", "case_id": r.case_id})
    return r


def delete_rule(session: Session, *, rule_id: int, user_id: int | None) -> None:
    rule = session.get(Rule, rule_id)
    if rule is None:
        raise NotFound(f"no rule {rule_id}")
    rule.active = False
    accounts.record_audit(session, event="oneshop.rule", user_id=user_id, target=f"oneshop_rule:{rule_id}",
                          detail="deactivated")


def rules(session: Session) -> list[Rule]:
    return list(session.scalars(select(Rule).where(Rule.active.is_(True)).order_by(Rule.need, Rule.id)))
