"""Form fields of the events pages to the services' documents (no business logic)."""

from __future__ import annotations

from starlette.datastructures import FormData

from bioatlas.events.settings import FieldError


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
            raise FieldError(field, f"{part!r} is not a slot number or a range such as 7-9") from None
        if a < 1 or b < a or b - a > 1000:
            raise FieldError(field, f"{part!r} is not a slot number or a range such as 7-9")
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
