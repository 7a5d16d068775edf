"""Why a reviewer is in conflict, in the reader's language. A conflict is stored as its reason
code and parameters (actor ids, the atlas relation, the declared note, the agreement's subject),
never as prose: the text is written when it is read, through the translator, with the actors'
current names."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from bioatlas.atlas import service as atlas
from bioatlas.core.fields import FieldError, Said
from bioatlas.core.i18n import Translator

ENGLISH = Translator("en")
NOTE_LIMIT = 150  # a stored exclusion's parameters stay well under its 500 characters


def params_json(params: Mapping[str, Any]) -> str:
    """What an exclusion stores: `{"params": {...}}` (short texts cut to NOTE_LIMIT)."""
    kept = {k: (v[:NOTE_LIMIT] if isinstance(v, str) else v) for k, v in params.items()}
    return json.dumps({"params": kept}, ensure_ascii=False)


def stored_params(detail: str | None) -> dict[str, Any] | None:
    """The parameters of a stored exclusion, or None for one stored as prose before."""
    try:
        data = json.loads(detail or "")
    except ValueError:
        return None
    return data.get("params") if isinstance(data, dict) and isinstance(data.get("params"), dict) else None


def actor_ids(params: Mapping[str, Any]) -> set[int]:
    return {int(params[k]) for k in ("actor", "a", "b") if isinstance(params.get(k), int)}


def describe(reason: str, params: Mapping[str, Any], *, t: Callable[..., str], names: Mapping[int, str]) -> str:
    """One conflict in the reader's language (`t`), actors by their names."""
    def name(key: str) -> str:
        value = params.get(key)
        return names.get(value, f"#{value}") if isinstance(value, int) else "?"

    if reason == "own_submission":
        return t("the reviewer submitted this application")
    if reason == "same_actor":
        return t("member of the applicant {actor}", actor=name("actor"))
    if reason == "co_applicant":
        return t("member of the co-applicant {actor}", actor=name("actor"))
    if reason == "parent_child":
        relation, a, b = params.get("relation"), name("a"), name("b")
        if relation == "part_of":
            return t("{a} is part of {b} (atlas relation)", a=a, b=b)
        if relation == "supervised_by":
            return t("{a} is supervised by {b} (atlas relation)", a=a, b=b)
        if relation == "spun_out_of":
            return t("{a} is a spin-off of {b} (atlas relation)", a=a, b=b)
        return t("{a} is a member of {b} (atlas relation)", a=a, b=b)
    if reason == "partner":
        return t("{a} and {b} are partners in the atlas", a=name("a"), b=name("b"))
    if reason == "agreement":
        return t("{a} and {b} are partners in a recorded agreement: {what}", a=name("a"), b=name("b"),
                 what=params.get("what") or "")
    if reason == "declared":
        if params.get("note"):
            return t("declared conflict with {actor}: {note}", actor=name("actor"), note=params["note"])
        return t("declared conflict with {actor}", actor=name("actor"))
    if reason == "previous_round":
        return t("reviewed an earlier round of this application")
    return reason


def names_of(session: Session, ids: Iterable[int]) -> dict[int, str]:
    return {i: a.name for i, a in atlas.load_actors(session, ids=ids).items()}


def exclusion_texts(session: Session, exclusions: Iterable[Any], *, t: Callable[..., str]) -> dict[int, str]:
    """{exclusion id: why, in the reader's language}; one stored as prose is shown as it is."""
    rows = list(exclusions)
    parsed = {e.id: stored_params(e.detail) for e in rows}
    names = names_of(session, set().union(*(actor_ids(p) for p in parsed.values() if p)) if rows else set())
    return {e.id: describe(e.reason, parsed[e.id], t=t, names=names) if parsed[e.id] is not None else e.detail
            for e in rows}


def conflicts_refusal(session: Session, conflicts: Iterable[Any]) -> FieldError:
    """The 403 of a reviewer in conflict (the action itself refused, no field): every conflict
    with its code and its reason, in English in `.message` (the JSON detail, the audit log) and in
    the reader's language on pages and in the JSON `message`."""
    rows = list(conflicts)
    names = names_of(session, set().union(*(actor_ids(c.params) for c in rows)) if rows else set())
    reasons = Said(lambda t: "; ".join(f"{describe(c.reason, c.params, t=t, names=names)} ({c.reason})" for c in rows))
    return FieldError("", "Conflict of interest: {reasons}", 403, params={"reasons": reasons})

