"""Calls and applications (keyword-only services; each write is one unit of work, audited).

A call owns a review panel (`review.service`, context kind "call"); a submitted application is a
review item whose actors are the applicant's and co-applicants' atlas actors. Results publish
the laureates (and the others who opted in), notify every applicant and record each laureate in
the atlas under the call as source (`call:<id>`, a research fact of kind `call_laureate`).
The portfolio of structuring projects is in `calls/portfolio.py` and re-exported here."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.atlas import service as atlas
from bioatlas.calls.forms import (
    Field,
    FieldError,
    check_answers,
    check_file,
    eligibility_errors,
    parse_eligibility,
    parse_form,
)
from bioatlas.calls.models import (  # noqa: F401  (MILESTONE_STATUSES re-exported for the pages)
    APPLICATION_STATUSES,
    MILESTONE_STATUSES,
    CALL_KINDS,
    Application,
    Attachment,
    Call,
    CallManager,
)
from bioatlas.calls.portfolio import (  # noqa: F401  (the portfolio's face, re-exported)
    PortfolioError,
    agreements,
    create_project,
    figures_portfolio,
    get_project,
    list_projects,
    portfolio_by_region_and_modality,
    project_dict,
    projects_for_roadmap,
    set_milestone,
    add_milestone,
)
from bioatlas.core.db import unit_of_work
from bioatlas.notifications import service as notifications
from bioatlas.review import service as review

CONTEXT = "call"
SUBJECT = "application"


class CallError(ValueError):
    """A refused operation; `field` names what is wrong (the handler answers 409 or 422)."""

    def __init__(self, message: str, field: str | None = None, status: int = 422):
        super().__init__(message)
        self.field = field
        self.status = status


@dataclass(frozen=True)
class CallScope:
    """What the policy needs about a call: its region (its editors manage it), named managers,
    whether it is published."""

    call_id: int | None
    region: str | None = None
    managers: frozenset[int] = frozenset()
    published: bool = False


@dataclass(frozen=True)
class ApplicationScope:
    owner_id: int | None
    call: CallScope


@dataclass(frozen=True)
class ReviewSeat:
    """Who is assigned to review an application (the review screen's policy object)."""

    application_id: int
    reviewers: frozenset[int] = frozenset()


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _audit(session: Session, event: str, *, user_id: int | None, target: str, **detail) -> None:
    accounts.record_audit(session, event=event, user_id=user_id, target=target, detail=detail or None)


# --- reads ---------------------------------------------------------------------------------------


def get_call(session: Session, *, call_id: int) -> Call | None:
    return session.get(Call, call_id)


def get_application(session: Session, *, application_id: int) -> Application | None:
    return session.get(Application, application_id)


def get_attachment(session: Session, *, application_id: int, attachment_id: int) -> Attachment | None:
    a = session.get(Attachment, attachment_id)
    return a if a is not None and a.application_id == application_id else None


def managers_of(session: Session, *, call_id: int) -> frozenset[int]:
    return frozenset(session.scalars(select(CallManager.user_id).where(CallManager.call_id == call_id)))


def call_scope(session: Session, *, call: Call) -> CallScope:
    return CallScope(call.id, call.region, managers_of(session, call_id=call.id), call.status != "draft")


def application_scope(session: Session, *, application: Application) -> ApplicationScope:
    call = session.get(Call, application.call_id)
    assert call is not None
    return ApplicationScope(application.owner_id, call_scope(session, call=call))


def panel_of(session: Session, *, call: Call) -> review.ReviewPanel:
    panel = review.panel_for(session, context_kind=CONTEXT, context_id=call.id)
    assert panel is not None, "every call has its panel"
    return panel


def item_of(session: Session, *, application: Application) -> review.ReviewItem | None:
    call = session.get(Call, application.call_id)
    assert call is not None
    return review.item_for(session, panel_id=panel_of(session, call=call).id, subject_kind=SUBJECT,
                           subject_id=application.id)


def review_seat(session: Session, *, application: Application) -> ReviewSeat:
    item = item_of(session, application=application)
    reviewers = frozenset(r["reviewer_id"] for r in review.scores_of(session, item_id=item.id)) if item else frozenset()
    return ReviewSeat(application.id, reviewers)


def form_fields(call: Call) -> list[Field]:
    return parse_form(json.loads(call.form or "{}"))


def rules_of(call: Call) -> dict:
    return json.loads(call.eligibility or "{}")


def is_open(call: Call, *, now: datetime | None = None) -> bool:
    now = now or _now()
    return call.status == "published" and _aware(call.opens_at) <= now <= _aware(call.closes_at)  # type: ignore[operator]


def local_deadline(call: Call) -> str:
    """The deadline in the call's time zone, with the zone named (shown on every page)."""
    local = _aware(call.closes_at).astimezone(ZoneInfo(call.timezone))  # type: ignore[union-attr]
    return f"{local:%Y-%m-%d %H:%M} ({call.timezone}, UTC{local:%z})"


def list_calls(session: Session, *, include_drafts: bool = False) -> list[Call]:
    stmt = select(Call).order_by(Call.closes_at.desc(), Call.id)
    if not include_drafts:
        stmt = stmt.where(Call.status != "draft")
    return list(session.scalars(stmt))


def applications_of_call(session: Session, *, call_id: int, submitted_only: bool = True) -> list[Application]:
    stmt = select(Application).where(Application.call_id == call_id)
    if submitted_only:
        stmt = stmt.where(Application.status == "submitted")
    return list(session.scalars(stmt.order_by(Application.id)))


def applications_of_user(session: Session, *, user_id: int) -> list[Application]:
    return list(session.scalars(select(Application).where(Application.owner_id == user_id).order_by(Application.id)))


# --- calls ---------------------------------------------------------------------------------------


def _widened(rules: dict) -> dict:
    """The rules with each kind and modality widened to the codes below it in the taxonomies
    (`company` admits a `startup`, `viral_vector` an `aav`)."""
    tax = atlas.taxonomies()
    out = dict(rules)
    for key, name in (("actor_kinds", "kinds"), ("modalities", "modalities")):
        if rules.get(key):
            out[key] = sorted(set().union(*(tax[name].descendants(c) for c in rules[key])))
    return out


def _check_rules(rules: dict) -> None:
    tax = atlas.taxonomies()
    for key, name in (("actor_kinds", "kinds"), ("modalities", "modalities")):
        unknown = [c for c in rules.get(key) or [] if c not in tax[name].terms]
        if unknown:
            raise CallError(f"eligibility.{key}: unknown code {unknown[0]!r} (see the {name} taxonomy)",
                            f"eligibility.{key}")


def _check_call(kind: str, title_fr: str, opens_at: datetime, closes_at: datetime, tz: str) -> None:
    if kind not in CALL_KINDS:
        raise CallError(f"kind: expected one of {', '.join(CALL_KINDS)}", "kind")
    if not title_fr.strip():
        raise CallError("title_fr: required", "title_fr")
    if _aware(closes_at) <= _aware(opens_at):  # type: ignore[operator]
        raise CallError("closes_at: the deadline must come after the opening", "closes_at")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise CallError(f"timezone: unknown time zone {tz!r}", "timezone") from None


def create_call(session: Session, *, by_user_id: int | None, kind: str, title_fr: str, title_en: str,
                text_fr: str = "", text_en: str = "", region: str | None, opens_at: datetime, closes_at: datetime,
                timezone_name: str = "Europe/Paris", eligibility: Mapping[str, Any], form: Mapping[str, Any],
                criteria: Sequence[Mapping], blind: bool = True, show_others: bool = False,
                reviewers_per_item: int = 3, overall_threshold: float | None = None,
                managers: Sequence[int] = (), source_note: str | None = None) -> Call:
    """A draft call with its form, eligibility rules and review panel."""
    _check_call(kind, title_fr, opens_at, closes_at, timezone_name)
    try:
        parse_form(form)
        rules = parse_eligibility(eligibility)
    except FieldError as exc:
        raise CallError(str(exc), exc.field) from None
    _check_rules(rules)
    with unit_of_work(session):
        call = Call(kind=kind, title_fr=title_fr.strip(), title_en=(title_en or title_fr).strip(), text_fr=text_fr,
                    text_en=text_en, region=region or None, opens_at=_aware(opens_at), closes_at=_aware(closes_at),
                    timezone=timezone_name, eligibility=json.dumps(rules, ensure_ascii=False),
                    form=json.dumps(dict(form), ensure_ascii=False), status="draft", source_note=source_note,
                    created_by=by_user_id)
        session.add(call)
        session.flush()
        for uid in sorted(set(managers)):
            session.add(CallManager(call_id=call.id, user_id=uid))
        try:
            review.create_panel(session, context_kind=CONTEXT, context_id=call.id, criteria=criteria, blind=blind,
                                show_others=show_others, reviewers_per_item=reviewers_per_item,
                                overall_threshold=overall_threshold)
        except review.ReviewError as exc:
            raise CallError(str(exc), exc.field) from None
        _audit(session, "call.created", user_id=by_user_id, target=f"call:{call.id}")
    return call


def publish_call(session: Session, *, call: Call, by_user_id: int | None) -> None:
    with unit_of_work(session):
        if call.status != "draft":
            raise CallError("status: the call is already published", "status", 409)
        call.status = "published"
        _audit(session, "call.published", user_id=by_user_id, target=f"call:{call.id}")


def add_reviewers(session: Session, *, call: Call, emails: Sequence[str], by_user_id: int | None) -> list[int]:
    """Add reviewers to the call's pool by e-mail (FieldError-like CallError naming `reviewers`)."""
    with unit_of_work(session):
        ids = []
        for email in emails:
            user = accounts.get_user_by_email(session, email=email.strip())
            if user is None:
                raise CallError(f"reviewers: no account with the address {email.strip()!r}", "reviewers")
            ids.append(user.id)
        try:
            added = review.add_reviewers(session, panel_id=panel_of(session, call=call).id, user_ids=ids)
        except review.ReviewError as exc:
            raise CallError(str(exc), "reviewers") from None
        _audit(session, "call.reviewers_added", user_id=by_user_id, target=f"call:{call.id}", reviewers=added)
    return added


def set_phase(session: Session, *, call: Call, phase: str, by_user_id: int | None) -> None:
    """Open or close the review (closed: scores can no longer change)."""
    try:
        with unit_of_work(session):
            review.set_phase(session, panel_id=panel_of(session, call=call).id, phase=phase)
            _audit(session, "call.review_phase", user_id=by_user_id, target=f"call:{call.id}", phase=phase)
    except review.ReviewError as exc:
        raise CallError(str(exc), exc.field) from None


def assign_reviewers(session: Session, *, call: Call, by_user_id: int | None) -> review.AssignReport:
    with unit_of_work(session):
        report = review.assign(session, panel_id=panel_of(session, call=call).id, agreements=agreements(session))
        _audit(session, "call.reviewers_assigned", user_id=by_user_id, target=f"call:{call.id}",
               assigned=len(report.assigned), excluded=len(report.excluded))
    return report


# --- applications --------------------------------------------------------------------------------


def _co_actors(session: Session, raw: str | Sequence[int] | None) -> list[int]:
    if raw is None:
        return []
    values = raw if not isinstance(raw, str) else [v for v in raw.replace(";", ",").split(",") if v.strip()]
    out = []
    for v in values:
        try:
            actor_id = int(str(v).strip())
        except ValueError:
            raise CallError(f"co_applicants: {v!r} is not an actor number", "co_applicants") from None
        if not atlas.actor_exists(session, actor_id=actor_id):
            raise CallError(f"co_applicants: no actor number {actor_id}", "co_applicants")
        out.append(actor_id)
    return sorted(set(out))


def start_application(session: Session, *, call: Call, user_id: int, actor_id: int | None,
                      applicant_name: str = "", synthetic: bool = False, now: datetime | None = None) -> Application:
    """A draft application by the user for the actor (an atlas actor; with no actor, the name of
    one proposed through the contributions flow)."""
    if not is_open(call, now=now):
        raise CallError("deadline: the call is not open for applications", "deadline", 409)
    if actor_id is not None and not atlas.actor_exists(session, actor_id=actor_id):
        raise CallError(f"actor: no actor number {actor_id}", "actor")
    if actor_id is None and not applicant_name.strip():
        raise CallError("actor: choose an actor of the atlas (or name the one you proposed)", "actor")
    if len(applicant_name) > 300:
        raise CallError("applicant_name: at most 300 characters", "applicant_name")
    panel = panel_of(session, call=call)
    if user_id in review.pool(session, panel_id=panel.id):
        raise CallError("reviewer: a reviewer of this call cannot apply to it", "reviewer", 409)
    with unit_of_work(session):
        actor = atlas.get_actor(session, actor_id=actor_id) if actor_id is not None else None
        app = Application(call_id=call.id, owner_id=user_id, actor_id=actor_id,
                          applicant_name=actor.name if actor is not None else applicant_name.strip(),
                          status="draft", synthetic=synthetic)
        session.add(app)
        session.flush()
        _audit(session, "application.created", user_id=user_id, target=f"application:{app.id}")
    return app


def save_draft(session: Session, *, application: Application, raw: Mapping[str, str],
               co_applicants: str | Sequence[int] | None = None, now: datetime | None = None) -> Application:
    call = session.get(Call, application.call_id)
    assert call is not None
    if application.status != "draft":
        raise CallError("status: only a draft can be edited", "status", 409)
    if not is_open(call, now=now):
        raise CallError(f"deadline: the call closed on {local_deadline(call)}", "deadline", 409)
    try:
        answers = check_answers(form_fields(call), raw, submitting=False)
    except FieldError as exc:
        raise CallError(str(exc), exc.field) from None
    co = _co_actors(session, co_applicants) if co_applicants is not None else json.loads(application.co_actor_ids)
    with unit_of_work(session):
        application.answers = json.dumps(answers, ensure_ascii=False)
        application.co_actor_ids = json.dumps(co)
    return application


def submit(session: Session, *, application: Application, user_id: int, now: datetime | None = None,
           rebuttal: str | None = None) -> Application:
    """Submit before the deadline (server time): every required answer, the eligibility rules;
    the application becomes a review item (a resubmission's reviewers exclude the earlier ones)."""
    now = now or _now()
    call = session.get(Call, application.call_id)
    assert call is not None
    if application.status != "draft":
        raise CallError("status: only a draft can be submitted", "status", 409)
    if now > _aware(call.closes_at):  # type: ignore[operator]
        raise CallError(f"deadline: the deadline passed on {local_deadline(call)}", "deadline", 409)
    if not is_open(call, now=now):
        raise CallError("deadline: the call is not open for applications", "deadline", 409)
    answers = json.loads(application.answers or "{}")
    attached = {a.field for a in application.attachments}
    try:
        check_answers(form_fields(call), {k: str(v) for k, v in answers.items()}, submitting=True, attached=attached)
    except FieldError as exc:
        raise CallError(str(exc), exc.field) from None
    scope = atlas.actor_scope(session, actor_id=application.actor_id)
    actor = atlas.get_actor(session, actor_id=application.actor_id) if application.actor_id else None
    errors = eligibility_errors(_widened(rules_of(call)), actor_kind=actor.kind if actor else None,
                                actor_regions=scope.regions, answers=answers,
                                year=now.astimezone(ZoneInfo(call.timezone)).year)
    if errors:
        raise CallError(str(errors[0]), errors[0].field)
    if rebuttal is not None and len(rebuttal) > 10000:
        raise CallError("rebuttal: at most 10,000 characters", "rebuttal")
    previous_item = None
    if application.previous_id is not None:
        previous = session.get(Application, application.previous_id)
        previous_item = item_of(session, application=previous) if previous is not None else None
        if not (rebuttal or application.rebuttal or "").strip():
            raise CallError("rebuttal: a resubmission answers the earlier review", "rebuttal")
    with unit_of_work(session):
        if rebuttal is not None:
            application.rebuttal = rebuttal
        application.status, application.submitted_at = "submitted", now
        review.register_item(session, panel_id=panel_of(session, call=call).id, subject_kind=SUBJECT,
                             subject_id=application.id, owner_user_id=application.owner_id,
                             actor_ids=[application.actor_id] if application.actor_id else [],
                             co_actor_ids=json.loads(application.co_actor_ids),
                             previous_item_id=previous_item.id if previous_item else None,
                             rebuttal=application.rebuttal)
        _audit(session, "application.submitted", user_id=user_id, target=f"application:{application.id}")
    return application


def withdraw(session: Session, *, application: Application, user_id: int) -> None:
    if application.status == "withdrawn":
        raise CallError("status: already withdrawn", "status", 409)
    if application.result is not None:
        raise CallError("status: the results are out", "status", 409)
    with unit_of_work(session):
        item = item_of(session, application=application)
        if item is not None:
            review.withdraw_item(session, item_id=item.id)
        application.status = "withdrawn"
        _audit(session, "application.withdrawn", user_id=user_id, target=f"application:{application.id}")


def resubmission(session: Session, *, previous: Application, call: Call, user_id: int,
                 now: datetime | None = None) -> Application:
    """A new draft in `call` carrying the earlier answers; it is judged by other reviewers and
    needs a rebuttal (EIC-style)."""
    if previous.status != "submitted" or previous.result != "not_selected":
        raise CallError("previous: only a submitted application that was not selected can be resubmitted",
                        "previous", 409)
    app = start_application(session, call=call, user_id=user_id, actor_id=previous.actor_id,
                            applicant_name=previous.applicant_name, now=now)
    with unit_of_work(session):
        app.previous_id = previous.id
        app.answers = previous.answers
        app.co_actor_ids = previous.co_actor_ids
    return app


def add_attachment(session: Session, *, application: Application, field: str, filename: str, content_type: str,
                   data: bytes, max_upload_bytes: int) -> Attachment:
    """Store a file after checking its type (declared, extension, first bytes) and size; a new
    file for the same field replaces the old one, in one transaction."""
    call = session.get(Call, application.call_id)
    assert call is not None
    if application.status != "draft":
        raise CallError("status: files are added to a draft only", "status", 409)
    spec = next((f for f in form_fields(call) if f.name == field), None)
    if spec is None:
        raise CallError(f"field: the form has no field {field!r}", "field")
    name = Path(filename or "").name[:255]
    try:
        check_file(spec, filename=name, content_type=content_type, head=data[:16], size=len(data),
                   limit=max_upload_bytes)
    except FieldError as exc:
        raise CallError(str(exc), exc.field) from None
    with unit_of_work(session):
        for old in [a for a in application.attachments if a.field == field]:
            application.attachments.remove(old)
        row = Attachment(application_id=application.id, field=field, filename=name, content_type=content_type,
                         size=len(data), sha256=hashlib.sha256(data).hexdigest(), content=data)
        application.attachments.append(row)
        session.flush()
    return row


def set_opt_in(session: Session, *, application: Application, opt_in: bool, user_id: int) -> None:
    with unit_of_work(session):
        application.publish_opt_in = opt_in
        _audit(session, "application.opt_in", user_id=user_id, target=f"application:{application.id}", opt_in=opt_in)


# --- review ----------------------------------------------------------------------------------------


def open_review(session: Session, *, application: Application, reviewer_id: int) -> review.ReviewAssignment:
    """The reviewer's seat on the application; a conflict found now is stored (and committed)
    before `review.ConflictOfInterest` is raised, with the reasons."""
    item = item_of(session, application=application)
    if item is None:
        raise review.NotAssigned("this application is not under review", "application")
    try:
        return review.open_item(session, item_id=item.id, reviewer_id=reviewer_id, agreements=agreements(session))
    except review.ConflictOfInterest:
        session.commit()
        raise


def score(session: Session, *, application: Application, reviewer_id: int, scores: Mapping[str, object],
          comment_applicant: str | None, comment_jury: str | None) -> None:
    with unit_of_work(session):
        assignment = review.open_item(session, item_id=item_of(session, application=application).id,  # type: ignore[union-attr]
                                      reviewer_id=reviewer_id, agreements=agreements(session))
        review.record_scores(session, assignment_id=assignment.id, reviewer_id=reviewer_id, scores=scores,
                             comment_applicant=comment_applicant, comment_jury=comment_jury)
        _audit(session, "application.reviewed", user_id=reviewer_id, target=f"application:{application.id}")


def declare_conflict(session: Session, *, call: Call, reviewer_id: int, actor_id: int, note: str | None) -> None:
    if not atlas.actor_exists(session, actor_id=actor_id):
        raise CallError(f"actor: no actor number {actor_id}", "actor")
    with unit_of_work(session):
        review.declare_conflict(session, reviewer_id=reviewer_id, actor_id=actor_id,
                                panel_id=panel_of(session, call=call).id, note=note)
        _audit(session, "review.conflict_declared", user_id=reviewer_id, target=f"call:{call.id}", actor_id=actor_id)


def decide(session: Session, *, application: Application, decision: str, rationale: str, by_user_id: int | None) -> None:
    item = item_of(session, application=application)
    if item is None or application.status != "submitted":
        raise CallError("status: only a submitted application is decided", "status", 409)
    try:
        with unit_of_work(session):
            review.decide(session, item_id=item.id, decision=decision, rationale=rationale, by_user_id=by_user_id)
            _audit(session, "application.decided", user_id=by_user_id, target=f"application:{application.id}",
                   decision=decision)
    except review.ReviewError as exc:
        raise CallError(str(exc), exc.field) from None


def jury_view(session: Session, *, call: Call) -> dict:
    """What managers see: per application the medians, total, thresholds, reviews, exclusions
    with their reasons, the pool's load."""
    panel = panel_of(session, call=call)
    apps = {a.id: a for a in applications_of_call(session, call_id=call.id)}
    items = {r.subject_id: r for r in review.results(session, panel_id=panel.id)}
    exclusions = review.exclusions(session, panel_id=panel.id)
    reviewer_ids = set(review.pool(session, panel_id=panel.id)) | {e.reviewer_id for e in exclusions}
    names = accounts.display_names(session, user_ids=reviewer_ids)
    by_item: dict[int, list] = {}
    for e in exclusions:
        by_item.setdefault(e.item_id, []).append(e)
    rows: list[dict[str, Any]] = []
    for app_id, app in apps.items():
        r = items.get(app_id)
        rows.append({"application": app, "result": r, "total": r.total if r else None,
                     "reviews": review.scores_of(session, item_id=r.item_id) if r else [],
                     "exclusions": by_item.get(r.item_id, []) if r else []})
    rows.sort(key=lambda row: (row["total"] is None, -(row["total"] or 0), row["application"].id))
    return {"panel": panel, "rows": rows, "names": names, "load": review.load(session, panel_id=panel.id),
            "exclusions": exclusions}


def scores_csv(session: Session, *, call: Call) -> str:
    panel = panel_of(session, call=call)
    apps = applications_of_call(session, call_id=call.id)
    names = accounts.display_names(session, user_ids=review.pool(session, panel_id=panel.id))
    return review.scores_csv(session, panel_id=panel.id, labels={a.id: a.applicant_name for a in apps},
                             reviewer_names=names)


# --- results -----------------------------------------------------------------------------------------


def laureate_source(session: Session, *, call: Call) -> atlas.Source:
    return atlas.get_or_create_source(session, record=atlas.SourceRecord(
        key=f"call:{call.id}", title=f"{call.title_fr} — lauréats", kind="call", url=f"/calls/{call.id}/results"))


def publish_results(session: Session, *, call: Call, by_user_id: int | None) -> dict:
    """Selected applications become laureates (recorded in the atlas with the call as source),
    the others not selected; every applicant is notified; the results page opens."""
    if call.status != "published":
        raise CallError("status: results are published once, on a published call", "status", 409)
    apps = applications_of_call(session, call_id=call.id)
    items = {a.id: item_of(session, application=a) for a in apps}
    undecided = [a.id for a in apps if items[a.id] is None or items[a.id].decision is None]  # type: ignore[union-attr]
    if undecided:
        raise CallError(f"decision: {len(undecided)} application(s) have no decision yet (first: #{undecided[0]})",
                        "decision", 409)
    with unit_of_work(session):
        source = laureate_source(session, call=call)
        year = _aware(call.closes_at).year  # type: ignore[union-attr]
        laureates = 0
        for a in apps:
            selected = items[a.id].decision == "selected"  # type: ignore[union-attr]
            a.result = "laureate" if selected else "not_selected"
            if selected:
                laureates += 1
                if a.actor_id is not None:
                    atlas.replace_research_facts(session, actor_id=a.actor_id, source=source, facts=[
                        ("call_laureate", f"call:{call.id}", f"{call.title_fr} ({year})")])
            if a.owner_id is not None:
                notifications.notify(session, user_id=a.owner_id, kind="call.result",
                                     context={"call": call.title_fr, "call_en": call.title_en,
                                              "laureate": selected, "id": a.id},
                                     link=f"/applications/{a.id}")
        call.status, call.results_published_at = "results", _now()
        _audit(session, "call.results_published", user_id=by_user_id, target=f"call:{call.id}",
               laureates=laureates, applications=len(apps))
    return {"laureates": laureates, "applications": len(apps)}


def public_results(session: Session, *, call: Call) -> dict:
    apps = applications_of_call(session, call_id=call.id)
    return {"laureates": [a for a in apps if a.result == "laureate"],
            "others": [a for a in apps if a.result == "not_selected" and a.publish_opt_in]}


def laureate_calls_of_actor(session: Session, *, actor_id: int) -> list[dict]:
    """The calls an actor won (for the actor page)."""
    rows = session.execute(select(Call.id, Call.title_fr, Call.title_en).join(
        Application, Application.call_id == Call.id).where(Application.actor_id == actor_id,
                                                           Application.result == "laureate",
                                                           Call.status == "results")).tuples()
    return [{"id": i, "title_fr": fr, "title_en": en} for i, fr, en in rows]


# --- figures (observatory) ---------------------------------------------------------------------------


def figures(session: Session) -> dict:
    """Applications per call and region (the applicant actor's regions), success rate per call;
    the portfolio's projects and budget by region and modality, milestones on time."""
    per_call = []
    for call in list_calls(session):
        apps = applications_of_call(session, call_id=call.id)
        regions: dict[str, int] = {}
        for a in apps:
            for r in sorted(atlas.actor_scope(session, actor_id=a.actor_id).regions) or ["?"]:
                regions[r] = regions.get(r, 0) + 1
        laureates = sum(1 for a in apps if a.result == "laureate")
        decided = call.status == "results"
        per_call.append({"call": call, "applications": len(apps), "regions": regions, "laureates": laureates,
                         "success_rate": round(100 * laureates / len(apps), 1) if apps and decided else None})
    drafts = session.scalar(select(func.count()).select_from(Application).where(Application.status == "draft")) or 0
    return {"calls": per_call, "drafts": drafts, **figures_portfolio(session)}


# --- personal data -----------------------------------------------------------------------------------


def export_user(session: Session, *, user_id: int) -> list[dict]:
    return [{"id": a.id, "call_id": a.call_id, "status": a.status, "actor_id": a.actor_id,
             "applicant_name": a.applicant_name, "answers": json.loads(a.answers or "{}"),
             "attachments": [{"field": f.field, "filename": f.filename, "size": f.size} for f in a.attachments],
             "result": a.result, "submitted_at": a.submitted_at.isoformat() if a.submitted_at else None}
            for a in applications_of_user(session, user_id=user_id)]


def erase_user(session: Session, *, user_id: int) -> None:
    """Drafts go; submitted or withdrawn applications stay with no owner (the review and the
    results they took part in stay consistent)."""
    for a in applications_of_user(session, user_id=user_id):
        if a.status == "draft":
            session.delete(a)
        else:
            a.owner_id = None


STATUSES = APPLICATION_STATUSES
