"""Form fields of the events pages to the services' documents (no business logic)."""

from __future__ import annotations

import re
from datetime import date

from starlette.datastructures import FormData

from bioatlas.core.fields import FieldError
from bioatlas.events.speakers import MAX_SPEAKERS, PERSON_PREFIX, PITCH_PREFIX, SpeakerInput

SPEAKER_ROW = re.compile(r"^speaker-(\d{1,2})-(name|affiliation|actor|person|pitch|role)$")
ROLE_PREFIX = "role:"
ROW_KEYS = ("name", "affiliation", "actor", "person", "pitch", "role")


def text(form: FormData, name: str, limit: int = 1000) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def whole(form: FormData, name: str) -> int:
    raw = text(form, name, 20)
    try:
        return int(raw)
    except ValueError:
        raise FieldError(name, "a whole number") from None


def slot_list(raw: str, field: str) -> list[int]:
    """"3, 4 7-9" (numbered from 1) -> [2, 3, 6, 7, 8]."""
    out: list[int] = []
    for part in raw.replace(",", " ").split():
        first, _, last = part.partition("-")
        try:
            a, b = int(first), int(last or first)
        except ValueError:
            raise FieldError(field, "{part!r} is not a slot number or a range such as 7-9", params={"part": part}) from None
        if a < 1 or b < a or b - a > 1000:
            raise FieldError(field, "{part!r} is not a slot number or a range such as 7-9", params={"part": part})
        out.extend(range(a - 1, b))
    return out


def settings_from(form: FormData) -> dict:
    """The settings document: sessions as lines "2027-03-10 09:00 12:20"."""
    sessions = []
    for i, line in enumerate(text(form, "sessions", 5000).splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 3:
            raise FieldError(f"sessions[{i}]", "one session per line: date start end, e.g. 2027-03-10 09:00 12:20")
        sessions.append({"day": parts[0], "start": parts[1], "end": parts[2]})
    return {"slot_minutes": text(form, "slot_minutes", 10), "tables": text(form, "tables", 10),
            "fairness": text(form, "fairness", 10), "sessions": sessions,
            "forbidden": [s + 1 for s in slot_list(text(form, "forbidden", 2000), "forbidden")]}


def sessions_text(settings: dict) -> str:
    return "\n".join(f"{s['day']} {s['start']} {s['end']}" for s in settings.get("sessions") or [])


def event_from(values: dict[str, str], *, allowed, admin: bool) -> dict:
    """create_event's arguments from the new-event form; the organiser must be an actor the user
    is a member of (any actor for an admin)."""
    out: dict = {"title": values.get("title", ""), "description": values.get("description", ""),
                 "venue_name": values.get("venue_name", ""), "venue_city": values.get("venue_city", "")}
    for name in ("starts_on", "ends_on"):
        try:
            out[name] = date.fromisoformat(values.get(name, ""))
        except ValueError:
            raise FieldError(name, "a date such as 2027-03-10") from None
    for name, low, high in (("venue_lat", -90.0, 90.0), ("venue_lon", -180.0, 180.0)):
        raw = values.get(name, "")
        if raw == "":
            out[name] = None
            continue
        try:
            value = float(raw)
        except ValueError:
            raise FieldError(name, "a number of degrees") from None
        if not low <= value <= high:
            raise FieldError(name, "between {low:g} and {high:g}", params={"low": low, "high": high})
        out[name] = value
    organiser = values.get("organiser", "")
    if not organiser.isdigit() or (not admin and int(organiser) not in allowed):
        raise FieldError("organiser", "an actor you are a member of")
    out["organiser_actor_ids"] = [int(organiser)]
    return out


def speakers_from(raw: str) -> list[SpeakerInput]:
    """Speakers, one per line: "Name | Affiliation", then optionally, in any order, the atlas
    actor's number ("123"), the person ("participant:17", or a participant's e-mail) and the pitch
    entry's application ("pitch:4") and the role ("role:moderator", else a speaker); the
    affiliation alone is looked up in the atlas by name."""
    out = []
    for i, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) > 6 or not parts[0]:
            raise FieldError("speakers", "line {i}: Name | Affiliation | atlas number | participant | pitch (all but the name optional)", params={"i": i})
        actor_id, person, pitch, role = None, "", None, ""
        for extra in (p for p in parts[2:] if p):
            low = extra.casefold()
            if extra.lstrip("#").isdigit() and actor_id is None:
                actor_id = int(extra.lstrip("#"))
            elif (low.startswith(PERSON_PREFIX) or "@" in extra) and not person:
                person = PERSON_PREFIX + extra[len(PERSON_PREFIX):].strip() if low.startswith(PERSON_PREFIX) else extra
            elif low.startswith(PITCH_PREFIX) and extra[len(PITCH_PREFIX):].strip().isdigit() and pitch is None:
                pitch = int(extra[len(PITCH_PREFIX):])
            elif low.startswith(ROLE_PREFIX) and not role:
                role = extra[len(ROLE_PREFIX):].strip()
            else:
                raise FieldError("speakers", "line {i}: {extra!r} is not an atlas actor number, a participant (participant:17 or an e-mail) or a pitch (pitch:4)", params={"i": i, "extra": extra})
        out.append(SpeakerInput(name=parts[0], affiliation=parts[1] if len(parts) > 1 else "", actor_id=actor_id,
                                person=person, pitch_application_id=pitch, role=role or "speaker"))
    return out


