"""The one-stop shop's services: intake (a case and its needs, the first contact's address
verified by a link), routing by rules kept as data, the routed requests' statuses, owners,
reminders and escalation, partners' private notes, messages through `messaging.service`,
documents, the case as each reader may see it (every read audited), suggestions from the
capacity directory, figures, retention. Handlers call these; nothing here renders.

The use cases live in modules named for them (intake, routing, followup, documents, reading,
suggestions, figures, retention; scopes and checks shared); this module is the room's one door
for the other rooms, the views, the CLI and the tests."""

from __future__ import annotations

from bioatlas.core.fields import FieldError
from bioatlas.oneshop.checks import (
    MAX_TEXT,
    MAX_UPLOAD,
    REMIND_AFTER_DAYS,
    RETENTION_DAYS,
    NotFound,
    now,
    size_of,
)
from bioatlas.oneshop.documents import add_document, document, share_document
from bioatlas.oneshop.figures import figures, unrouted_needs
from bioatlas.oneshop.followup import add_note, rate, remind, send_message, set_status, share_details
from bioatlas.oneshop.intake import check_intake, deliver, intake, link_cases, modalities, value_chain_steps, verify
from bioatlas.oneshop.models import (
    CASE_STATUSES,
    INVESTMENT_BANDS,
    NEEDS,
    OUTCOMES,
    PARTNER_KINDS,
    PARTNER_STATUSES,
    PROJECT_TYPES,
    REQUEST_STATUSES,
    SIZES,
)
from bioatlas.oneshop.reading import (
    case_view,
    cases_of,
    details_shared,
    need_names,
    overview,
    partner_names,
    timeline,
)
from bioatlas.oneshop.retention import anonymise_closed, close_case, erase_personal, export_personal
from bioatlas.oneshop.routing import add_rule, delete_rule, reroute, route_case, rules
from bioatlas.oneshop.scopes import CaseScope, DocumentScope, RequestScope, case_scope, document_scope, request_scope
from bioatlas.oneshop.suggestions import recruiting, suggestions, zones

__all__ = ["FieldError", "NotFound", "CaseScope", "RequestScope", "intake", "verify", "route_case", "add_rule",
           "reroute", "delete_rule", "rules", "case_scope", "request_scope", "case_view", "set_status", "add_note",
           "send_message", "remind", "add_document", "document_scope", "document", "DocumentScope", "suggestions", "figures", "anonymise_closed",
           "cases_of", "timeline", "overview", "deliver", "close_case", "link_cases", "partner_names", "export_personal", "erase_personal", "NEEDS", "PROJECT_TYPES", "REQUEST_STATUSES", "SIZES",
           "INVESTMENT_BANDS", "PARTNER_KINDS", "OUTCOMES", "CASE_STATUSES"]
__all__ += ["MAX_TEXT", "MAX_UPLOAD", "REMIND_AFTER_DAYS", "RETENTION_DAYS", "now", "size_of", "check_intake",
            "unrouted_needs"]
__all__ += ["share_document", "share_details", "rate", "details_shared"]
__all__ += ["need_names"]
__all__ += ["zones"]
__all__ += ["recruiting"]
__all__ += ["modalities", "value_chain_steps"]
__all__ += ["PARTNER_STATUSES"]
