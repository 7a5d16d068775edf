"""The capacity room's policy actions (registered through `bioatlas_policy_rules`):
capacity.edit (the actor's members, and admins: they fill in the offer) and capacity.verify
(editors of the actor's region or cluster, and admins: they verify or reject it)."""

from __future__ import annotations

from bioatlas.accounts.policy import ActorScope, Principal, edits_scope
from bioatlas.core.plugins import PolicyRule


def edit(p: Principal, obj: object) -> bool:
    if p.is_admin:
        return True
    return p.verified and isinstance(obj, ActorScope) and obj.actor_id in p.member_of


def verify(p: Principal, obj: object) -> bool:
    if p.is_admin:
        return True
    return p.verified and isinstance(obj, ActorScope) and edits_scope(p, obj)


RULES = [PolicyRule(action="capacity.edit", rule=edit, object_action=True),
         PolicyRule(action="capacity.verify", rule=verify, object_action=True)]
