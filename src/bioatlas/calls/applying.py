"""Applications: a draft for an actor, answers and co-applicants saved, files checked and
stored, submission before the deadline (server time) with the eligibility rules, withdrawal,
the publication opt-in, and a resubmission with its rebuttal (judged by other reviewers)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bioatlas.atlas import service as atlas
from bioatlas.calls.forms import FieldError, check_answers, check_file, eligibility_errors
from bioatlas.calls.models import Application, Attachment, Call
from bioatlas.calls.reads import (
    SUBJECT,
    CallError,
    audit,
    aware,
    utcnow,
    form_fields,
    is_open,
    item_of,
    deadline_moment,
    panel_of,
    rules_of,
)
from bioatlas.calls.setup import widened
from bioatlas.core.db import unit_of_work
from bioatlas.review import service as review

def _co_actors(session: Session, raw: str | Sequence[int] | None) -> list[int]:
    if raw is None:
        return []
    values = raw if not isinstance(raw, str) else [v for v in raw.replace(";", ",").split(",") if v.strip()]
    out = []
    for v in values:
        try:
            actor_id = int(str(v).strip())
        except ValueError:
            raise CallError("co_applicants", "{value!r} is not an actor number", params={"value": v}) from None
        if not atlas.actor_exists(session, actor_id=actor_id):
            raise CallError("co_applicants", "no actor number {number}", params={"number": actor_id})
        out.append(actor_id)
    return sorted(set(out))


def start_application(session: Session, *, call: Call, user_id: int, actor_id: int | None,
                      applicant_name: str = "", synthetic: bool = False, now: datetime | None = None) -> Application:
    """A draft application by the user for the actor (an atlas actor; with no actor, the name of
    one proposed through the contributions flow)."""
    if not is_open(call, now=now):
        raise CallError("deadline", "the call is not open for applications", 409)
    if actor_id is not None and not atlas.actor_exists(session, actor_id=actor_id):
        raise CallError("actor", "no actor number {number}", params={"number": actor_id})
    if actor_id is None and not applicant_name.strip():
        raise CallError("actor", "choose an actor of the atlas (or name the one you proposed)")
    if len(applicant_name) > 300:
        raise CallError("applicant_name", "at most 300 characters")
    panel = panel_of(session, call=call)
    if user_id in review.pool(session, panel_id=panel.id):
        raise CallError("reviewer", "a reviewer of this call cannot apply to it", 409)
    with unit_of_work(session):
        actor = atlas.get_actor(session, actor_id=actor_id) if actor_id is not None else None
        app = Application(call_id=call.id, owner_id=user_id, actor_id=actor_id,
                          applicant_name=actor.name if actor is not None else applicant_name.strip(),
                          status="draft", synthetic=synthetic)
        session.add(app)
        session.flush()
        audit(session, "application.created", user_id=user_id, target=f"application:{app.id}")
    return app


def save_draft(session: Session, *, application: Application, raw: Mapping[str, str],
               co_applicants: str | Sequence[int] | None = None, now: datetime | None = None,
               rebuttal: str | None = None) -> Application:
    """Save answers and co-applicants (limits checked, required answers not yet); a
    resubmission's rebuttal is saved with them."""
    call = session.get(Call, application.call_id)
    assert call is not None
    if application.status != "draft":
        raise CallError("status", "only a draft can be edited", 409)
    if not is_open(call, now=now):
        raise CallError("deadline", "the call closed on {deadline}", 409, params={"deadline": deadline_moment(call)})
    try:
        answers = check_answers(form_fields(call), raw, submitting=False)
    except FieldError as exc:
        raise CallError.of(exc) from None
    co = _co_actors(session, co_applicants) if co_applicants is not None else json.loads(application.co_actor_ids)
    if rebuttal is not None and len(rebuttal) > 10000:
        raise CallError("rebuttal", "at most 10,000 characters")
    if rebuttal and application.previous_id is None:
        raise CallError("rebuttal", "only a resubmission answers an earlier review")
    with unit_of_work(session):
        if rebuttal is not None and application.previous_id is not None:
            application.rebuttal = rebuttal or None
        application.answers = json.dumps(answers, ensure_ascii=False)
        application.co_actor_ids = json.dumps(co)
    return application


