"""The events room's policy actions (registered through `bioatlas_policy_rules`):
- events.create: admins, and verified members of an actor (it becomes the organiser);
- events.organise: admins, and the members of an organising actor (settings, scheduling runs,
  publishing, fixing meetings);
- events.register: any logged-in, verified account;
- events.participate: the event's registered participants and its organisers (participant list,
  requests, availability, agenda);
- events.answer: the recipient of a meeting request, only (nobody answers for someone else)."""

from __future__ import annotations

from bioatlas.accounts.policy import Principal
from bioatlas.core.plugins import PolicyRule
from bioatlas.events.service import EventScope, RequestScope


def organise(p: Principal, obj: object) -> bool:
    if p.is_admin:
        return True
    return p.verified and isinstance(obj, EventScope) and bool(obj.organisers & p.member_of)


def create(p: Principal, obj: object) -> bool:
    return p.is_admin or (p.verified and bool(p.member_of))


def register(p: Principal, obj: object) -> bool:
    return p.user_id is not None and p.verified


def participate(p: Principal, obj: object) -> bool:
    if organise(p, obj):
        return True
    return p.user_id is not None and isinstance(obj, EventScope) and p.user_id in obj.participants


def answer(p: Principal, obj: object) -> bool:
    return (p.user_id is not None and isinstance(obj, RequestScope)
            and obj.recipient_user_id is not None and obj.recipient_user_id == p.user_id)


RULES = [PolicyRule(action="events.create", rule=create),
         PolicyRule(action="events.organise", rule=organise, object_action=True),
         PolicyRule(action="events.register", rule=register, object_action=True),
         PolicyRule(action="events.participate", rule=participate, object_action=True),
         PolicyRule(action="events.answer", rule=answer, object_action=True)]
