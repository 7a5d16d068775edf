"""Roadmap pages and the status change of an action.

The pages read `service.get_roadmap()` and add, per action, its structuring projects (budget,
funding, partners: the recorded ones, then those rooms follow on the roadmap, from the plug-in
hook `bioatlas_roadmap_projects`: the calls portfolio's, with their milestones and progress) and
the dated history of its status; per axis, the progress as shares of actions done and in
progress, with the number whose status is unknown said explicitly.

`set_action_status()` is what `PATCH /api/v1/roadmaps/actions/{id}` calls (admin token for now;
accounts will replace the token later): it checks the status, records an `ActionStatusChange`
(old → new, date, who, note) and updates the action, in one transaction left to the caller.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bioatlas.core.db import unit_of_work
from bioatlas.core.plugins import grouped
from bioatlas.observatory import service
from bioatlas.observatory.models import (
    ACTION_STATUSES,
    ActionStatusChange,
    Project,
    RoadmapAction,
)


class ActionNotFound(LookupError):
    pass


class InvalidStatus(ValueError):
    pass


def axis_progress(progress: dict) -> dict:
    """Shares (percent) of actions done and in progress, and how many have no known status."""
    total = progress["actions"]
    counts = progress["by_status"]
    if not total:
        return {"actions": 0, "done_pct": None, "in_progress_pct": None, "unknown": 0, "all_unknown": False}
    return {
        "actions": total,
        "done": counts.get("done", 0), "in_progress": counts.get("in_progress", 0),
        "planned": counts.get("planned", 0), "abandoned": counts.get("abandoned", 0),
        "done_pct": round(100 * counts.get("done", 0) / total),
        "in_progress_pct": round(100 * counts.get("in_progress", 0) / total),
        "unknown": counts.get("unknown", 0),
        "all_unknown": counts.get("unknown", 0) == total,
    }


def _projects(session: Session, action_ids: list[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = defaultdict(list)
    if not action_ids:
        return out
    for p in session.scalars(select(Project).where(Project.action_id.in_(action_ids))
                             .options(selectinload(Project.partners), selectinload(Project.source)).order_by(Project.id)):
        out[p.action_id].append({
            "title": p.title, "budget_eur": p.budget_eur, "funding_source": p.funding_source,
            "partners": [{"id": a.id, "name": a.name} for a in p.partners], "source": service.source_dict(p.source),
        })
    return out


def _changes(session: Session, action_ids: list[int]) -> dict[int, list[ActionStatusChange]]:
    out: dict[int, list[ActionStatusChange]] = defaultdict(list)
    if action_ids:
        for c in session.scalars(select(ActionStatusChange).where(ActionStatusChange.action_id.in_(action_ids))
                                 .order_by(ActionStatusChange.changed_at, ActionStatusChange.id)):
            out[c.action_id].append(c)
    return out


def roadmap_page(session: Session, *, code: str, lang: str = "fr") -> dict | None:
    roadmap = service.get_roadmap(session, code=code, lang=lang)
    if roadmap is None:
        return None
    ids = [a["id"] for axis in roadmap["axes"] for a in axis["actions"]]
    projects, changes = _projects(session, ids), _changes(session, ids)
    followed = grouped("bioatlas_roadmap_projects", session=session, code=code)  # with milestones
    for axis in roadmap["axes"]:
        axis["shares"] = axis_progress(axis["progress"])
        for a in axis["actions"]:
            a["projects"] = projects.get(a["id"], []) + followed.get(a["number"], [])
            a["changes"] = changes.get(a["id"], [])
    roadmap["shares"] = axis_progress(roadmap["progress"])
    return roadmap


def list_page(session: Session, *, lang: str = "fr") -> list[dict]:
    roadmaps = service.list_roadmaps(session, lang=lang)
    for r in roadmaps:
        r["shares"] = axis_progress(r["progress"])
    return roadmaps


def set_action_status(session: Session, *, action_id: int, status: str, by: str, note: str | None = None,
                      roadmap: str | None = None, now: datetime | None = None,
                      ) -> tuple[RoadmapAction, ActionStatusChange]:
    """Set an action's status and record the change (one unit of work, committed). ActionNotFound
    when there is no such action (or it is not in `roadmap`, when given), InvalidStatus for a
    status outside ACTION_STATUSES."""
    with unit_of_work(session):
        action = session.get(RoadmapAction, action_id, options=[selectinload(RoadmapAction.axis)])
        if action is None or (roadmap is not None and action.axis.roadmap.code != roadmap):
            raise ActionNotFound(f"no roadmap action with id {action_id}"
                                 + (f" in roadmap {roadmap!r}" if roadmap is not None else ""))
        if status not in ACTION_STATUSES:
            raise InvalidStatus(f"status: {status!r} is not one of {', '.join(ACTION_STATUSES)}")
        change = ActionStatusChange(action_id=action.id, old_status=action.status, new_status=status,
                                    changed_at=now or datetime.now(timezone.utc), changed_by=by, note=note)
        session.add(change)
        action.status = status
        session.flush()
    return action, change
