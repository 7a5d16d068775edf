"""The one-stop shop's services: intake (a case and its needs, the first contact's address
verified by a link), routing by rules kept as data, the routed requests' statuses, owners,
reminders and escalation, partners' private notes, messages through `messaging.service`,
documents, the case as each reader may see it (every read audited), suggestions from the
capacity directory, figures, retention. Handlers call these; nothing here renders."""

from __future__ import annotations

import hashlib
import re
import secrets
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.accounts.policy import Principal
from bioatlas.atlas import service as atlas
from bioatlas.capacity import service as capacity
from bioatlas.core.db import make_sessionmaker
from bioatlas.core.text import unsafe_character
from bioatlas.messaging import service as messaging
from bioatlas.notifications import service as notifications
from bioatlas.oneshop.models import (
    CASE_STATUSES, INVESTMENT_BANDS, NEEDS, OUTCOMES, PARTNER_KINDS, PROJECT_TYPES, REQUEST_STATUSES, SIZES, Case,
    Document, Need, Note, RoutedRequest, Rule,
)

__all__ = ["FieldError", "NotFound", "CaseScope", "RequestScope", "intake", "verify", "route_case", "add_rule",
           "reroute", "delete_rule", "rules", "case_scope", "request_scope", "case_view", "set_status", "add_note",
           "send_message", "remind", "add_document", "document_scope", "document", "DocumentScope", "suggestions", "figures", "anonymise_closed",
           "cases_of", "timeline", "overview", "deliver", "close_case", "link_cases", "partner_names", "export_personal", "erase_personal", "NEEDS", "PROJECT_TYPES", "REQUEST_STATUSES", "SIZES",
           "INVESTMENT_BANDS", "PARTNER_KINDS", "OUTCOMES", "CASE_STATUSES"]

EMAIL_RE = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
SIRET_RE = re.compile(r"^\d{14}$")
MAX_TEXT = 4000
MAX_UPLOAD = 10 * 1024 * 1024
REMIND_AFTER_DAYS = 5
ESCALATE_AFTER_REMINDERS = 2
RETENTION_DAYS = 3 * 365
ANONYMISED = "anonymised"
# allowed uploads: declared type -> the file's first bytes must start with one of these
SIGNATURES = {"application/pdf": (b"%PDF-",), "image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",)}


def now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class FieldError(ValueError):
    """Bad input: `field` names what to fix; `status` the HTTP status the pages answer with."""

    def __init__(self, field: str, message: str, status: int = 422) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.status = field, message, status


class NotFound(LookupError):
    pass


@dataclass(frozen=True)
class CaseScope:
    """A case as the policy sees it: the company's account and the partners it was routed to."""

    case_id: int
    owner_user_id: int | None
    partners: frozenset[int]


@dataclass(frozen=True)
class RequestScope:
    """A routed request as the policy sees it: its case's company account and its partner."""

    request_id: int
    case_id: int
    owner_user_id: int | None
    partner_actor_id: int


@dataclass(frozen=True)
class DocumentScope:
    """A document as the policy sees it: its case's company account and the partner it is shared with."""

    document_id: int
    case_id: int
    owner_user_id: int | None
    shared_with: int | None


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _text(values: Mapping[str, Any], name: str, limit: int, *, required: bool = False) -> str:
    value = str(values.get(name) or "").strip()
    if required and not value:
        raise FieldError(name, "required")
    if len(value) > limit:
        raise FieldError(name, f"at most {limit} characters", 413 if limit >= MAX_TEXT else 422)
    if unsafe_character(value):
        raise FieldError(name, "contains a character that is not allowed")
    return value


def _choice(values: Mapping[str, Any], name: str, allowed: Sequence[str], *, required: bool = True) -> str:
    value = str(values.get(name) or "").strip()
    if not value and not required:
        return ""
    if value not in allowed:
        raise FieldError(name, "one of " + ", ".join(allowed))
    return value


