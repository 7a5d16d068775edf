"""Setting a call up: creation (form, eligibility rules, review panel), publication, the
reviewers' pool, the review phase and the assignment of reviewers."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.atlas import service as atlas
from bioatlas.calls.forms import FieldError, parse_eligibility, parse_form
from bioatlas.calls.models import CALL_KINDS, Call, CallManager
from bioatlas.calls.portfolio import agreements
from bioatlas.calls.reads import CONTEXT, CallError, audit, aware, panel_of, utcnow
from bioatlas.core.db import unit_of_work
from bioatlas.core.fields import Word
from bioatlas.review import service as review

def widened(rules: dict) -> dict:
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
            raise CallError(f"eligibility.{key}", "unknown code {code!r} (see the {taxonomy} taxonomy)",
                            params={"code": unknown[0], "taxonomy": name})


def _check_call(kind: str, title_fr: str, opens_at: datetime, closes_at: datetime, tz: str,
                region: str | None = None) -> None:
    if kind not in CALL_KINDS:
        raise CallError("kind", "expected one of {choices}", params={"choices": ", ".join(CALL_KINDS)})
    if not title_fr.strip():
        raise CallError("title_fr", "required")
    if region and region not in atlas.gazetteer().regions:
        raise CallError("region", "unknown region code {region!r} (INSEE code, e.g. 11)", params={"region": region})
    if aware(closes_at) <= aware(opens_at):  # type: ignore[operator]
        raise CallError("closes_at", "the deadline must come after the opening")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise CallError("timezone", "unknown time zone {tz!r}", params={"tz": tz}) from None


def create_call(session: Session, *, by_user_id: int | None, kind: str, title_fr: str, title_en: str,
                text_fr: str = "", text_en: str = "", region: str | None, opens_at: datetime, closes_at: datetime,
                timezone_name: str = "Europe/Paris", eligibility: Mapping[str, Any], form: Mapping[str, Any],
                criteria: Sequence[Mapping], blind: bool = True, show_others: bool = False,
                reviewers_per_item: int = 3, overall_threshold: float | None = None,
                managers: Sequence[int] = (), source_note: str | None = None) -> Call:
    """A draft call with its form, eligibility rules and review panel."""
    _check_call(kind, title_fr, opens_at, closes_at, timezone_name, region)
    try:
        parse_form(form)
        rules = parse_eligibility(eligibility)
    except FieldError as exc:
        raise CallError.of(exc) from None
    _check_rules(rules)
    with unit_of_work(session):
        call = Call(kind=kind, title_fr=title_fr.strip(), title_en=(title_en or title_fr).strip(), text_fr=text_fr,
                    text_en=text_en, region=region or None, opens_at=aware(opens_at), closes_at=aware(closes_at),
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
            raise CallError.of(exc) from None
        audit(session, "call.created", user_id=by_user_id, target=f"call:{call.id}")
    return call


def update_call(session: Session, *, call: Call, by_user_id: int | None, kind: str, title_fr: str, title_en: str,
                text_fr: str = "", text_en: str = "", region: str | None, opens_at: datetime, closes_at: datetime,
                timezone_name: str = "Europe/Paris", eligibility: Mapping[str, Any], form: Mapping[str, Any],
                criteria: Sequence[Mapping], blind: bool = True, show_others: bool = False,
                reviewers_per_item: int = 3, overall_threshold: float | None = None) -> Call:
    """Change a draft call: its settings, form, eligibility rules and review criteria (refused
    naming `status` once published: applicants answer the published form)."""
    if call.status != "draft":
        raise CallError("status", "a published call's form and criteria can no longer change", 409)
    _check_call(kind, title_fr, opens_at, closes_at, timezone_name, region)
    try:
        parse_form(form)
        rules = parse_eligibility(eligibility)
    except FieldError as exc:
        raise CallError.of(exc) from None
    _check_rules(rules)
    with unit_of_work(session):
        call.kind, call.title_fr, call.title_en = kind, title_fr.strip(), (title_en or title_fr).strip()
        call.text_fr, call.text_en, call.region = text_fr, text_en, region or None
        call.opens_at, call.closes_at, call.timezone = aware(opens_at), aware(closes_at), timezone_name  # type: ignore[assignment]
        call.eligibility = json.dumps(rules, ensure_ascii=False)
        call.form = json.dumps(dict(form), ensure_ascii=False)
        try:
            review.update_panel(session, panel_id=panel_of(session, call=call).id, criteria=criteria, blind=blind,
                                show_others=show_others, reviewers_per_item=reviewers_per_item,
                                overall_threshold=overall_threshold)
        except review.ReviewError as exc:
            raise CallError.of(exc) from None
        audit(session, "call.updated", user_id=by_user_id, target=f"call:{call.id}")
    return call


def publish_call(session: Session, *, call: Call, by_user_id: int | None) -> None:
    with unit_of_work(session):
        if call.status != "draft":
            raise CallError("status", "the call is already published", 409)
        call.status = "published"
        audit(session, "call.published", user_id=by_user_id, target=f"call:{call.id}")


def add_reviewers(session: Session, *, call: Call, emails: Sequence[str], by_user_id: int | None) -> list[int]:
    """Add reviewers to the call's pool by e-mail (FieldError-like CallError naming `reviewers`)."""
    with unit_of_work(session):
        ids = []
        for email in emails:
            user = accounts.get_user_by_email(session, email=email.strip())
            if user is None:
                raise CallError("reviewers", "no account with the address {email!r}", params={"email": email.strip()})
            ids.append(user.id)
        try:
            added = review.add_reviewers(session, panel_id=panel_of(session, call=call).id, user_ids=ids)
        except review.ReviewError as exc:
            raise CallError.of(exc, field="reviewers") from None
        audit(session, "call.reviewers_added", user_id=by_user_id, target=f"call:{call.id}", reviewers=added)
    return added


def set_phase(session: Session, *, call: Call, phase: str, by_user_id: int | None) -> None:
    """Open or close the review (closed: scores can no longer change)."""
    try:
        with unit_of_work(session):
            review.set_phase(session, panel_id=panel_of(session, call=call).id, phase=phase)
            audit(session, "call.review_phase", user_id=by_user_id, target=f"call:{call.id}", phase=phase)
    except review.ReviewError as exc:
        raise CallError.of(exc) from None


def assign_reviewers(session: Session, *, call: Call, by_user_id: int | None) -> review.AssignReport:
    with unit_of_work(session):
        report = review.assign(session, panel_id=panel_of(session, call=call).id, agreements=agreements(session))
        audit(session, "call.reviewers_assigned", user_id=by_user_id, target=f"call:{call.id}",
               assigned=len(report.assigned), excluded=len(report.excluded))
    return report


def close_call(session: Session, *, call: Call, by_user_id: int | None, now: datetime | None = None) -> None:
    """Close a published call to applications now (its deadline becomes now): drafts can no
    longer be saved or submitted; the review goes on."""
    now = now or utcnow()
    if call.status != "published":
        raise CallError("status", "only a published call can be closed (this one is {status})", 409,
                        params={"status": Word(call.status, "call status")})
    if aware(call.closes_at) <= now:  # type: ignore[operator]
        raise CallError("closes_at", "the call is already closed", 409)
    if aware(call.opens_at) > now:  # type: ignore[operator]
        raise CallError("opens_at", "the call has not opened yet", 409)
    with unit_of_work(session):
        call.closes_at = now
        audit(session, "call.closed", user_id=by_user_id, target=f"call:{call.id}")
