"""The partner-search room's policy actions (registered through `bioatlas_policy_rules`):
- opportunities.edit: the verified members of the opportunity's actor, and admins (write, submit,
  renew, close, answer expressions of interest, see the matches of a draft);
- opportunities.review: editors of the actor's region or cluster, and admins (publish or reject);
- opportunities.interest: any logged-in, verified account (express interest)."""

from __future__ import annotations

from bioatlas.accounts.policy import ActorScope, Principal, edits_scope
from bioatlas.core.plugins import PolicyRule


def edit(p: Principal, obj: object) -> bool:
    if p.is_admin:
        return True
    return p.verified and isinstance(obj, ActorScope) and obj.actor_id in p.member_of


def review(p: Principal, obj: object) -> bool:
    if p.is_admin:
        return True
    return p.verified and isinstance(obj, ActorScope) and edits_scope(p, obj)


def interest(p: Principal, obj: object) -> bool:
    return p.user_id is not None and p.verified


RULES = [PolicyRule(action="opportunities.edit", rule=edit, object_action=True),
         PolicyRule(action="opportunities.review", rule=review, object_action=True),
         PolicyRule(action="opportunities.interest", rule=interest)]
