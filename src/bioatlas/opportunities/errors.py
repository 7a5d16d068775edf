"""Partner search's refusals (each audited, outside the rolled-back unit of work) and small shared helpers."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy.orm import Session, sessionmaker

from bioatlas.accounts import service as accounts
from bioatlas.core.fields import FieldError
from bioatlas.opportunities.models import Opportunity

REASON_MAX, NOTE_MAX, INTEREST_MAX = 1000, 2000, 4000


def now() -> datetime:
    return datetime.now(timezone.utc)


class OpportunityError(FieldError):
    """A refused action: a `core.fields.FieldError` (`OpportunityError(field, message id,
    params={...})`, the pages show it in the reader's language) whose status is the class's."""

    status = 400

    def __init__(self, field: str, message: str, *, params: dict | None = None) -> None:
        super().__init__(field, message, type(self).status, params=params)


class NotFound(OpportunityError):
    status = 404


class Conflict(OpportunityError):
    status = 409


class RateLimited(OpportunityError):
    status = 429




def _refuse(session: Session, *, user_id: int | None, ip: str | None, target: str, action: str,
            exc: OpportunityError | FieldError) -> None:
    """Keep the refusal in the audit log, outside the rolled-back unit of work."""
    accounts.record_audit_now(sessionmaker(bind=session.get_bind()), event="refused", user_id=user_id, ip=ip,
                              target=target, detail={"action": action, "field": exc.field, "reason": str(exc)[:500]})


def _target(opportunity_id: int | None, actor_id: int | None = None) -> str:
    return f"opportunity:{opportunity_id}" if opportunity_id else f"actor:{actor_id}"



def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)






def _conflict(session: Session, *, user_id, ip, opp: Opportunity, action: str, exc: Conflict) -> Conflict:
    """`exc`, audited."""
    _refuse(session, user_id=user_id, ip=ip, target=_target(opp.id), action=action, exc=exc)
    return exc
