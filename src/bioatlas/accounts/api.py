"""JSON API of accounts: who am I, my data, the audit log and role grants (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError

from bioatlas.accounts import audit, service
from bioatlas.accounts.models import RoleGrant, User
from bioatlas.accounts.personal import export_user
from bioatlas.accounts.policy import Principal, client_ip, require
from bioatlas.atlas.geocode import gazetteer
from bioatlas.atlas.models import Actor
from bioatlas.core.deps import SessionDep
from bioatlas.web.problems import Problem

router = APIRouter(prefix="/api/v1", tags=["accounts"])
Me = Annotated[Principal, Depends(require("account.self"))]


class GrantIn(BaseModel):
    """A role to give: extra fields are refused (no mass assignment)."""

    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=320)
    role: Literal["editor", "member"]
    scope_kind: Literal["region", "cluster", "actor"]
    scope_value: str = Field(min_length=1, max_length=40)


@router.get("/account", responses={401: {"model": Problem}})
def me(session: SessionDep, principal: Me) -> dict:
    user = session.get(User, principal.user_id)
    return {"id": user.id, "email": user.email, "display_name": user.display_name, "role": principal.role,
            "verified": principal.verified, "editor_regions": sorted(principal.editor_regions),
            "editor_clusters": sorted(principal.editor_clusters), "member_of": sorted(principal.member_of)}


@router.get("/account/export", responses={401: {"model": Problem}})
def my_data(session: SessionDep, principal: Me) -> dict:
    return export_user(session, session.get(User, principal.user_id))


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


def _check_scope(session, grant: GrantIn) -> None:
    if grant.scope_kind == "region":
        if grant.role != "editor" or grant.scope_value not in gazetteer().regions:
            raise HTTPException(422, detail=f"scope_value: {grant.scope_value!r} is not an INSEE region code "
                                            "(editor roles only)")
        return
    if not grant.scope_value.isdigit() or session.get(Actor, int(grant.scope_value)) is None:
        raise HTTPException(422, detail=f"scope_value: no actor with id {grant.scope_value!r}")
    actor = session.get(Actor, int(grant.scope_value))
    if grant.scope_kind == "cluster" and (grant.role != "editor" or actor.kind != "cluster"):
        raise HTTPException(422, detail="scope_value: a cluster scope names an actor of kind cluster (editor role)")
    if grant.scope_kind == "actor" and grant.role != "member":
        raise HTTPException(422, detail="scope_kind: an actor scope is for the member role")


@router.post("/admin/roles", status_code=201, responses={401: {"model": Problem}, 403: {"model": Problem},
                                                          404: {"model": Problem}, 409: {"model": Problem}})
def grant_role(request: Request, session: SessionDep, grant: GrantIn,
               admin: Annotated[Principal, Depends(require("role.grant"))]) -> dict:
    user = service.get_user_by_email(session, grant.email)
    if user is None:
        raise HTTPException(404, detail=f"no account with the address {grant.email!r}")
    _check_scope(session, grant)
    row = RoleGrant(user_id=user.id, role=grant.role, scope_kind=grant.scope_kind, scope_value=grant.scope_value,
                    granted_by=admin.user_id)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise HTTPException(409, detail="this user already has this role") from None
    audit.record(session, "role_granted", user_id=admin.user_id, ip=client_ip(request), target=f"user:{user.id}",
                 detail=grant.model_dump(exclude={"email"}))
    session.commit()
    return {"id": row.id, "user_id": user.id, "role": row.role, "scope_kind": row.scope_kind,
            "scope_value": row.scope_value}


@router.delete("/admin/roles/{grant_id}", responses={401: {"model": Problem}, 403: {"model": Problem},
                                                      404: {"model": Problem}})
def revoke_role(request: Request, session: SessionDep, grant_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
                admin: Annotated[Principal, Depends(require("role.grant"))]) -> dict:
    row = session.get(RoleGrant, grant_id)
    if row is None:
        raise HTTPException(404, detail=f"no role grant with id {grant_id}")
    audit.record(session, "role_revoked", user_id=admin.user_id, ip=client_ip(request), target=f"user:{row.user_id}",
                 detail={"role": row.role, "scope_kind": row.scope_kind, "scope_value": row.scope_value})
    session.delete(row)
    session.commit()
    return {"revoked": grant_id}

