"""The job board's policy action (registered through `bioatlas_policy_rules`): jobboard.publish,
the members of the actor (and admins) publish, edit and close its offers. The object is the
actor's scope (`service.actor_scope`, or `service.offer_scope` for an existing offer)."""

from __future__ import annotations

from bioatlas.accounts.policy import ActorScope, Principal
from bioatlas.core.plugins import PolicyRule


def publish(p: Principal, obj: object) -> bool:
    if p.is_admin:
        return True
    return p.verified and isinstance(obj, ActorScope) and obj.actor_id is not None and obj.actor_id in p.member_of


RULES = [PolicyRule(action="jobboard.publish", rule=publish, object_action=True)]
