"""The partner-search room's public interface (keyword-only): members of an actor publish offers
and requests, editors review them, everyone searches the published ones and sees explainable
matches; logged-in users express interest, the owner accepts (a conversation thread opens
through `messaging.service`) or declines; the owner closes with an outcome.

Refusals raise `FieldError` (422, naming the field), `NotFound` (404), `Conflict` (409) or

The use cases live in modules named for what they hold (`lifecycle`, `interest`, `alerts`,
`suggest`, `reads`, `figures`, `personal`); this module is the room's interface for the
others: import it, never those."""

from __future__ import annotations

from bioatlas.core.fields import FieldError
from bioatlas.opportunities.alerts import MAX_ALERTS, alerts_of, delete_alert, save_alert
from bioatlas.opportunities.errors import Conflict, NotFound, OpportunityError, RateLimited, now
from bioatlas.opportunities.fields import OUTCOMES
from bioatlas.opportunities.figures import figures, figures_by_region_and_modality
from bioatlas.opportunities.interest import INTERESTS_PER_DAY, answer_interest, express_interest
from bioatlas.opportunities.lifecycle import (
    DEFAULT_DAYS,
    STALE_DAYS,
    close,
    create,
    expire_due,
    put_demo,
    remind_stale,
    renew,
    review,
    submit,
    update,
)
from bioatlas.opportunities.personal import erase_personal, export_personal
from bioatlas.opportunities.reads import (
    actor_names,
    display_names,
    get,
    interests_of,
    listing,
    mine,
    quality_of,
    review_queue,
    scope_of,
    shows_name,
)
from bioatlas.opportunities.suggest import Match, matches

__all__ = [  # noqa: RUF022  (grouped by purpose)
    "OpportunityError", "NotFound", "Conflict", "RateLimited", "FieldError", "Match", "now",
    "create", "update", "submit", "review", "close", "renew", "expire_due", "remind_stale", "express_interest", "answer_interest",
    "get", "scope_of", "actor_names", "display_names", "listing", "mine", "review_queue", "matches", "interests_of", "quality_of", "shows_name",
    "figures", "figures_by_region_and_modality", "put_demo", "alerts_of", "save_alert", "delete_alert", "MAX_ALERTS", "export_personal", "erase_personal", "DEFAULT_DAYS", "STALE_DAYS", "INTERESTS_PER_DAY", "OUTCOMES",
]
