"""The portfolio of structuring projects: partners (atlas actors with roles), budget and funding
sources, start and end, milestones with dates and status, deliverables; progress per project
(share of milestones done) and per portfolio; the figures the observatory shows (projects and
budget by region and modality, milestones on time). Each project cites its source (a seed
article, a call, "synthetic demonstration")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bioatlas.atlas import service as atlas
from bioatlas.calls.models import (
    MILESTONE_STATUSES,
    PARTNER_ROLES,
    Deliverable,
    Milestone,
    PortfolioProject,
    ProjectFunding,
    ProjectPartner,
)
from bioatlas.core.db import unit_of_work
from bioatlas.core.fields import FieldError


class PortfolioError(FieldError):
    """A refused value of a portfolio project (422): `PortfolioError(field, message id, params=…)`,
    `str()` "field: English message" (the API's detail), pages and the JSON `message` in the
    reader's language (was English text only)."""

    def __init__(self, field: str, message: str, *, params: dict | None = None) -> None:
        super().__init__(field, message, params=params)


def _date(value: Any, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise PortfolioError(field, "{value!r} is not a date (YYYY-MM-DD)", params={"value": value}) from None


def _milestone(project: PortfolioProject, m: Mapping, where: str) -> Milestone:
    title = str(m.get("title") or "").strip()
    if not title or len(title) > 300:
        raise PortfolioError(f"{where}.title", "required, at most 300 characters")
    due = _date(m.get("due_date"), f"{where}.due_date")
    if due < project.start_date:
        raise PortfolioError(f"{where}.due_date", "{day} is before the project's start ({start})",
                             params={"day": due.isoformat(), "start": project.start_date.isoformat()})
    status = m.get("status", "planned")
    if status not in MILESTONE_STATUSES:
        raise PortfolioError(f"{where}.status", "expected one of {allowed}", params={"allowed": ", ".join(MILESTONE_STATUSES)})
    done = _date(m["done_date"], f"{where}.done_date") if m.get("done_date") else None
    if done is not None and done < project.start_date:
        raise PortfolioError(f"{where}.done_date", "before the project's start")
    return Milestone(title=title, due_date=due, status=status, done_date=done)


def create_project(session: Session, *, title: str, summary: str = "", region: str | None, modality: str | None,
                   start_date: Any, end_date: Any, budget_eur: float | None, source_key: str, source_title: str,
                   source_kind: str = "file", source_url: str | None = None,
                   partners: Sequence[tuple[int, str]] = (), funding: Sequence[tuple[str, float | None]] = (),
                   milestones: Sequence[Mapping] = (), deliverables: Sequence[Mapping] = (),
                   roadmap_code: str | None = None, roadmap_action: int | None = None,
                   call_id: int | None = None) -> PortfolioProject:
    """A project with everything it holds, checked first (PortfolioError naming the field; nothing
    stored on an error). Idempotent on (title, source): the same project is replaced."""
    if not title.strip() or len(title) > 300:
        raise PortfolioError("title", "required, at most 300 characters")
    start, end = _date(start_date, "start_date"), _date(end_date, "end_date")
    if end < start:
        raise PortfolioError("end_date", "{end} is before the start ({start})",
                             params={"end": end.isoformat(), "start": start.isoformat()})
    if modality is not None and modality not in atlas.taxonomies()["modalities"].terms:
        raise PortfolioError("modality", "unknown code {code!r} (see the modalities taxonomy)", params={"code": modality})
    if budget_eur is not None and budget_eur < 0:
        raise PortfolioError("budget_eur", "cannot be negative")
    for i, (actor_id, role) in enumerate(partners):
        if role not in PARTNER_ROLES:
            raise PortfolioError(f"partners[{i}].role", "expected one of {allowed}", params={"allowed": ", ".join(PARTNER_ROLES)})
        if not atlas.actor_exists(session, actor_id=actor_id):
            raise PortfolioError(f"partners[{i}].actor", "no actor number {actor}", params={"actor": actor_id})
    with unit_of_work(session):
        source = atlas.get_or_create_source(session, record=atlas.SourceRecord(
            key=source_key, title=source_title, kind=source_kind, url=source_url))
        existing = session.scalar(select(PortfolioProject).where(PortfolioProject.title == title.strip(),
                                                                  PortfolioProject.source_id == source.id))
        if existing is not None:
            session.delete(existing)
            session.flush()
        p = PortfolioProject(title=title.strip(), summary=summary, region=region, modality=modality, start_date=start,
                             end_date=end, budget_eur=budget_eur, call_id=call_id, roadmap_code=roadmap_code,
                             roadmap_action=roadmap_action, source_id=source.id)
        seen = set()
        for actor_id, role in partners:
            if actor_id not in seen:
                seen.add(actor_id)
                p.partners.append(ProjectPartner(actor_id=actor_id, role=role))
        for funder, amount in funding:
            p.funding.append(ProjectFunding(funder=funder, amount_eur=amount))
        by_title = {}
        for i, m in enumerate(milestones):
            row = _milestone(p, m, f"milestones[{i}]")
            p.milestones.append(row)
            by_title[row.title] = row
        session.add(p)
        session.flush()
        for i, d in enumerate(deliverables):
            milestone = by_title.get(d.get("milestone") or "")
            if d.get("milestone") and milestone is None:
                raise PortfolioError(f"deliverables[{i}].milestone", "no milestone {milestone!r}",
                                     params={"milestone": d["milestone"]})
            delivered = _date(d["delivered_on"], f"deliverables[{i}].delivered_on") if d.get("delivered_on") else None
            p.deliverables.append(Deliverable(title=str(d["title"]), milestone_id=milestone.id if milestone else None,
                                              delivered_on=delivered))
        session.flush()
    return p


def add_milestone(session: Session, *, project: PortfolioProject, title: str, due_date: Any,
                  status: str = "planned") -> Milestone:
    row = _milestone(project, {"title": title, "due_date": due_date, "status": status}, "milestone")
    with unit_of_work(session):
        project.milestones.append(row)
        session.flush()
    return row


def set_milestone(session: Session, *, project: PortfolioProject, milestone_id: int, status: str,
                  done_date: Any = None) -> Milestone:
    m = next((m for m in project.milestones if m.id == milestone_id), None)
    if m is None:
        raise PortfolioError("milestone", "no milestone {milestone} in this project", params={"milestone": milestone_id})
    if status not in MILESTONE_STATUSES:
        raise PortfolioError("status", "expected one of {allowed}", params={"allowed": ", ".join(MILESTONE_STATUSES)})
    done = _date(done_date, "done_date") if done_date else (date.today() if status == "done" else None)
    if done is not None and done < project.start_date:
        raise PortfolioError("done_date", "{day} is before the project's start ({start})",
                             params={"day": done.isoformat(), "start": project.start_date.isoformat()})
    with unit_of_work(session):
        m.status, m.done_date = status, done
    return m


def _query():
    return select(PortfolioProject).options(
        selectinload(PortfolioProject.partners), selectinload(PortfolioProject.funding),
        selectinload(PortfolioProject.milestones), selectinload(PortfolioProject.deliverables))


def get_project(session: Session, *, project_id: int) -> PortfolioProject | None:
    return session.scalar(_query().where(PortfolioProject.id == project_id))


def list_projects(session: Session) -> list[PortfolioProject]:
    return list(session.scalars(_query().order_by(PortfolioProject.start_date, PortfolioProject.id)))


def on_time(m: Milestone, today: date) -> bool | None:
    """Done by its due date (True), done late or overdue (False), not due yet (None)."""
    if m.status == "cancelled":
        return None
    if m.done_date is not None:
        return m.done_date <= m.due_date
    return None if m.due_date >= today else False


def progress(p: PortfolioProject) -> dict:
    live = [m for m in p.milestones if m.status != "cancelled"]
    done = sum(1 for m in live if m.status == "done")
    return {"milestones": len(live), "done": done, "pct": round(100 * done / len(live)) if live else None}


def project_dict(session: Session, p: PortfolioProject, *, today: date | None = None) -> dict:
    today = today or date.today()
    actors = atlas.load_actors(session, ids=[x.actor_id for x in p.partners])
    sources = atlas.find_sources(session, ids=[p.source_id])
    return {
        "id": p.id, "title": p.title, "summary": p.summary, "region": p.region, "modality": p.modality,
        "start_date": p.start_date, "end_date": p.end_date, "budget_eur": p.budget_eur,
        "funding": [{"funder": f.funder, "amount_eur": f.amount_eur} for f in p.funding],
        "partners": [{"id": x.actor_id, "name": actors[x.actor_id].name if x.actor_id in actors else f"#{x.actor_id}",
                      "role": x.role} for x in sorted(p.partners, key=lambda x: (x.role != "lead", x.actor_id))],
        "milestones": [{"id": m.id, "title": m.title, "due_date": m.due_date, "status": m.status,
                        "done_date": m.done_date, "on_time": on_time(m, today)} for m in p.milestones],
        "deliverables": [{"title": d.title, "delivered_on": d.delivered_on, "milestone_id": d.milestone_id}
                         for d in p.deliverables],
        "progress": progress(p), "roadmap_code": p.roadmap_code, "roadmap_action": p.roadmap_action,
        "source": {"title": sources[0].title, "url": sources[0].url, "kind": sources[0].kind} if sources else None,
    }


def projects_for_roadmap(session: Session, *, code: str) -> dict[int, list[dict]]:
    """The portfolio's projects linked to a roadmap's actions, by action number."""
    out: dict[int, list[dict]] = {}
    for p in session.scalars(_query().where(PortfolioProject.roadmap_code == code).order_by(PortfolioProject.id)):
        if p.roadmap_action is not None:
            out.setdefault(p.roadmap_action, []).append(project_dict(session, p))
    return out


def agreements(session: Session) -> list[tuple[int, int, str]]:
    """Recorded agreements for the conflict-of-interest check: two partners of one project."""
    out = []
    for p in list_projects(session):
        ids = sorted(x.actor_id for x in p.partners)
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                out.append((a, b, p.title))  # the conflict reads "… partners in a recorded agreement: <title>"
    return out


def figures_portfolio(session: Session, *, today: date | None = None) -> dict:
    today = today or date.today()
    projects = list_projects(session)
    by_region: dict[str, dict] = {}
    by_modality: dict[str, dict] = {}
    for p in projects:
        for key, table in ((p.region or "?", by_region), (p.modality or "?", by_modality)):
            row = table.setdefault(key, {"projects": 0, "budget_eur": 0.0})
            row["projects"] += 1
            row["budget_eur"] += p.budget_eur or 0.0
    judged = [on_time(m, today) for p in projects for m in p.milestones]
    known = [j for j in judged if j is not None]
    done = sum(1 for p in projects for m in p.milestones if m.status == "done")
    live = sum(1 for p in projects for m in p.milestones if m.status != "cancelled")
    return {"projects": len(projects), "budget_eur": sum(p.budget_eur or 0 for p in projects),
            "by_region": by_region, "by_modality": by_modality,
            "milestones_on_time": sum(1 for j in known if j), "milestones_judged": len(known),
            "portfolio_pct": round(100 * done / live) if live else None}


def portfolio_by_region_and_modality(session: Session) -> dict[tuple[str, str], dict]:
    """Projects and budget per (region, modality); `?` when not stated."""
    out: dict[tuple[str, str], dict] = {}
    for p in list_projects(session):
        row = out.setdefault((p.region or "?", p.modality or "?"), {"projects": 0, "budget_eur": 0.0})
        row["projects"] += 1
        row["budget_eur"] += p.budget_eur or 0.0
    return out
