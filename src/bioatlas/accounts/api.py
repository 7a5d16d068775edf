"""JSON API of accounts: who am I, my data, the audit log and role grants (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from bioatlas.accounts import audit, service
from bioatlas.accounts.policy import Principal, client_ip, require
from bioatlas.core.deps import SessionDep
from bioatlas.core.fields import FieldError
from bioatlas.web.problems import Problem
from bioatlas.web.refusals import Refused, not_found

router = APIRouter(prefix="/api/v1", tags=["accounts"])
Me = Annotated[Principal, Depends(require("account.self"))]


class GrantIn(BaseModel):
    """A role to give: extra fields are refused (no mass assignment)."""

    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=320)
    role: Literal["editor", "member"]
    scope_kind: Literal["region", "cluster", "actor"]
    scope_value: str = Field(min_length=1, max_length=40)


class AccountIn(BaseModel):
    """What an account may change of itself through the API: its language (the notifications',
    e-mails' and pages' without a `lang` cookie). Other fields are refused (no mass assignment)."""

    model_config = ConfigDict(extra="forbid")
    language: Literal["fr", "en"] | None = None
    time_zone: str | None = Field(default=None, max_length=64)  # an IANA name: its pages' times


@router.get("/account", responses={401: {"model": Problem}})
def me(session: SessionDep, principal: Me) -> dict:
    return _account(session, principal)


@router.patch("/account", responses={401: {"model": Problem}, 403: {"model": Problem}, 422: {"model": Problem}})
def change_me(session: SessionDep, body: AccountIn, principal: Me) -> dict:
    """`{"language": "en", "time_zone": "America/Montreal"}`: the account's language and the zone
    of its pages' times; 422 naming the field for another value."""
    if body.language is not None:
        try:
            service.set_language(session, user_id=principal.user_id, language=body.language)
        except service.AccountError as exc:
            raise Refused(exc.as_refusal("language"), detail=[{"field": exc.field or "language", "message": str(exc)}]) from None
    if body.time_zone is not None:
        try:
            service.set_time_zone(session, user_id=principal.user_id, time_zone=body.time_zone)
        except service.AccountError as exc:
            raise Refused(exc.as_refusal("time_zone").as_field("time_zone"),
                          detail=[{"field": "time_zone", "message": str(exc)}]) from None
    return _account(session, principal)


def _account(session: Session, principal: Principal) -> dict:
    user = service.get_user(session, user_id=principal.user_id)
    return {"id": user.id, "email": user.email, "display_name": user.display_name, "language": user.language,
            "time_zone": user.time_zone, "role": principal.role,
            "verified": principal.verified, "editor_regions": sorted(principal.editor_regions),
            "editor_clusters": sorted(principal.editor_clusters), "member_of": sorted(principal.member_of)}


@router.get("/account/export", responses={401: {"model": Problem}})
def my_data(session: SessionDep, principal: Me) -> dict:
    return service.my_data(session, user_id=principal.user_id)


@router.get("/admin/audit", responses={401: {"model": Problem}, 403: {"model": Problem}})
def audit_log(
    session: SessionDep,
    _: Annotated[Principal, Depends(require("audit.read"))],
    event: Annotated[str | None, Query(max_length=40)] = None,
    user_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[dict]:
    return [audit.as_dict(e) for e in audit.query(session, event=event, user_id=user_id, since=since,
                                                  limit=limit, offset=offset)]


@router.post("/admin/roles", status_code=201, responses={401: {"model": Problem}, 403: {"model": Problem},
                                                          404: {"model": Problem}, 409: {"model": Problem}})
def grant_role(request: Request, session: SessionDep, grant: GrantIn,
               admin: Annotated[Principal, Depends(require("role.grant"))]) -> dict:
    try:
        row = service.grant_role(session, admin_id=admin.user_id, email=grant.email, role=grant.role,
                                 scope_kind=grant.scope_kind, scope_value=grant.scope_value, ip=client_ip(request))
    except service.NotFoundError as exc:
        raise not_found("email", "No account with this e-mail address.", detail=str(exc)) from None
    except service.ConflictError as exc:  # the only conflict of a grant
        raise Refused(FieldError("", "this user already has this role"), status=409, detail=str(exc)) from None
    except service.AccountError as exc:  # a scope that does not fit the role
        raise Refused(exc.as_refusal(), status=422, detail=str(exc)) from None
    return {"id": row.id, "user_id": row.user_id, "role": row.role, "scope_kind": row.scope_kind,
            "scope_value": row.scope_value}


@router.delete("/admin/roles/{grant_id}", responses={401: {"model": Problem}, 403: {"model": Problem},
                                                      404: {"model": Problem}})
def revoke_role(request: Request, session: SessionDep, grant_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
                admin: Annotated[Principal, Depends(require("role.grant"))]) -> dict:
    try:
        service.revoke_role(session, admin_id=admin.user_id, grant_id=grant_id, ip=client_ip(request))
    except service.NotFoundError as exc:
        raise not_found("grant_id", "No role grant with this number.", detail=str(exc)) from None
    return {"revoked": grant_id}
