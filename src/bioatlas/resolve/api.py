"""JSON API of the resolver: `GET /api/v1/match?q=` (one mention) and `POST /api/v1/match` (a
batch of at most MAX_BATCH mentions: 413 beyond, 422 for a mention over MAX_MENTION chars)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field

from bioatlas.web.problems import Problem
from bioatlas.core.deps import SessionDep
from bioatlas.core.fields import FieldError
from bioatlas.resolve.service import MAX_BATCH, resolve_many
from bioatlas.web.refusals import Refused

router = APIRouter(prefix="/api/v1", tags=["resolve"])
MAX_MENTION = 10_000


class CandidateOut(BaseModel):
    id: str = Field(description="ROR URL when the actor has one, else the actor id")
    actor_id: int
    name: str
    matched: str = Field(description="the name of the actor that matched")
    score: float = Field(description="calibrated probability that the mention names this actor")
    reasons: list[str]


class MatchOut(BaseModel):
    affiliation: str
    chosen: list[str]
    candidates: list[CandidateOut]


class BatchIn(BaseModel):
    mentions: list[Annotated[str, Field(max_length=MAX_MENTION)]] = Field(
        description=f"free-text organisation mentions (at most {MAX_BATCH})"
    )


@router.get("/match", response_model=MatchOut, responses={422: {"model": Problem}})
def match_one(session: SessionDep, q: Annotated[str, Query(max_length=MAX_MENTION, description="an organisation mention")]):
    """The actor(s) a free-text mention names (possibly none), with ranked candidates and reasons."""
    return resolve_many(session, mentions=[q])[0].as_dict()


@router.post("/match", response_model=list[MatchOut], responses={413: {"model": Problem}, 422: {"model": Problem}})
def match_batch(session: SessionDep, body: Annotated[BatchIn, Body()]):
    """One answer per mention, in order."""
    if len(body.mentions) > MAX_BATCH:
        refusal = FieldError("mentions", "{given} given, at most {max} per request", 413,
                             params={"given": len(body.mentions), "max": MAX_BATCH})
        raise Refused(refusal, detail=str(refusal))
    return [r.as_dict() for r in resolve_many(session, mentions=body.mentions)]
