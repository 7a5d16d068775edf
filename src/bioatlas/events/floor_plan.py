"""The booths of an event's floor plan, as the organisers declare them ("A01-A12, V01-V06": single
booths and ranges), kept in the event's settings document (`Event.settings["booths"]`, beside the
scheduling settings, which keep it when they are saved). With a plan declared, the booth review
page lists the free booths (declared, no exhibitor) and its accept form offers only those; a booth
outside the plan is refused (`exhibitors.add_exhibitor`), a taken one too (409, naming both
exhibitors). Without a plan, any booth number is accepted as before."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.events.errors import FieldError
from bioatlas.events.models import Event, Exhibitor

MAX_BOOTHS = 500
SINGLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._]{0,19}$")
RANGE = re.compile(r"^([A-Za-z]{0,15})(\d{1,4})-([A-Za-z]{0,15})(\d{1,4})$")


def parse_booths(raw: str) -> list[str]:
    """"A01-A03, B1 V01-V02" -> ["A01", "A02", "A03", "B1", "V01", "V02"] (ranges keep the first
    number's width); refused naming `booths`: a malformed item, a range going down or across
    prefixes, a booth given twice (case ignored), more than MAX_BOOTHS."""
    out: list[str] = []
    for item in raw.replace(",", " ").replace(";", " ").split():
        m = RANGE.match(item)
        if m:
            prefix, first, other_prefix, last = m.groups()
            if other_prefix.casefold() != prefix.casefold() or int(last) < int(first):
                raise FieldError("booths", "{item!r}: a range goes up with one prefix, e.g. A01-A12", params={"item": item})
            if int(last) - int(first) >= MAX_BOOTHS:
                raise FieldError("booths", "at most {max} booths", params={"max": MAX_BOOTHS})
            out.extend(f"{prefix}{n:0{len(first)}d}" for n in range(int(first), int(last) + 1))
        elif SINGLE.match(item):
            out.append(item)
        else:
            raise FieldError("booths", "{item!r} is not a booth number (e.g. A12) or a range (e.g. A01-A12)",
                             params={"item": item})
        if len(out) > MAX_BOOTHS:
            raise FieldError("booths", "at most {max} booths", params={"max": MAX_BOOTHS})
    seen: set[str] = set()
    for booth in out:
        if booth.casefold() in seen:
            raise FieldError("booths", "booth {booth} is given twice", params={"booth": booth})
        seen.add(booth.casefold())
    return out


def booths_text(booths: list[str]) -> str:
    """The inverse of `parse_booths`: runs of consecutive numbers with one prefix as ranges."""
    parts: list[list] = []  # [prefix, width, first, last]
    for booth in booths:
        m = re.match(r"^([A-Za-z]*)(\d{1,4})$", booth)
        if m is None:
            parts.append([booth, 0, None, None])
            continue
        prefix, digits = m.groups()
        last = parts[-1] if parts else None
        if last and last[2] is not None and last[0] == prefix and last[1] == len(digits) and last[3] + 1 == int(digits):
            last[3] = int(digits)
        else:
            parts.append([prefix, len(digits), int(digits), int(digits)])
    return ", ".join(p[0] if p[2] is None else f"{p[0]}{p[2]:0{p[1]}d}" + (f"-{p[0]}{p[3]:0{p[1]}d}" if p[3] > p[2] else "")
                     for p in parts)


def declared_booths(event: Event) -> list[str]:
    """The plan's booths in the organisers' order (none: no plan declared)."""
    return list((event.settings or {}).get("booths") or [])


def taken_booths(session: Session, *, event_id: int) -> dict[str, str]:
    """{booth folded: booth as stored} of the event's exhibitors."""
    return {b.casefold(): b for b in session.scalars(select(Exhibitor.booth).where(Exhibitor.event_id == event_id))}


def free_booths(session: Session, *, event: Event) -> list[str]:
    """The plan's booths no exhibitor holds, in the plan's order."""
    taken = taken_booths(session, event_id=event.id)
    return [b for b in declared_booths(event) if b.casefold() not in taken]


def set_booths(session: Session, *, event: Event, raw: str) -> list[str]:
    """Declare the plan's booths (empty: no plan). Every booth already given to an exhibitor must
    be in it (refused naming `booths` and the booth otherwise)."""
    booths = parse_booths(raw)
    if booths:
        planned = {b.casefold() for b in booths}
        missing = sorted(b for key, b in taken_booths(session, event_id=event.id).items() if key not in planned)
        if missing:
            raise FieldError("booths", "booth {booth} is an exhibitor's: keep it in the plan",
                             params={"booth": missing[0]})
    event.settings = {**(event.settings or {}), "booths": booths}
    session.flush()
    return booths


def check_in_plan(event: Event, booth: str) -> None:
    """A booth outside a declared plan is refused naming `booth`."""
    booths = declared_booths(event)
    if booths and booth.casefold() not in {b.casefold() for b in booths}:
        raise FieldError("booth", "{booth} is not a booth of the floor plan ({first} … {last})",
                         params={"booth": booth, "first": booths[0], "last": booths[-1]})
