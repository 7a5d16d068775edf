"""The organisers' scheduling settings of an event (a JSON document on `Event.settings`):

    {"slot_minutes": 20, "tables": 12, "fairness": 2,
     "sessions": [{"day": "2027-03-10", "start": "09:00", "end": "12:20"}, …],
     "forbidden": [3, 4]}

Slots are cut from each session in order (slot numbers run over the whole event, from 0 here,
from 1 on the pages); `forbidden` slots hold no meeting (a plenary); breaks are counted per day.
`clean` checks a submitted document and says which field is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from bioatlas.core.fields import FieldError
from bioatlas.core.moments import Moment

DEFAULT: dict[str, Any] = {"slot_minutes": 20, "tables": 10, "fairness": 2,
           "sessions": [], "forbidden": []}


@dataclass(frozen=True)
class Slot:
    index: int
    day: date
    start: datetime
    end: datetime
    session: int  # index of its session


def _int(raw: Any, field: str, low: int, high: int) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise FieldError(field, "a whole number between {low} and {high}", params={"low": low, "high": high}) from None
    if not low <= value <= high:
        raise FieldError(field, "a whole number between {low} and {high}", params={"low": low, "high": high})
    return value


def _time(raw: Any, field: str) -> time:
    try:
        return time.fromisoformat(str(raw).strip())
    except ValueError:
        raise FieldError(field, "a time such as 09:00") from None


def clean(raw: dict, *, starts_on: date, ends_on: date) -> dict:
    """The settings document, checked; FieldError names the field."""
    out: dict[str, Any] = {
        "slot_minutes": _int(raw.get("slot_minutes", 20), "slot_minutes", 5, 240),
        "tables": _int(raw.get("tables", 10), "tables", 1, 2000),
    }
    fairness = raw.get("fairness", 2)
    out["fairness"] = None if fairness in (None, "") else _int(fairness, "fairness", 0, 50)
    sessions = []
    for i, item in enumerate(raw.get("sessions") or []):
        field = f"sessions[{i + 1}]"
        try:
            day = date.fromisoformat(str(item.get("day", "")).strip())
        except ValueError:
            raise FieldError(f"{field}.day", "a date such as 2027-03-10") from None
        if not starts_on <= day <= ends_on:
            raise FieldError(f"{field}.day", "outside the event ({starts_on} – {ends_on})", params={"starts_on": Moment(starts_on.isoformat(), starts_on),
                                     "ends_on": Moment(ends_on.isoformat(), ends_on)})
        start, end = _time(item.get("start"), f"{field}.start"), _time(item.get("end"), f"{field}.end")
        if end <= start:
            raise FieldError(f"{field}.end", "must be after the start")
        sessions.append({"day": day.isoformat(), "start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")})
    sessions.sort(key=lambda s: (s["day"], s["start"]))
    for a, b in zip(sessions, sessions[1:]):
        if a["day"] == b["day"] and b["start"] < a["end"]:
            raise FieldError("sessions", "sessions overlap on {day} ({start}–{end} and {other_start}–{other_end})",
                             params={"day": Moment(a["day"], date.fromisoformat(a["day"])), "start": a['start'], "end": a['end'], "other_start": b['start'],
                                     "other_end": b['end']})
    out["sessions"] = sessions
    n = len(slots_of({**out, "forbidden": []}))
    if sessions and n == 0:
        raise FieldError("slot_minutes", "longer than every session: no slot")
    forbidden = sorted({_int(x, "forbidden", 1, max(1, n)) - 1 for x in raw.get("forbidden") or []})
    out["forbidden"] = forbidden
    return out


def slots_of(settings: dict) -> list[Slot]:
    """The meeting slots of the settings, in time order."""
    minutes = int(settings.get("slot_minutes") or 20)
    out: list[Slot] = []
    for k, session in enumerate(settings.get("sessions") or []):
        day = date.fromisoformat(session["day"])
        start = datetime.combine(day, time.fromisoformat(session["start"]))
        end = datetime.combine(day, time.fromisoformat(session["end"]))
        while start + timedelta(minutes=minutes) <= end:
            out.append(Slot(index=len(out), day=day, start=start, end=start + timedelta(minutes=minutes), session=k))
            start += timedelta(minutes=minutes)
    return out


def day_ranges(slots: list[Slot]) -> list[tuple[int, int]]:
    """(first, last) slot index of each day."""
    out: list[tuple[int, int]] = []
    for slot in slots:
        if out and slots[out[-1][1]].day == slot.day:
            out[-1] = (out[-1][0], slot.index)
        else:
            out.append((slot.index, slot.index))
    return out
