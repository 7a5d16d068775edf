"""The one-stop shop's policy actions (registered through `bioatlas_policy_rules`):
- the intake form is `public.form` (anyone, CSRF by cookie: a first contact needs no account);
- oneshop.follow: a signed-in, verified account (its cases, the requests routed to its organisations);
- oneshop.read: a case's company account, the members of a partner it was routed to, and the
  coordinators (administrators); what each sees is filtered by `service.case_view`;
- oneshop.partner: the members of the request's partner organisation only (status, owner,
  private notes): not the company, not the coordinators;
- oneshop.converse: the request's company account and its partner's members (messages);
- oneshop.company: the case's company account only (documents and what each partner sees, closing the case);
- oneshop.rate: a request's company account only (its satisfaction with that partner, once closed);
- oneshop.document: a document's company account and the partner it is shared with (not the
  coordinators);
- oneshop.coordinate: administrators (routing rules, reminders, figures)."""

from __future__ import annotations

from bioatlas.accounts.policy import Principal
from bioatlas.core.plugins import PolicyRule
from bioatlas.oneshop.scopes import CaseScope, DocumentScope, RequestScope


def follow(p: Principal, obj: object) -> bool:
    return p.user_id is not None and p.verified


def coordinate(p: Principal, obj: object) -> bool:
    return p.is_admin


def _owner(p: Principal, obj: object) -> bool:
    return (p.user_id is not None and p.verified and isinstance(obj, (CaseScope, RequestScope, DocumentScope))
            and obj.owner_user_id == p.user_id)


def _partner(p: Principal, obj: object) -> bool:
    if not p.verified:
        return False
    if isinstance(obj, CaseScope):
        return bool(obj.partners & p.member_of)
    return isinstance(obj, RequestScope) and obj.partner_actor_id in p.member_of


def read(p: Principal, obj: object) -> bool:
    return p.is_admin or _owner(p, obj) or _partner(p, obj)


def partner(p: Principal, obj: object) -> bool:
    return isinstance(obj, RequestScope) and _partner(p, obj)


def converse(p: Principal, obj: object) -> bool:
    return isinstance(obj, RequestScope) and (_owner(p, obj) or _partner(p, obj))


def company(p: Principal, obj: object) -> bool:
    return isinstance(obj, CaseScope) and _owner(p, obj)


def rate(p: Principal, obj: object) -> bool:
    return isinstance(obj, RequestScope) and _owner(p, obj)


def document(p: Principal, obj: object) -> bool:
    if not isinstance(obj, DocumentScope):
        return False
    return _owner(p, obj) or (p.verified and bool(obj.shared_with & p.member_of))


RULES = [PolicyRule(action="oneshop.follow", rule=follow),
         PolicyRule(action="oneshop.coordinate", rule=coordinate),
         PolicyRule(action="oneshop.read", rule=read, object_action=True),
         PolicyRule(action="oneshop.partner", rule=partner, object_action=True),
         PolicyRule(action="oneshop.converse", rule=converse, object_action=True),
         PolicyRule(action="oneshop.company", rule=company, object_action=True),
         PolicyRule(action="oneshop.document", rule=document, object_action=True),
         PolicyRule(action="oneshop.rate", rule=rate, object_action=True)]
