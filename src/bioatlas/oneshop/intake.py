"""Intake: the form's fields checked (the first bad field named), a case and its needs, the
first contact's address verified by a mailed link, cases linked to the verified account."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.atlas import service as atlas
from bioatlas.core.db import make_sessionmaker
from bioatlas.core.fields import FieldError
from bioatlas.notifications import service as notifications
from bioatlas.oneshop.checks import MAX_TEXT, digest, field_choice, field_int, field_text, now
from bioatlas.oneshop.models import INVESTMENT_BANDS, NEEDS, PROJECT_TYPES, Case, Need
from bioatlas.oneshop.routing import route_case


def value_chain_steps() -> list[str]:
    """The codes of the atlas's value-chain taxonomy, in its order."""
    return list(atlas.taxonomies()["value_chain"].terms)


def modalities() -> list[str]:
    """The codes of the atlas's therapeutic modality taxonomy, in its order."""
    return list(atlas.taxonomies()["modalities"].terms)


EMAIL_RE = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
SIRET_RE = re.compile(r"^\d{14}$")


def check_intake(values: Mapping[str, Any], *, today: date | None = None) -> dict[str, Any]:
    """The case's fields from the intake form, or FieldError naming the first bad field."""
    today = today or date.today()
    out: dict[str, Any] = {
        "company_name": field_text(values, "company_name", 200, required=True),
        "contact_name": field_text(values, "contact_name", 200),
        "project_type": field_choice(values, "project_type", PROJECT_TYPES),
        "modality": field_text(values, "modality", 40),
        "region": field_text(values, "region", 3),
        "description": field_text(values, "description", MAX_TEXT),
        "cleanroom_grade": field_choice(values, "cleanroom_grade", ("A", "B", "C", "D"), required=False),
        "investment_band": field_choice(values, "investment_band", INVESTMENT_BANDS, required=False),
        "surface_m2": field_int(values, "surface_m2", 1, 1_000_000),
        "jobs_planned": field_int(values, "jobs_planned", 0, 100_000) or 0,
        "share_details": str(values.get("share_details", "yes")).strip() in ("yes", "on", "1", "true"),
    }
    if out["modality"] and out["modality"] not in modalities():
        raise FieldError("modality", "not one of the atlas's modalities ({choices}, …)",
                         params={"choices": ", ".join(modalities()[:8])})
    email = field_text(values, "email", 320, required=True)
    if not EMAIL_RE.match(email):
        raise FieldError("email", "not a valid e-mail address")
    out["email"] = email
    country = field_text(values, "country", 2).upper() or "FR"
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise FieldError("country", "a two-letter country code (ISO 3166), e.g. FR, US, JP")
    out["country"] = country
    siret = re.sub(r"\s", "", field_text(values, "siret", 20))
    if siret and not SIRET_RE.match(siret):
        raise FieldError("siret", "14 digits, or leave it empty (not required)")
    out["siret"] = siret or None
    if out["region"] and not re.fullmatch(r"\d{2,3}", out["region"]):
        raise FieldError("region", "a region's INSEE code, e.g. 11, 27, 84")
    start = field_text(values, "start_on", 10)
    if start:
        try:
            start_on = date.fromisoformat(start)
        except ValueError:
            raise FieldError("start_on", "a date such as 2027-09-01") from None
        if start_on < today or start_on > today + timedelta(days=365 * 15):
            raise FieldError("start_on", "a date between today and 15 years from now")
        out["start_on"] = start_on
    raw_steps = values.get("value_chain_steps") or []
    steps = [raw_steps] if isinstance(raw_steps, str) else list(raw_steps)
    known = value_chain_steps()
    for step in steps:
        if step not in known:
            raise FieldError("value_chain_steps", "each one of {choices}", params={"choices": ", ".join(known)})
    out["value_chain_steps"] = " ".join(sorted(set(steps), key=known.index))
    raw_needs = values.get("needs") or []
    needs = [raw_needs] if isinstance(raw_needs, str) else list(raw_needs)
    if not needs:
        raise FieldError("needs", "choose at least one need")
    for n in needs:
        if n not in NEEDS:
            raise FieldError("needs", "each one of {choices}", params={"choices": ", ".join(NEEDS)})
    out["needs"] = sorted(set(needs), key=NEEDS.index)
    return out


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
        session.add(Need(case_id=case.id, need=n, detail=field_text(values, f"detail_{n}", 1000)))
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