def limits_from(form: FormData, categories) -> dict[str, int | None]:
    """{"*": the event's limit, category: its limit} from the capacity form (empty: no limit)."""
    out: dict[str, int | None] = {}
    for key, name in (("*", "capacity"), *((c, f"capacity_{c}") for c in categories)):
        out[key] = whole(form, name) if text(form, name, 20) else None
    return out


def pitch_order(form: FormData) -> list[int]:
    """Fields `position_<application>` (whole numbers) to the applications in that order."""
    ranked = []
    for key in form.keys():
        if key.startswith("position_") and key[9:].isdigit():
            ranked.append((whole(form, key), int(key[9:])))
    return [app for _pos, app in sorted(ranked)]


def speakers_text(speakers, participant_numbers: dict[int, int] | None = None) -> str:
    """The speakers as the form writes them (the inverse of `speakers_from`); a linked person as
    its participant number in the event (`participant_numbers`: {account: number})."""
    numbers = participant_numbers or {}
    lines = []
    for sp in speakers:
        extras = ([str(sp.actor_id)] if sp.actor_id else []) + (
            [f"{PERSON_PREFIX}{numbers[sp.user_id]}"] if sp.user_id in numbers else []) + (
            [f"{PITCH_PREFIX}{sp.pitch_application_id}"] if sp.pitch_application_id else []) + (
            [f"{ROLE_PREFIX}{sp.role}"] if getattr(sp, "role", "speaker") != "speaker" else [])
        lines.append(" | ".join([sp.name, sp.affiliation, *extras]) if sp.affiliation or extras else sp.name)
    return "\n".join(lines)


def filled(row: dict[str, str]) -> bool:
    """A row with something typed in it (its role alone, a select that always posts, is not)."""
    return any(value for key, value in row.items() if key != "role")


def posted_rows(form: FormData) -> list[dict[str, str]] | None:
    """The session form's speaker rows as posted (`speaker-N-name`, `-affiliation`, `-actor`,
    `-person`, `-pitch`; N from 1), in row order, empty rows kept; None when the form has no row
    (a client posting the text format, field `speakers`)."""
    rows: dict[int, dict[str, str]] = {}
    for key in form.keys():
        m = SPEAKER_ROW.match(key)
        if m and 1 <= int(m.group(1)) <= MAX_SPEAKERS + 10:
            rows.setdefault(int(m.group(1)), dict.fromkeys(ROW_KEYS, ""))[m.group(2)] = text(form, key, 300)
    return [rows[i] for i in sorted(rows)] if rows else None


def speakers_from_rows(rows: list[dict[str, str]]) -> list[SpeakerInput]:
    """The filled rows as speakers (an empty row is skipped: emptying a row removes its speaker);
    refused naming the row (`speakers[2]`, its number on the form): a row without a name, an atlas
    number, a person ("participant:17" or an e-mail) or a pitch number (4 or "pitch:4") that is not one."""
    out = []
    for i, row in enumerate(rows, start=1):
        if not filled(row):
            continue
        field = f"speakers[{i}]"
        if not row["name"]:
            raise FieldError(field, "a name is required (empty the whole row to remove the speaker)")
        actor = row["actor"].lstrip("#")
        if actor and not actor.isdigit():
            raise FieldError(field, "{value!r} is not an atlas actor number", params={"value": row["actor"]})
        person = row["person"]
        if person.casefold().startswith(PERSON_PREFIX):
            person = PERSON_PREFIX + person[len(PERSON_PREFIX):].strip()
        elif person and "@" not in person:
            raise FieldError(field, "{value!r} is neither participant:17 nor an e-mail", params={"value": person})
        pitch = row["pitch"][len(PITCH_PREFIX):].strip() if row["pitch"].casefold().startswith(PITCH_PREFIX) \
            else row["pitch"]
        if pitch and not pitch.isdigit():
            raise FieldError(field, "{value!r} is not a pitch number (4 or pitch:4)", params={"value": row["pitch"]})
        out.append(SpeakerInput(name=row["name"], affiliation=row["affiliation"], actor_id=int(actor) if actor else None,
                                person=person, pitch_application_id=int(pitch) if pitch else None, row=i,
                                role=row.get("role") or "speaker"))
    return out


def speakers_posted(form: FormData) -> list[SpeakerInput]:
    """The session form's speakers: its rows, else (a client of the text format) the lines of
    `speakers` (see `speakers_from`)."""
    rows = posted_rows(form)
    return speakers_from(text(form, "speakers", 5000)) if rows is None else speakers_from_rows(rows)


def rows_shown(rows: list[dict[str, str]] | None, *, more: bool = False) -> list[dict[str, str]]:
    """The rows the form shows: the filled ones and one empty row to add a speaker; with `more`
    (the "add a speaker" button, no JavaScript needed) every posted row, empty ones too, and one
    more."""
    rows = rows or []
    kept = rows if more else [r for r in rows if filled(r)]
    return [*kept, dict.fromkeys(ROW_KEYS, "")][:MAX_SPEAKERS + 10]


def speaker_rows(speakers, participant_numbers: dict[int, int] | None = None) -> list[dict[str, str]]:
    """Stored speakers as the form's rows (a linked person as its participant number in the event)."""
    numbers = participant_numbers or {}
    return [{"name": sp.name, "affiliation": sp.affiliation, "actor": str(sp.actor_id) if sp.actor_id else "",
             "person": f"{PERSON_PREFIX}{numbers[sp.user_id]}" if sp.user_id in numbers else "",
             "pitch": str(sp.pitch_application_id) if sp.pitch_application_id else "", "role": sp.role}
            for sp in speakers]
