"""The call editor's state, read from and written to plain form fields (no JavaScript): the
call's settings, the questions of the application form (type, required, limits), the
eligibility rules and the review criteria (weight, scale, threshold). Buttons named `op` add,
remove or move a question or a criterion and show the page again; `save` turns the state into
the definitions `service.create_call` / `update_call` check. Errors name the field as the
service does (`form.fields[1].max_length`) and say which input holds it (`q-1-max_length`)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bioatlas.calls.forms import EXTENSIONS, FIELD_TYPES
from bioatlas.core.fields import FieldError, plain_text

MAX_QUESTIONS = 50
MAX_CRITERIA = 20
CALL_KEYS = {"kind": 20, "title_fr": 300, "title_en": 300, "text_fr": 10000, "text_en": 10000, "region": 3,
             "opens_at": 40, "closes_at": 40, "timezone": 40}
QUESTION_KEYS = {"name": 60, "label_fr": 300, "label_en": 300, "type": 20, "max_length": 7, "min": 20, "max": 20,
                 "choices": 2000, "max_bytes": 10}
CRITERION_KEYS = {"code": 40, "label_fr": 300, "label_en": 300, "weight": 20, "scale_min": 5, "scale_max": 5,
                  "threshold": 20}
OP = re.compile(r"^(save|refresh|add_question|add_criterion|(remove|up|down)_(question|criterion):(\d{1,3}))$")
ACCEPT = tuple(EXTENSIONS)


class EditorError(FieldError):
    """A refused field of the editor (a FieldError: message id and params); `field` as the service
    names it; `input` the name of the form input that holds it."""

    def __init__(self, field: str, message: str, *, params: dict | None = None):
        super().__init__(field, message, params=params)
        self.input = input_of(field)
        self.state: EditorState | None = None  # the rest of the form, kept when reading it failed


def input_of(name: str | None) -> str | None:
    """The form input behind a field the service names (`criteria[2].weight` → `c-2-weight`)."""
    if not name:
        return None
    m = re.match(r"^form\.fields\[(\d+)\]\.(\w+)$", name)
    if m:
        return f"q-{m.group(1)}-{m.group(2)}"
    m = re.match(r"^criteria\[(\d+)\]\.(\w+)$", name)
    if m:
        return f"c-{m.group(1)}-{m.group(2)}"
    m = re.match(r"^eligibility\.(\w+)$", name)
    if m:
        return f"el-{m.group(1)}"
    return name


@dataclass
class EditorState:
    call: dict[str, str] = field(default_factory=dict)
    questions: list[dict[str, Any]] = field(default_factory=list)
    criteria: list[dict[str, str]] = field(default_factory=list)
    eligibility: dict[str, Any] = field(default_factory=dict)
    panel: dict[str, Any] = field(default_factory=dict)


def blank_question() -> dict[str, Any]:
    return {"name": "", "label_fr": "", "label_en": "", "type": "text", "required": False, "max_length": "2000",
            "min": "", "max": "", "choices": "", "accept": ["application/pdf"], "max_bytes": str(5 * 1024 * 1024)}


def blank_criterion() -> dict[str, str]:
    return {"code": "", "label_fr": "", "label_en": "", "weight": "1", "scale_min": "0", "scale_max": "5",
            "threshold": ""}


def blank() -> EditorState:
    return EditorState(
        call={"kind": "challenge", "title_fr": "", "title_en": "", "text_fr": "", "text_en": "", "region": "",
              "opens_at": "", "closes_at": "", "timezone": "Europe/Paris"},
        questions=[{**blank_question(), "name": "summary", "label_fr": "Résumé du projet",
                    "label_en": "Project summary", "type": "textarea", "required": True}],
        criteria=[{**blank_criterion(), "code": "excellence", "label_fr": "Excellence", "label_en": "Excellence"}],
        eligibility={"actor_kinds": [], "regions": [], "max_company_age_years": "", "modalities": []},
        panel={"blind": True, "show_others": False, "reviewers_per_item": "3", "overall_threshold": ""})


def _num(value: Any) -> str:
    if value is None:
        return ""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def from_call(call, criteria, panel) -> EditorState:
    """The editor's state of a stored call (its panel's criteria and settings)."""
    tz = ZoneInfo(call.timezone)
    when = {k: (v if v.tzinfo else v.replace(tzinfo=ZoneInfo("UTC"))).astimezone(tz).strftime("%Y-%m-%dT%H:%M")
            for k, v in (("opens_at", call.opens_at), ("closes_at", call.closes_at))}
    form = json.loads(call.form or "{}")
    rules = json.loads(call.eligibility or "{}")
    questions = []
    for f in form.get("fields") or []:
        questions.append({**blank_question(), **{k: _num(f.get(k)) for k in ("max_length", "min", "max", "max_bytes")
                                                  if f.get(k) is not None},
                          "name": f.get("name", ""), "label_fr": f.get("label_fr", ""), "label_en": f.get("label_en", ""),
                          "type": f.get("type", "text"), "required": bool(f.get("required")),
                          "choices": "\n".join(f.get("choices") or []),
                          "accept": list(f.get("accept") or ["application/pdf"])})
    return EditorState(
        call={"kind": call.kind, "title_fr": call.title_fr, "title_en": call.title_en, "text_fr": call.text_fr or "",
              "text_en": call.text_en or "", "region": call.region or "", "timezone": call.timezone, **when},
        questions=questions,
        criteria=[{"code": c.code, "label_fr": c.label_fr, "label_en": c.label_en, "weight": _num(c.weight),
                   "scale_min": _num(c.scale_min), "scale_max": _num(c.scale_max), "threshold": _num(c.threshold)}
                  for c in criteria],
        eligibility={"actor_kinds": list(rules.get("actor_kinds") or []), "regions": list(rules.get("regions") or []),
                     "max_company_age_years": _num(rules.get("max_company_age_years")),
                     "modalities": list(rules.get("modalities") or [])},
        panel={"blind": panel.blind, "show_others": panel.show_others,
               "reviewers_per_item": str(panel.reviewers_per_item), "overall_threshold": _num(panel.overall_threshold)})


def _text(form: Mapping, name: str, limit: int) -> str:
    value = form.get(name)
    try:
        return plain_text(name, value if isinstance(value, str) else "", limit, markup=True)
    except FieldError as exc:
        raise EditorError(name, exc.msgid, params=exc.params) from None


def _count(form: Mapping, name: str, most: int) -> int:
    raw = _text(form, name, 3)
    if not raw.isdigit() or int(raw) > most:
        raise EditorError(name, "between 0 and {max}", params={"max": most})
    return int(raw)


def _many(form, name: str) -> list[str]:
    values = form.getlist(name) if hasattr(form, "getlist") else form.get(name) or []
    out = []
    for v in values:
        if isinstance(v, str) and v.strip() and len(v) <= 60 and v.strip() not in out:
            out.append(v.strip())
    return out[:200]


def read(form) -> EditorState:
    """The state as posted (strings kept as typed, so that an error shows them again: a refused
    text is emptied and the first refusal raised with the rest of the state kept)."""
    errors: list[EditorError] = []

    def text(name: str, limit: int) -> str:
        try:
            return _text(form, name, limit)
        except EditorError as exc:
            errors.append(exc)
            return ""

    state = EditorState(call={k: text(k, n) for k, n in CALL_KEYS.items()})
    state.call["timezone"] = state.call["timezone"] or "Europe/Paris"
    for i in range(_count(form, "questions", MAX_QUESTIONS)):
        q: dict[str, Any] = {k: text(f"q-{i}-{k}", n) for k, n in QUESTION_KEYS.items()}
        q["required"] = form.get(f"q-{i}-required") == "on"
        q["accept"] = _many(form, f"q-{i}-accept")
        state.questions.append(q)
    for i in range(_count(form, "criteria", MAX_CRITERIA)):
        state.criteria.append({k: text(f"c-{i}-{k}", n) for k, n in CRITERION_KEYS.items()})
    regions = re.split(r"[\s,;]+", text("el-regions", 200))
    state.eligibility = {"actor_kinds": _many(form, "el-actor_kinds"), "regions": [r for r in regions if r],
                         "max_company_age_years": text("el-max_company_age_years", 4),
                         "modalities": _many(form, "el-modalities")}
    state.panel = {"blind": form.get("blind") == "on", "show_others": form.get("show_others") == "on",
                   "reviewers_per_item": text("reviewers_per_item", 3),
                   "overall_threshold": text("overall_threshold", 20)}
    if errors:
        errors[0].state = state
        raise errors[0]
    return state


def apply(state: EditorState, op: str) -> EditorState:
    """Add, remove or move a question or a criterion (`save` and `refresh` change nothing)."""
    m = OP.match(op or "refresh")
    if m is None:
        raise EditorError("op", "unknown action")
    if op == "add_question":
        if len(state.questions) >= MAX_QUESTIONS:
            raise EditorError("questions", "at most {max} questions", params={"max": MAX_QUESTIONS})
        state.questions.append(blank_question())
    elif op == "add_criterion":
        if len(state.criteria) >= MAX_CRITERIA:
            raise EditorError("criteria", "at most {max} criteria", params={"max": MAX_CRITERIA})
        state.criteria.append(blank_criterion())
    elif m.group(2):
        rows: list = state.questions if m.group(3) == "question" else state.criteria
        i = int(m.group(4))
        if i >= len(rows):
            raise EditorError("op", "no question number {number}" if m.group(3) == "question" else
                              "no criterion number {number}", params={"number": i + 1})
        if m.group(2) == "remove":
            rows.pop(i)
        else:
            j = i - 1 if m.group(2) == "up" else i + 1
            if 0 <= j < len(rows):
                rows[i], rows[j] = rows[j], rows[i]
    return state


def _number(value: str, name: str, *, whole: bool = False) -> float | int | None:
    if value == "":
        return None
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        raise EditorError(name, "{value!r} is not a number", params={"value": value}) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise EditorError(name, "not a finite number")
    if whole:
        if not number.is_integer():
            raise EditorError(name, "a whole number")
        return int(number)
    return number


def definitions(state: EditorState) -> dict[str, Any]:
    """The keyword arguments of `create_call` / `update_call` the state stands for (numbers
    parsed; the service checks the rest and names the field the same way)."""
    fields = []
    for i, q in enumerate(state.questions):
        where = f"form.fields[{i}]"
        if q["type"] not in FIELD_TYPES:
            raise EditorError(f"{where}.type", "expected one of {choices}", params={"choices": ', '.join(FIELD_TYPES)})
        out: dict[str, Any] = {"name": q["name"], "label_fr": q["label_fr"] or q["name"],
                               "label_en": q["label_en"] or q["label_fr"] or q["name"], "type": q["type"],
                               "required": bool(q["required"])}
        if q["type"] in ("text", "textarea"):
            limit = _number(q["max_length"], f"{where}.max_length", whole=True)
            if limit is not None and not 1 <= limit <= 100000:
                raise EditorError(f"{where}.max_length", "between 1 and 100000 characters")
            out["max_length"] = limit or 2000
        if q["type"] == "number":
            lo, hi = _number(q["min"], f"{where}.min"), _number(q["max"], f"{where}.max")
            if lo is not None and hi is not None and lo > hi:
                raise EditorError(f"{where}.max", "the maximum is below the minimum")
            out.update({"min": lo, "max": hi})
        if q["type"] == "choice":
            choices = [c.strip() for c in re.split(r"[\n]+", q["choices"]) if c.strip()]
            if not choices:
                raise EditorError(f"{where}.choices", "a choice question lists its choices, one per line")
            out["choices"] = choices
        if q["type"] == "file":
            unknown = [a for a in q["accept"] if a not in ACCEPT]
            if unknown or not q["accept"]:
                raise EditorError(f"{where}.accept", "tick at least one of {choices}", params={"choices": ', '.join(ACCEPT)})
            size = _number(q["max_bytes"], f"{where}.max_bytes", whole=True)
            if size is not None and not 1 <= size <= 100 * 1024 * 1024:
                raise EditorError(f"{where}.max_bytes", "between 1 byte and 100 MB")
            out.update({"accept": q["accept"], "max_bytes": size or 5 * 1024 * 1024})
        fields.append(out)
    criteria = []
    for i, c in enumerate(state.criteria):
        where = f"criteria[{i}]"
        weight = _number(c["weight"], f"{where}.weight")
        lo = _number(c["scale_min"], f"{where}.scale_min", whole=True)
        hi = _number(c["scale_max"], f"{where}.scale_max", whole=True)
        criteria.append({"code": c["code"], "label_fr": c["label_fr"] or c["code"],
                         "label_en": c["label_en"] or c["label_fr"] or c["code"],
                         "weight": 1.0 if weight is None else weight, "scale_min": 0 if lo is None else lo,
                         "scale_max": 5 if hi is None else hi,
                         "threshold": _number(c["threshold"], f"{where}.threshold")})
    rules: dict[str, Any] = {k: state.eligibility[k] for k in ("actor_kinds", "regions", "modalities")
                             if state.eligibility.get(k)}
    age = _number(state.eligibility.get("max_company_age_years", ""), "eligibility.max_company_age_years", whole=True)
    if age is not None:
        rules["max_company_age_years"] = age
    per_item = _number(state.panel["reviewers_per_item"] or "3", "reviewers_per_item", whole=True)
    tz = state.call["timezone"]
    try:
        zone = ZoneInfo(tz)
    except (ValueError, KeyError):
        raise EditorError("timezone", "unknown time zone {tz!r}", params={"tz": tz}) from None
    when = {}
    for key in ("opens_at", "closes_at"):
        try:
            when[key] = datetime.fromisoformat(state.call[key]).replace(tzinfo=zone)
        except ValueError:
            raise EditorError(key, "expected a date and time (YYYY-MM-DDTHH:MM)") from None
    return {"kind": state.call["kind"], "title_fr": state.call["title_fr"], "title_en": state.call["title_en"],
            "text_fr": state.call["text_fr"], "text_en": state.call["text_en"], "region": state.call["region"] or None,
            "timezone_name": tz, **when, "eligibility": rules, "form": {"fields": fields}, "criteria": criteria,
            "blind": bool(state.panel["blind"]), "show_others": bool(state.panel["show_others"]),
            "reviewers_per_item": per_item,
            "overall_threshold": _number(state.panel["overall_threshold"], "overall_threshold")}