def submit(session: Session, *, application: Application, user_id: int, now: datetime | None = None,
           rebuttal: str | None = None) -> Application:
    """Submit before the deadline (server time): every required answer, the eligibility rules;
    the application becomes a review item (a resubmission's reviewers exclude the earlier ones)."""
    now = now or utcnow()
    call = session.get(Call, application.call_id)
    assert call is not None
    if application.status != "draft":
        raise CallError("status", "only a draft can be submitted", 409)
    if now > aware(call.closes_at):  # type: ignore[operator]
        raise CallError("deadline", "the deadline passed on {deadline}", 409,
                        params={"deadline": deadline_moment(call)})
    if not is_open(call, now=now):
        raise CallError("deadline", "the call is not open for applications", 409)
    answers = json.loads(application.answers or "{}")
    attached = {a.field for a in application.attachments}
    try:
        check_answers(form_fields(call), {k: str(v) for k, v in answers.items()}, submitting=True, attached=attached)
    except FieldError as exc:
        raise CallError.of(exc) from None
    scope = atlas.actor_scope(session, actor_id=application.actor_id)
    actor = atlas.get_actor(session, actor_id=application.actor_id) if application.actor_id else None
    errors = eligibility_errors(widened(rules_of(call)), actor_kind=actor.kind if actor else None,
                                actor_regions=scope.regions, answers=answers,
                                year=now.astimezone(ZoneInfo(call.timezone)).year)
    if errors:
        raise CallError.of(errors[0])
    if rebuttal is not None and len(rebuttal) > 10000:
        raise CallError("rebuttal", "at most 10,000 characters")
    previous_item = None
    if application.previous_id is not None:
        previous = session.get(Application, application.previous_id)
        previous_item = item_of(session, application=previous) if previous is not None else None
        if not (rebuttal or application.rebuttal or "").strip():
            raise CallError("rebuttal", "a resubmission answers the earlier review")
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
        audit(session, "application.submitted", user_id=user_id, target=f"application:{application.id}")
    return application


def withdraw(session: Session, *, application: Application, user_id: int) -> None:
    if application.status == "withdrawn":
        raise CallError("status", "already withdrawn", 409)
    if application.result is not None:
        raise CallError("status", "the results are out", 409)
    with unit_of_work(session):
        item = item_of(session, application=application)
        if item is not None:
            review.withdraw_item(session, item_id=item.id)
        application.status = "withdrawn"
        audit(session, "application.withdrawn", user_id=user_id, target=f"application:{application.id}")


def resubmission(session: Session, *, previous: Application, call: Call, user_id: int,
                 now: datetime | None = None) -> Application:
    """A new draft in `call` carrying the earlier answers; it is judged by other reviewers and
    needs a rebuttal (EIC-style)."""
    if previous.status != "submitted" or previous.result != "not_selected":
        raise CallError("previous", "only a submitted application that was not selected can be resubmitted", 409)
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
        raise CallError("status", "files are added to a draft only", 409)
    spec = next((f for f in form_fields(call) if f.name == field), None)
    if spec is None:
        raise CallError("field", "the form has no field {name!r}", params={"name": field})
    name = Path(filename or "").name[:255]
    try:
        check_file(spec, filename=name, content_type=content_type, head=data[:16], size=len(data),
                   limit=max_upload_bytes)
    except FieldError as exc:
        raise CallError.of(exc) from None
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
        audit(session, "application.opt_in", user_id=user_id, target=f"application:{application.id}", opt_in=opt_in)


def earlier_review(session: Session, *, application: Application) -> dict | None:
    """For a resubmission: the earlier application and what its reviewers wrote for the
    applicant (what the rebuttal answers); None otherwise."""
    if application.previous_id is None:
        return None
    previous = session.get(Application, application.previous_id)
    if previous is None:
        return None
    item = item_of(session, application=previous)
    return {"application": previous, "call": session.get(Call, previous.call_id),
            "comments": review.comments_for_applicant(session, item_id=item.id) if item is not None else []}
