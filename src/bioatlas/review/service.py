"""The review engine's public interface (keyword-only), for any room that reviews submissions
(calls, an event's pitch selection). Writes happen in the caller's transaction: the caller's
service wraps its call in `core.db.unit_of_work` and commits.

- a panel per context (`create_panel`): weighted criteria with scales and thresholds, phases
  (blind or not, others' scores visible after one's own or not, open or closed);
- reviewers: a pool (`add_reviewers`), assignments drawn least-loaded first (`assign`), every
  conflict of interest (see `conflicts`) kept as an exclusion with its reason;
- `open_item`: what a reviewer may see of an item, refused with the reason on a conflict;
- scores validated against each scale (`record_scores`), medians, weighted totals and thresholds
  (`results`), decisions with rationale (`decide`), resubmissions with a rebuttal judged by
  different reviewers (`register_item(previous_subject_id=…)`), scores as CSV (`scores_csv`).

The code lives by use case (`panels`, `items`, `scoring`, `reads`, `personal`, `errors`,
`conflicts`); this module is the stable face other rooms import."""

from __future__ import annotations

from bioatlas.review.conflicts import Agreement, Conflict
from bioatlas.review.describe import conflicts_refusal, describe, exclusion_texts
from bioatlas.review.errors import ConflictOfInterest, NotAssigned, ReviewError
from bioatlas.review.items import (
    AssignReport,
    assign,
    forget_owner,
    item_for,
    open_item,
    register_item,
    withdraw_item,
)
from bioatlas.review.models import (
    DECISIONS,
    PHASES,
    REASONS,
    ReviewAssignment,
    ReviewCriterion,
    ReviewExclusion,
    ReviewItem,
    ReviewPanel,
)
from bioatlas.review.panels import (
    add_reviewers,
    check_reviewer,
    create_panel,
    declare_conflict,
    get_panel,
    panel_for,
    pool,
    set_phase,
    update_panel,
)
from bioatlas.review.personal import erase_user, export_user
from bioatlas.review.reads import assignments_of, comments_for_applicant, exclusions, load
from bioatlas.review.scoring import ItemResult, decide, record_scores, results, scores_csv, scores_of


__all__ = [  # noqa: RUF022  (grouped by purpose)
    "ReviewError", "ConflictOfInterest", "NotAssigned", "Conflict", "Agreement", "REASONS", "DECISIONS", "PHASES",
    "AssignReport", "ItemResult", "ReviewPanel", "ReviewCriterion", "ReviewItem", "ReviewAssignment", "ReviewExclusion",
    "create_panel", "update_panel", "get_panel", "panel_for", "set_phase", "add_reviewers", "pool", "register_item", "item_for",
    "withdraw_item", "forget_owner", "check_reviewer", "assign", "open_item", "record_scores", "scores_of", "results", "decide",
    "scores_csv", "declare_conflict", "exclusions", "assignments_of", "comments_for_applicant", "load",
    "export_user", "erase_user", "describe", "exclusion_texts", "conflicts_refusal",
]