def _int(values: Mapping[str, Any], name: str, low: int, high: int) -> int | None:
    raw = str(values.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise FieldError(name, "a whole number") from None
    if not low <= value <= high:
        raise FieldError(name, f"between {low} and {high}")
    return value


def size_of(jobs: int) -> str:
    return "micro" if jobs < 10 else "small" if jobs < 50 else "medium" if jobs < 250 else "large"


def check_intake(values: Mapping[str, Any], *, today: date | None = None) -> dict[str, Any]:
    """The case's fields from the intake form, or FieldError naming the first bad field."""
    today = today or date.today()
    out: dict[str, Any] = {
        "company_name": _text(values, "company_name", 200, required=True),
        "contact_name": _text(values, "contact_name", 200),
        "project_type": _choice(values, "project_type", PROJECT_TYPES),
        "modality": _text(values, "modality", 40),
        "region": _text(values, "region", 3),
        "description": _text(values, "description", MAX_TEXT),
        "cleanroom_grade": _choice(values, "cleanroom_grade", ("A", "B", "C", "D"), required=False),
        "investment_band": _choice(values, "investment_band", INVESTMENT_BANDS, required=False),
        "surface_m2": _int(values, "surface_m2", 1, 1_000_000),
        "jobs_planned": _int(values, "jobs_planned", 0, 100_000) or 0,
        "share_details": str(values.get("share_details", "yes")).strip() in ("yes", "on", "1", "true"),
    }
    email = _text(values, "email", 320, required=True)
    if not EMAIL_RE.match(email):
        raise FieldError("email", "not a valid e-mail address")
    out["email"] = email
    country = _text(values, "country", 2).upper() or "FR"
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise FieldError("country", "a two-letter country code (ISO 3166), e.g. FR, US, JP")
    out["country"] = country
    siret = re.sub(r"\s", "", _text(values, "siret", 20))
    if siret and not SIRET_RE.match(siret):
        raise FieldError("siret", "14 digits, or leave it empty (not required)")
    out["siret"] = siret or None
    if out["region"] and not re.fullmatch(r"\d{2,3}", out["region"]):
        raise FieldError("region", "a region's INSEE code, e.g. 11, 27, 84")
    start = _text(values, "start_on", 10)
    if start:
        try:
            start_on = date.fromisoformat(start)
        except ValueError:
            raise FieldError("start_on", "a date such as 2027-09-01") from None
        if start_on < today or start_on > today + timedelta(days=365 * 15):
            raise FieldError("start_on", "a date between today and 15 years from now")
        out["start_on"] = start_on
    raw_needs = values.get("needs") or []
    needs = [raw_needs] if isinstance(raw_needs, str) else list(raw_needs)
    if not needs:
        raise FieldError("needs", "choose at least one need")
    for n in needs:
        if n not in NEEDS:
            raise FieldError("needs", "each one of " + ", ".join(NEEDS))
    out["needs"] = sorted(set(needs), key=NEEDS.index)
    return out


# --- intake and routing ----------------------------------------------------------------------------


def intake(session: Session, *, values: Mapping[str, Any], public_url: str, language: str = "fr",
           user_id: int | None = None, verified_email: str | None = None, synthetic: bool = False,
           today: date | None = None) -> tuple[Case, int | None]:
    """A new case and its needs (the caller commits). A signed-in user whose verified address is
    the one given follows it at once and it is routed; otherwise a link is mailed to the address
    and nothing is routed before it is opened. Returns (case, outbox mail id or None)."""
    data = check_intake(values, today=today)
    needs = data.pop("needs")
    case = Case(**data, email_key=data["email"].lower(), language=language if language in ("fr", "en") else "fr",
                synthetic=synthetic)
    session.add(case)
    session.flush()
    for n in needs:
        session.add(Need(case_id=case.id, need=n, detail=_text(values, f"detail_{n}", 1000)))
    session.flush()
    if verified_email is not None and verified_email.lower() == case.email_key:
        case.user_id, case.verified_at, case.status = user_id, now(), "open"
        route_case(session, case=case)
        accounts.record_audit(session, event="oneshop.intake", user_id=user_id, target=f"oneshop_case:{case.id}")
        return case, None
    raw = secrets.token_urlsafe(24)
    case.verify_digest = digest(raw)
    accounts.record_audit(session, event="oneshop.intake", user_id=user_id, target=f"oneshop_case:{case.id}",
                          detail="verification mailed")
    mail = notifications.send_now(session, to=case.email, kind="oneshop.verify", language=case.language,
                                  context={"url": f"{public_url}/oneshop/verify/{raw}", "company": case.company_name})
    return case, mail


def deliver(session: Session, *, settings: Any, mail_id: int) -> None:
    """Send a committed outbox mail at once (the outbox's task retries it if the server fails)."""
    notifications.deliver_outbox(make_sessionmaker(session.get_bind()), settings=settings, ids=[mail_id])


def verify(session: Session, *, token: str) -> Case:
    """Open the mailed link: the case is open, linked to the account of that address if any, and
    routed. FieldError naming `token` when the link is unknown or already used."""
    case = session.scalar(select(Case).where(Case.verify_digest == digest(token))) if token else None
    if case is None or case.status != "unverified":
        raise FieldError("token", "this link is not valid or was already used", 400)
    case.verify_digest, case.verified_at, case.status = None, now(), "open"
    case.user_id = accounts.verified_user_by_email(session, email=case.email)
    route_case(session, case=case)
    return case


def link_cases(session: Session, *, user_id: int, email: str) -> int:
    """Cases opened with this (verified) address and no account yet follow the account now."""
    cases = session.scalars(select(Case).where(Case.email_key == email.lower(), Case.user_id.is_(None),
                                               Case.status != "unverified")).all()
    for c in cases:
        c.user_id = user_id
    return len(cases)


def _rule_targets(session: Session, rule: Rule, case: Case) -> list[int]:
    if rule.actor_id is not None:
        return [rule.actor_id]
    if rule.actor_kind:
        return atlas.actor_ids_of_kinds(session, kinds=[rule.actor_kind], region=case.region or None)[:3]
    return []


def route_case(session: Session, *, case: Case) -> list[RoutedRequest]:
    """Each need to the partners of the active rules it meets (need, and region, modality and size
    when the rule sets them); one request per need and partner. Returns the new requests."""
    size = size_of(case.jobs_planned)
    active = session.scalars(select(Rule).where(Rule.active.is_(True)).order_by(Rule.id)).all()
    made = []
    for need in session.scalars(select(Need).where(Need.case_id == case.id).order_by(Need.id)):
        seen = set(session.scalars(select(RoutedRequest.partner_actor_id).where(RoutedRequest.need_id == need.id)))
        for rule in active:
            if rule.need != need.need or (rule.region and rule.region != case.region) or \
                    (rule.modality and rule.modality != case.modality) or (rule.size and rule.size != size):
                continue
            for actor_id in _rule_targets(session, rule, case):
                if actor_id in seen:
                    continue
                seen.add(actor_id)
                r = RoutedRequest(case_id=case.id, need_id=need.id, partner_actor_id=actor_id, rule_id=rule.id)
                session.add(r)
                made.append(r)
    session.flush()
    for r in made:
        for uid in accounts.actor_member_ids(session, actor_id=r.partner_actor_id):
            notifications.notify(session, user_id=uid, kind="oneshop.routed", link=f"/oneshop/cases/{case.id}",
                                 context={"company": case.company_name, "case_id": case.id})
    return made


def add_rule(session: Session, *, values: Mapping[str, Any], user_id: int | None) -> Rule:
    """A routing rule from the coordinators' form; FieldError naming the field."""
    need = _choice(values, "need", NEEDS)
    region = _text(values, "region", 3) or None
    if region and not re.fullmatch(r"\d{2,3}", region):
        raise FieldError("region", "a region's INSEE code, e.g. 11")
    size = _choice(values, "size", SIZES, required=False) or None
    modality = _text(values, "modality", 40) or None
    kind = _text(values, "actor_kind", 40) or None
    raw_actor = _text(values, "actor_id", 12)
    actor_id = _partner_actor(session, raw_actor) if raw_actor else None
    if kind is not None and kind not in PARTNER_KINDS:
        raise FieldError("actor_kind", "unknown partner kind: one of " + ", ".join(PARTNER_KINDS))
    if (actor_id is None) == (kind is None):
        raise FieldError("actor_id", "give either a partner actor or a partner kind")
    rule = Rule(need=need, region=region, size=size, modality=modality, actor_id=actor_id, actor_kind=kind,
                created_by=user_id)
    session.add(rule)
    session.flush()
    accounts.record_audit(session, event="oneshop.rule", user_id=user_id, target=f"oneshop_rule:{rule.id}")
    return rule


def _partner_actor(session: Session, raw: str, field: str = "actor_id") -> int:
    if not raw.isdigit():
        raise FieldError(field, "an atlas actor's number")
    actor = atlas.get_actor(session, actor_id=int(raw))
    if actor is None:
        raise FieldError(field, "no atlas actor with this number")
    if actor.kind not in PARTNER_KINDS:
        raise FieldError(field, "not a partner organisation (kinds: " + ", ".join(PARTNER_KINDS) + ")")
    return actor.id


def reroute(session: Session, *, request_id: int, actor_id: str, user_id: int | None) -> RoutedRequest:
    """A coordinator sends a request still new, or declined, to another partner organisation
    (a routing the rules got wrong): it starts again as new there; the former partner's private
    notes on it are removed (that partner no longer holds it, and the new one must not read them)."""
    r = _request(session, request_id)
    if r.status not in ("new", "declined"):
        raise FieldError("status", "only a new or declined request can be sent to another partner", 409)
    target = _partner_actor(session, actor_id.strip())
    if target == r.partner_actor_id or session.scalar(select(RoutedRequest.id).where(
            RoutedRequest.need_id == r.need_id, RoutedRequest.partner_actor_id == target)) is not None:
        raise FieldError("actor_id", "this partner already holds this need", 409)
    before = r.partner_actor_id
    session.execute(delete(Note).where(Note.request_id == r.id))
    r.partner_actor_id, r.status, r.decline_reason, r.owner_user_id = target, "new", "", None
    r.reminders, r.reminded_at, r.escalated_at, r.thread_id, r.rule_id = 0, None, None, None, None
    r.touched_at = r.created_at = now()
    accounts.record_audit(session, event="oneshop.rerouted", user_id=user_id, target=f"oneshop_request:{r.id}",
                          detail={"from": before, "to": target})
    case = session.get(Case, r.case_id)
    for uid in accounts.actor_member_ids(session, actor_id=target):
        notifications.notify(session, user_id=uid, kind="oneshop.routed", link=f"/oneshop/cases/{r.case_id}",
                             context={"company": case.company_name if case else "", "case_id": r.case_id})
    return r


def delete_rule(session: Session, *, rule_id: int, user_id: int | None) -> None:
    rule = session.get(Rule, rule_id)
    if rule is None:
        raise NotFound(f"no rule {rule_id}")
    rule.active = False
    accounts.record_audit(session, event="oneshop.rule", user_id=user_id, target=f"oneshop_rule:{rule_id}",
                          detail="deactivated")


def rules(session: Session) -> list[Rule]:
    return list(session.scalars(select(Rule).where(Rule.active.is_(True)).order_by(Rule.need, Rule.id)))


# --- who sees what -----------------------------------------------------------------------------------


def case_scope(session: Session, *, case_id: int) -> CaseScope | None:
    case = session.get(Case, case_id)
    if case is None:
        return None
    partners = frozenset(session.scalars(select(RoutedRequest.partner_actor_id).where(RoutedRequest.case_id == case_id)))
    return CaseScope(case.id, case.user_id, partners)


def request_scope(session: Session, *, request_id: int) -> RequestScope | None:
    r = session.get(RoutedRequest, request_id)
    if r is None:
        return None
    case = session.get(Case, r.case_id)
    return RequestScope(r.id, r.case_id, case.user_id if case else None, r.partner_actor_id)


def case_view(session: Session, *, case_id: int, principal: Principal, ip: str | None = None) -> dict[str, Any]:
    """The case as this reader may see it (the policy allowed the read; this filters): the company
    sees everything of its case; a partner only the needs routed to it, its own notes, the
    documents shared with it and the project's details if the company chose to share them; a coordinator the routing and statuses, no notes, no documents.
    Every read is audited."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    is_owner = principal.user_id is not None and principal.user_id == case.user_id
    requests = session.scalars(select(RoutedRequest).where(RoutedRequest.case_id == case_id)
                               .order_by(RoutedRequest.id)).all()
    mine = {r.partner_actor_id for r in requests} & set(principal.member_of)
    if is_owner:
        role, visible = "company", list(requests)
    elif mine:
        role, visible = "partner", [r for r in requests if r.partner_actor_id in mine]
    else:
        role, visible = "coordinator", list(requests)
    needs = {n.id: n for n in session.scalars(select(Need).where(Need.case_id == case_id))}
    names = {a.id: a.name for a in atlas.find_actors(session, ids={r.partner_actor_id for r in requests})}
    notes: dict[int, list[Note]] = {}
    if role == "partner":
        for note in session.scalars(select(Note).where(Note.request_id.in_([r.id for r in visible])).order_by(Note.id)):
            notes.setdefault(note.request_id, []).append(note)
    docs: list[Document] = []
    if role != "coordinator":
        stmt = select(Document).where(Document.case_id == case_id)
        if role == "partner":
            stmt = stmt.where(Document.shared_with.in_(mine))
        docs = list(session.scalars(stmt.order_by(Document.id)))
    accounts.record_audit(session, event="oneshop.case_read", user_id=principal.user_id, ip=ip,
                          target=f"oneshop_case:{case_id}", detail={"as": role})
    return {"case": case, "role": role, "partner_actors": sorted(mine),
            "requests": [{"request": r, "need": needs[r.need_id], "partner": names.get(r.partner_actor_id, "?"),
                          "notes": notes.get(r.id, [])} for r in visible],
            "needs": list(needs.values()) if role != "partner" else [needs[r.need_id] for r in visible],
            "documents": docs, "show_details": role == "company" or (role == "partner" and case.share_details)}


def timeline(view: Mapping[str, Any]) -> list[tuple[datetime, str, str]]:
    """The case's dated events as the reader may see them, oldest first: (when, what, detail)
    with `what` among received, confirmed, routed, answered, note, document, closed."""
    case = view["case"]
    out: list[tuple[datetime, str, str]] = [(_aware(case.created_at), "received", "")]
    if case.verified_at:
        out.append((_aware(case.verified_at), "confirmed", ""))
    for item in view["requests"]:
        r = item["request"]
        out.append((_aware(r.created_at), "routed", item["partner"]))
        if r.first_answer_at:
            out.append((_aware(r.first_answer_at), "answered", item["partner"]))
        out.extend((_aware(n.created_at), "note", item["partner"]) for n in item["notes"])
    out.extend((_aware(d.created_at), "document", d.filename) for d in view["documents"])
    if case.closed_at:
        out.append((_aware(case.closed_at), "closed", case.outcome or ""))
    return sorted(out, key=lambda e: e[0])


def cases_of(session: Session, *, principal: Principal) -> dict[str, list]:
    """The company's own cases and the requests routed to the reader's organisations."""
    own = list(session.scalars(select(Case).where(Case.user_id == principal.user_id).order_by(Case.id.desc()))) \
        if principal.user_id is not None else []
    routed = list(session.scalars(select(RoutedRequest).where(RoutedRequest.partner_actor_id.in_(principal.member_of))
                                  .order_by(RoutedRequest.id.desc()).limit(200))) if principal.member_of else []
    return {"own": own, "routed": routed}


def _request(session: Session, request_id: int) -> RoutedRequest:
    r = session.get(RoutedRequest, request_id)
    if r is None:
        raise NotFound(f"no request {request_id}")
    return r


def set_status(session: Session, *, request_id: int, user_id: int | None, status: str, reason: str = "",
               next_step: str = "", next_step_on: str = "", today: date | None = None) -> RoutedRequest:
    """A partner member moves its request: taking it makes them its owner; declining needs a
    reason; the first answer is dated (the observatory's time to first answer)."""
    r = _request(session, request_id)
    status = _choice({"status": status}, "status", REQUEST_STATUSES[1:])
    reason = _text({"reason": reason}, "reason", 1000)
    if status == "declined" and not reason:
        raise FieldError("reason", "say why the request is declined")
    step = _text({"next_step": next_step}, "next_step", 300)
    step_on = None
    if next_step_on:
        try:
            step_on = date.fromisoformat(next_step_on)
        except ValueError:
            raise FieldError("next_step_on", "a date such as 2027-09-01") from None
        if step_on < (today or date.today()):
            raise FieldError("next_step_on", "a date from today on")
    at = now()
    r.status, r.touched_at = status, at
    if status == "declined":
        r.decline_reason = reason
    if step or step_on:
        r.next_step, r.next_step_on = step, step_on
    if status in ("taken", "in_progress") and r.owner_user_id is None:
        r.owner_user_id = user_id
    if status in ("answered", "closed", "declined") and r.first_answer_at is None:
        r.first_answer_at = at
    accounts.record_audit(session, event="oneshop.status", user_id=user_id, target=f"oneshop_request:{r.id}",
                          detail=status)
    return r


def add_note(session: Session, *, request_id: int, user_id: int | None, body: str) -> Note:
    r = _request(session, request_id)
    text = _text({"body": body}, "body", MAX_TEXT, required=True)
    note = Note(request_id=r.id, author_id=user_id, body=text)
    session.add(note)
    r.touched_at = now()
    session.flush()
    return note


def send_message(session: Session, *, request_id: int, sender_id: int, body: str) -> int:
    """A message between the company and the partner of this request: one thread per request
    (its members: the company's account and the partner's members), through messaging.service."""
    r = _request(session, request_id)
    case = session.get(Case, r.case_id)
    members = accounts.actor_member_ids(session, actor_id=r.partner_actor_id)
    if case is not None and case.user_id is not None:
        members.add(case.user_id)
    others = sorted(members - {sender_id})
    if not others:
        raise FieldError("request_id", "nobody to write to yet: the partner has no member account", 409)
    if r.thread_id is None:
        thread = messaging.open_thread(session, user_ids=others, opened_by=sender_id, accepted=True,
                                       context=messaging.Context(kind="oneshop", id=r.id,
                                                                 label=f"Guichet unique n° {r.case_id}",
                                                                 url=f"/oneshop/cases/{r.case_id}"))
        r.thread_id = thread.id
    messaging.post_message(session, thread_id=r.thread_id, sender_id=sender_id, body=body)
    r.touched_at = now()
    return r.thread_id


def remind(session: Session, *, days: int = REMIND_AFTER_DAYS, at: datetime | None = None) -> dict[str, int]:
    """Requests still new or taken, untouched for `days` (and not reminded since): a reminder to
    the partner's members; after ESCALATE_AFTER_REMINDERS reminders, escalated to the
    coordinators (the platform's administrators are notified; the request is flagged, audited)."""
    at = at or now()
    limit = at - timedelta(days=days)
    counts = {"reminded": 0, "escalated": 0}
    for r in session.scalars(select(RoutedRequest).where(RoutedRequest.status.in_(("new", "taken")))):
        last = max(_aware(r.touched_at), _aware(r.reminded_at) if r.reminded_at else _aware(r.touched_at))
        if last > limit:
            continue
        if r.reminders >= ESCALATE_AFTER_REMINDERS:
            if r.escalated_at is None:
                r.escalated_at = at
                counts["escalated"] += 1
                accounts.record_audit(session, event="oneshop.escalated", target=f"oneshop_request:{r.id}")
                for uid in accounts.admin_ids(session):
                    notifications.notify(session, user_id=uid, kind="oneshop.escalated", link="/oneshop/admin",
                                         context={"case_id": r.case_id, "reminders": r.reminders})
            continue
        for uid in accounts.actor_member_ids(session, actor_id=r.partner_actor_id):
            notifications.notify(session, user_id=uid, kind="oneshop.reminder", link=f"/oneshop/cases/{r.case_id}",
                                 context={"case_id": r.case_id, "days": days})
        r.reminders += 1
        r.reminded_at = at
        counts["reminded"] += 1
    return counts


# --- documents ---------------------------------------------------------------------------------------


def add_document(session: Session, *, case_id: int, filename: str, content_type: str, data: bytes,
                 shared_with: int | None) -> Document:
    """An upload of the company: PDF, PNG or JPEG of at most MAX_UPLOAD bytes whose content starts
    as its type says (an executable renamed .pdf is refused); shared with one routed partner or
    kept to the company."""
    if len(data) > MAX_UPLOAD:
        raise FieldError("file", f"at most {MAX_UPLOAD // (1024 * 1024)} MB", 413)
    if not data:
        raise FieldError("file", "the file is empty")
    if content_type not in SIGNATURES:
        raise FieldError("file", "allowed types: PDF, PNG, JPEG", 415)
    if not data.startswith(SIGNATURES[content_type]):
        raise FieldError("file", "the content is not a " + content_type + " file", 415)
    name = re.sub(r"[^A-Za-z0-9._\- ]", "_", filename or "document")[-120:] or "document"
    if shared_with is not None:
        partners = set(session.scalars(select(RoutedRequest.partner_actor_id).where(RoutedRequest.case_id == case_id)))
        if shared_with not in partners:
            raise FieldError("shared_with", "not a partner of this case")
    doc = Document(case_id=case_id, shared_with=shared_with, filename=name, content_type=content_type,
                   size=len(data), data=data)
    session.add(doc)
    session.flush()
    return doc


def document_scope(session: Session, *, case_id: int, document_id: int) -> DocumentScope | None:
    doc = session.get(Document, document_id)
    case = session.get(Case, case_id)
    if doc is None or case is None or doc.case_id != case_id:
        return None
    return DocumentScope(doc.id, case.id, case.user_id, doc.shared_with)


def document(session: Session, *, document_id: int) -> Document:
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound(f"no document {document_id}")
    return doc


# --- suggestions, figures, retention -----------------------------------------------------------------


def suggestions(session: Session, *, case: Case, limit: int = 5) -> list[dict[str, Any]]:
    """CDMOs and platforms of the capacity directory offering the case's modality (in its region
    first), with the matched lines' reasons; atlas actors in the sector scope."""
    q = capacity.OfferQuery(modalities=frozenset({case.modality}) if case.modality else frozenset())
    try:
        found = capacity.search_offers(session, query=q, limit=50).offers
    except Exception:  # noqa: BLE001 - a modality code the directory does not know: no suggestion
        return []
    found.sort(key=lambda o: (case.region not in o.regions, not o.verified))
    in_scope = atlas.in_scope_ids(session, actor_ids=[o.actor_id for o in found])
    out = [{"actor_id": o.actor_id, "name": o.actor_name, "kind": o.actor_kind, "reason": "offer",
            "in_region": case.region in o.regions, "in_scope": o.actor_id in in_scope, "verified": o.verified,
            "demo": o.demo_note is not None, "lines": len(o.matched_lines)} for o in found[:limit]]
    wants_training = session.scalar(select(Need.id).where(Need.case_id == case.id, Need.need == "recruitment"))
    if wants_training is not None and case.region:
        ids = atlas.actor_ids_of_kinds(session, kinds=["university"], region=case.region)
        scoped = atlas.in_scope_ids(session, actor_ids=ids)
        ids = sorted(ids, key=lambda i: i not in scoped)[:limit]
        out += [{"actor_id": a.id, "name": a.name, "kind": a.kind, "reason": "training", "in_region": True,
                 "in_scope": a.id in scoped, "verified": False, "demo": False, "lines": 0}
                for a in atlas.find_actors(session, ids=ids)]
    return out


def figures(session: Session) -> dict[str, Any]:
    """The observatory's figures: projects by type and region, jobs and investment announced,
    needs by type, median days to first answer per partner, projects landed."""
    cases = session.scalars(select(Case).where(Case.status != "unverified")).all()
    reqs = session.scalars(select(RoutedRequest).where(RoutedRequest.first_answer_at.is_not(None))).all()
    per_partner: dict[int, list[float]] = {}
    for r in reqs:
        if r.first_answer_at is None:
            continue
        days = (_aware(r.first_answer_at) - _aware(r.created_at)).total_seconds() / 86400
        per_partner.setdefault(r.partner_actor_id, []).append(days)
    names = {a.id: a.name for a in atlas.find_actors(session, ids=per_partner)}
    return {
        "projects": len(cases),
        "by_type": dict(Counter(c.project_type for c in cases)),
        "by_region": dict(Counter(c.region or "?" for c in cases)),
        "jobs": sum(c.jobs_planned for c in cases),
        "investment": dict(Counter(c.investment_band or "?" for c in cases)),
        "needs": dict(Counter(session.scalars(select(Need.need).join(Case, Case.id == Need.case_id)
                                              .where(Case.status != "unverified")))),
        "median_days_to_answer": {names.get(a, str(a)): round(statistics.median(v), 1) for a, v in per_partner.items()},
        "landed": sum(1 for c in cases if c.outcome == "established"),
        "unrouted": unrouted_needs(session),
    }


def unrouted_needs(session: Session) -> list[dict[str, Any]]:
    """Coverage gaps: needs of confirmed cases that no rule routed to any partner (a rule to add)."""
    stmt = (select(Need.case_id, Need.need, Case.region).join(Case, Case.id == Need.case_id)
            .where(Case.status == "open", ~Need.id.in_(select(RoutedRequest.need_id))).order_by(Need.case_id))
    return [{"case_id": c, "need": n, "region": r} for c, n, r in session.execute(stmt)]


def close_case(session: Session, *, case_id: int, outcome: str, user_id: int | None) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    case.outcome = _choice({"outcome": outcome}, "outcome", OUTCOMES)
    case.status, case.closed_at = "closed", now()
    accounts.record_audit(session, event="oneshop.closed", user_id=user_id, target=f"oneshop_case:{case_id}",
                          detail=outcome)
    return case


def _anonymise(session: Session, case: Case) -> None:
    case.company_name = case.contact_name = ANONYMISED
    case.email = case.email_key = f"{ANONYMISED}-{case.id}@invalid"
    case.siret, case.description, case.user_id, case.verify_digest = None, "", None, None
    case.anonymised_at = now()
    for need in session.scalars(select(Need).where(Need.case_id == case.id)):
        need.detail = ""
    ids = list(session.scalars(select(RoutedRequest.id).where(RoutedRequest.case_id == case.id)))
    session.execute(delete(Note).where(Note.request_id.in_(ids)))
    session.execute(delete(Document).where(Document.case_id == case.id))


def anonymise_closed(session: Session, *, retention_days: int = RETENTION_DAYS, at: datetime | None = None) -> int:
    """Closed cases older than the retention period lose the company's and contact's identity,
    texts, notes and documents; the figures (type, region, jobs, needs, dates) stay."""
    limit = (at or now()) - timedelta(days=retention_days)
    done = 0
    for case in session.scalars(select(Case).where(Case.status == "closed", Case.anonymised_at.is_(None))):
        if case.closed_at is not None and _aware(case.closed_at) <= limit:
            _anonymise(session, case)
            done += 1
    return done


def export_personal(session: Session, *, user_id: int) -> list[dict]:
    out = []
    for c in session.scalars(select(Case).where(Case.user_id == user_id)):
        out.append({"case": c.id, "company": c.company_name, "contact": c.contact_name, "email": c.email,
                    "country": c.country, "siret": c.siret, "project_type": c.project_type,
                    "description": c.description, "status": c.status, "created_at": str(c.created_at),
                    "needs": list(session.scalars(select(Need.need).where(Need.case_id == c.id)))})
    for n in session.scalars(select(Note).where(Note.author_id == user_id)):
        out.append({"note": n.id, "request": n.request_id, "body": n.body, "created_at": str(n.created_at)})
    return out


def erase_personal(session: Session, *, user_id: int) -> None:
    """The user's cases are anonymised (the figures stay); their notes keep their text for the
    partner but lose their author."""
    for c in session.scalars(select(Case).where(Case.user_id == user_id)):
        _anonymise(session, c)
    for n in session.scalars(select(Note).where(Note.author_id == user_id)):
        n.author_id = None
    for r in session.scalars(select(RoutedRequest).where(RoutedRequest.owner_user_id == user_id)):
        r.owner_user_id = None


def overview(session: Session, *, limit: int = 200) -> list[dict[str, Any]]:
    """The coordinators' view: routed requests with their case, need, partner, status, owner,
    reminders and escalation; no notes, no messages, no documents."""
    reqs = list(session.scalars(select(RoutedRequest).order_by(RoutedRequest.id.desc()).limit(limit)))
    needs = {n.id: n.need for n in session.scalars(select(Need).where(Need.id.in_([r.need_id for r in reqs])))}
    names = partner_names(session, actor_ids={r.partner_actor_id for r in reqs})
    return [{"id": r.id, "case_id": r.case_id, "need": needs.get(r.need_id, "?"),
             "partner": names.get(r.partner_actor_id, "?"), "status": r.status, "owner": r.owner_user_id is not None,
             "reminders": r.reminders, "escalated": r.escalated_at is not None} for r in reqs]


def partner_names(session: Session, *, actor_ids: Iterable[int]) -> dict[int, str]:
    return {a.id: a.name for a in atlas.find_actors(session, ids=actor_ids)}
