"""Calls and applications: the room's service face (keyword-only functions; each write is one
unit of work, audited). Other rooms, the pages, the API and the CLI call only this module.

A call owns a review panel (`review.service`, context kind "call"); a submitted application is a
review item whose actors are the applicant's and co-applicants' atlas actors. Results publish
the laureates (and the others who opted in), notify every applicant and record each laureate in
the atlas under the call as source (`call:<id>`, a research fact of kind `call_laureate`).

The code lives by use case: `reads` (errors, policy objects, reads), `setup` (a call, its pool
and phase), `applying` (applications), `jury` (reviews and decisions), `results` (results and
figures), `portfolio` (structuring projects), `personal` (export and erasure)."""

from __future__ import annotations

from bioatlas.calls.applying import (
    add_attachment,
    earlier_review,
    resubmission,
    save_draft,
    set_opt_in,
    start_application,
    submit,
    withdraw,
)
from bioatlas.calls.forms import Field, FieldError
from bioatlas.calls.jury import declare_conflict, decide, jury_view, open_review, score, scores_csv
from bioatlas.calls.models import APPLICATION_STATUSES, CALL_KINDS, MILESTONE_STATUSES, Application, Attachment, Call
from bioatlas.calls.personal import erase_user, export_user
from bioatlas.calls.portfolio import (
    PortfolioError,
    add_milestone,
    agreements,
    create_project,
    figures_portfolio,
    get_project,
    list_projects,
    portfolio_by_region_and_modality,
    project_dict,
    projects_for_roadmap,
    set_milestone,
)
from bioatlas.calls.reads import (
    CONTEXT,
    SUBJECT,
    ApplicationScope,
    CallError,
    CallScope,
    ReviewSeat,
    application_scope,
    applications_of_call,
    applications_of_user,
    call_scope,
    form_fields,
    get_application,
    get_attachment,
    get_call,
    is_open,
    item_of,
    deadline_moment,
    list_calls,
    local_deadline,
    managers_of,
    panel_of,
    review_seat,
    rules_of,
)
from bioatlas.calls.results import (
    figures,
    laureate_calls_of_actor,
    laureate_source,
    public_results,
    publish_results,
    results_csv,
)
from bioatlas.calls.setup import (
    add_reviewers,
    assign_reviewers,
    close_call,
    create_call,
    publish_call,
    set_phase,
    update_call,
)
from bioatlas.review import service as review

STATUSES = APPLICATION_STATUSES

__all__ = [  # noqa: RUF022  (grouped by use case)
    "CONTEXT", "SUBJECT", "STATUSES", "APPLICATION_STATUSES", "CALL_KINDS", "MILESTONE_STATUSES",
    "CallError", "FieldError", "PortfolioError", "Field", "Call", "Application", "Attachment",
    "CallScope", "ApplicationScope", "ReviewSeat", "review",
    "get_call", "get_application", "get_attachment", "managers_of", "call_scope", "application_scope", "panel_of",
    "item_of", "review_seat", "form_fields", "rules_of", "is_open", "local_deadline", "deadline_moment", "list_calls",
    "applications_of_call", "applications_of_user",
    "create_call", "update_call", "publish_call", "close_call", "add_reviewers", "set_phase", "assign_reviewers",
    "start_application", "save_draft", "earlier_review", "submit", "withdraw", "resubmission", "add_attachment", "set_opt_in",
    "open_review", "score", "declare_conflict", "decide", "jury_view", "scores_csv",
    "laureate_source", "publish_results", "public_results", "results_csv", "laureate_calls_of_actor", "figures",
    "agreements", "create_project", "figures_portfolio", "get_project", "list_projects",
    "portfolio_by_region_and_modality", "project_dict", "projects_for_roadmap", "set_milestone", "add_milestone",
    "export_user", "erase_user",
]
