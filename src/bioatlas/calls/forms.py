"""A call's application form and eligibility rules, as data (JSON stored on the call).

Form: {"fields": [{"name", "label_fr", "label_en", "type": text|textarea|number|choice|file,
"required": bool, "max_length": int (text), "min"/"max" (number), "choices": [..] (choice),
"accept": ["application/pdf", ...] and "max_bytes" (file)}]}.

Eligibility: {"actor_kinds": [...], "regions": [INSEE codes], "max_company_age_years": int (read
from the answer `founded_year`), "modalities": [modality codes] (read from the answer `modality`)}.
Every error names its field."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bioatlas.core.fields import FieldError, plain_text

FIELD_TYPES = ("text", "textarea", "number", "choice", "file")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
EXTENSIONS = {"application/pdf": (".pdf",), "image/png": (".png",), "image/jpeg": (".jpg", ".jpeg"),
              "text/plain": (".txt",)}
MAGIC = {"application/pdf": (b"%PDF-",), "image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",)}


@dataclass(frozen=True)
class Field:
    name: str
    label_fr: str
    label_en: str
    type: str
    required: bool = False
    max_length: int = 2000
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    accept: tuple[str, ...] = ("application/pdf",)
    max_bytes: int = 5 * 1024 * 1024

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_fr


def parse_form(data: Mapping[str, Any]) -> list[Field]:
    """The fields of a form definition, checked (FieldError naming `form.fields[i].<key>`)."""
    out: list[Field] = []
    names: set[str] = set()
    for i, raw in enumerate(data.get("fields") or []):
        where = f"form.fields[{i}]"
        name = str(raw.get("name") or "")
        if not NAME_RE.match(name) or name in names:
            raise FieldError(f"{where}.name", "lower-case letters, digits and _; unique")
        names.add(name)
        kind = raw.get("type", "text")
        if kind not in FIELD_TYPES:
            raise FieldError(f"{where}.type", "expected one of {choices}", params={"choices": ', '.join(FIELD_TYPES)})
        accept = tuple(raw.get("accept") or ("application/pdf",))
        unknown = [a for a in accept if a not in EXTENSIONS]
        if unknown:
            raise FieldError(f"{where}.accept", "unsupported type {unknown}", params={"unknown": unknown[0]})
        if kind == "choice" and not raw.get("choices"):
            raise FieldError(f"{where}.choices", "a choice field lists its choices")
        out.append(Field(name=name, label_fr=str(raw.get("label_fr") or name), label_en=str(raw.get("label_en") or name),
                         type=kind, required=bool(raw.get("required")), max_length=int(raw.get("max_length") or 2000),
                         min=raw.get("min"), max=raw.get("max"), choices=tuple(raw.get("choices") or ()),
                         accept=accept, max_bytes=int(raw.get("max_bytes") or 5 * 1024 * 1024)))
    return out


def check_answers(fields: Iterable[Field], raw: Mapping[str, str], *, submitting: bool,
                  attached: set[str] = frozenset()) -> dict[str, Any]:  # type: ignore[assignment]
    """The answers kept (strings, numbers), checked against the form: limits always, required
    fields when submitting (a file field is answered by an attachment)."""
    answers: dict[str, Any] = {}
    for f in fields:
        if f.type == "file":
            if submitting and f.required and f.name not in attached:
                raise FieldError(f.name, "a file is required")
            continue
        value = (raw.get(f.name) or "").strip()
        if not value:
            if submitting and f.required:
                raise FieldError(f.name, "required")
            continue
        if f.type in ("text", "textarea"):
            value = plain_text(f.name, value, f.max_length, markup=True)
        if f.type == "number":
            try:
                number = float(value.replace(",", "."))
            except ValueError:
                raise FieldError(f.name, "{value!r} is not a number", params={"value": value}) from None
            if not math.isfinite(number) or (f.min is not None and number < f.min) or (
                    f.max is not None and number > f.max):
                raise FieldError(f.name, "between {min} and {max}", params={"min": f.min, "max": f.max})
            answers[f.name] = int(number) if number.is_integer() else number
            continue
        if f.type == "choice" and value not in f.choices:
            raise FieldError(f.name, "expected one of {choices}", params={"choices": ', '.join(f.choices)})
        answers[f.name] = value
    return answers


def check_file(f: Field, *, filename: str, content_type: str, head: bytes, size: int, limit: int) -> None:
    """The type (declared, by extension and by its first bytes) and size of an upload."""
    if f.type != "file":
        raise FieldError(f.name, "this field takes no file")
    if content_type not in f.accept:
        raise FieldError(f.name, "type {content_type} not accepted (accepted: {accept})", params={"content_type": content_type or 'unknown', "accept": ', '.join(f.accept)})
    if not filename.lower().endswith(EXTENSIONS[content_type]):
        raise FieldError(f.name, "the file name does not end with {choices}", params={"choices": ' or '.join(EXTENSIONS[content_type])})
    magic = MAGIC.get(content_type)
    if magic and not head.startswith(magic):
        raise FieldError(f.name, "the content is not a {content_type} file", params={"content_type": content_type})
    if size == 0:
        raise FieldError(f.name, "the file is empty")
    largest = min(f.max_bytes, limit)
    if size > largest:
        raise FieldError(f.name, "{size} bytes, over the limit of {largest} bytes", params={"size": size, "largest": largest})


def parse_eligibility(data: Mapping[str, Any]) -> dict[str, Any]:
    known = {"actor_kinds", "regions", "max_company_age_years", "modalities"}
    extra = set(data) - known
    if extra:
        raise FieldError(f"eligibility.{sorted(extra)[0]}", "unknown rule")
    age = data.get("max_company_age_years")
    if age is not None and (not isinstance(age, int) or age < 0):
        raise FieldError("eligibility.max_company_age_years", "a whole number of years")
    return dict(data)


def eligibility_errors(rules: Mapping[str, Any], *, actor_kind: str | None, actor_regions: Iterable[str],
                       answers: Mapping[str, Any], year: int) -> list[FieldError]:
    """Why the applicant is not eligible (empty: eligible)."""
    errors = []
    kinds = rules.get("actor_kinds")
    if kinds and actor_kind not in kinds:
        errors.append(FieldError("actor", "the applicant's kind ({actor_kind}) is not one of {kinds}", params={"actor_kind": actor_kind or 'none', "kinds": ', '.join(kinds)}))
    regions = rules.get("regions")
    if regions and not set(regions) & set(actor_regions):
        errors.append(FieldError("actor", "the applicant has no site in the call's regions ({regions})", params={"regions": ', '.join(regions)}))
    age = rules.get("max_company_age_years")
    if age is not None:
        founded = answers.get("founded_year")
        if not isinstance(founded, int):
            errors.append(FieldError("founded_year", "the year the company was founded is required by this call"))
        elif year - founded > age:
            errors.append(FieldError("founded_year", "the company is older than {age} years", params={"age": age}))
    modalities = rules.get("modalities")
    if modalities and answers.get("modality") not in modalities:
        errors.append(FieldError("modality", "expected one of {modalities}", params={"modalities": ', '.join(modalities)}))
    return errors
