"""Results and figures: laureates published (recorded in the atlas under the call as source),
applicants notified, the public results, an actor's calls won; the observatory's figures."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bioatlas.atlas import service as atlas
from bioatlas.calls.models import Application, Call
from bioatlas.calls.portfolio import figures_portfolio
from bioatlas.calls.reads import CONTEXT, CallError, audit, aware, utcnow, applications_of_call, item_of, list_calls
from bioatlas.core.db import unit_of_work
from bioatlas.notifications import service as notifications
from bioatlas.review import service as review

def laureate_source(session: Session, *, call: Call) -> atlas.Source:
    return atlas.get_or_create_source(session, record=atlas.SourceRecord(
        key=f"call:{call.id}", title=f"{call.title_fr} — lauréats", kind="call", url=f"/calls/{call.id}/results"))


def publish_results(session: Session, *, call: Call, by_user_id: int | None) -> dict:
    """Selected applications become laureates (recorded in the atlas with the call as source),
    the others not selected; every applicant is notified; the results page opens."""
    if call.status != "published":
        raise CallError("status", "results are published once, on a published call", 409)
    apps = applications_of_call(session, call_id=call.id)
    items = {a.id: item_of(session, application=a) for a in apps}
    undecided = [a.id for a in apps if items[a.id] is None or items[a.id].decision is None]  # type: ignore[union-attr]
    if undecided:
        raise CallError("decision", "{count} application(s) have no decision yet (first: #{first})", 409,
                        params={"count": len(undecided), "first": undecided[0]})
    with unit_of_work(session):
        source = laureate_source(session, call=call)
        year = aware(call.closes_at).year  # type: ignore[union-attr]
        laureates = 0
        for a in apps:
            selected = items[a.id].decision == "selected"  # type: ignore[union-attr]
            a.result = "laureate" if selected else "not_selected"
            if selected:
                laureates += 1
                if a.actor_id is not None:
                    atlas.replace_research_facts(session, actor_id=a.actor_id, source=source, facts=[
                        ("call_laureate", f"call:{call.id}", f"{call.title_fr} ({year})")])
            if a.owner_id is not None:
                notifications.notify(session, user_id=a.owner_id, kind="call.result",
                                     context={"call": call.title_fr, "call_en": call.title_en,
                                              "laureate": selected, "id": a.id},
                                     link=f"/applications/{a.id}")
        call.status, call.results_published_at = "results", utcnow()
        audit(session, "call.results_published", user_id=by_user_id, target=f"call:{call.id}",
               laureates=laureates, applications=len(apps))
    return {"laureates": laureates, "applications": len(apps)}


def public_results(session: Session, *, call: Call) -> dict:
    apps = applications_of_call(session, call_id=call.id)
    return {"laureates": [a for a in apps if a.result == "laureate"],
            "others": [a for a in apps if a.result == "not_selected" and a.publish_opt_in]}


def laureate_calls_of_actor(session: Session, *, actor_id: int) -> list[dict]:
    """The calls an actor won (for the actor page)."""
    rows = session.execute(select(Call.id, Call.title_fr, Call.title_en).join(
        Application, Application.call_id == Call.id).where(Application.actor_id == actor_id,
                                                           Application.result == "laureate",
                                                           Call.status == "results")).tuples()
    return [{"id": i, "title_fr": fr, "title_en": en} for i, fr, en in rows]


# --- figures (observatory) ---------------------------------------------------------------------------


def figures(session: Session) -> dict:
    """Applications per call and region (the applicant actor's regions), success rate per call;
    the portfolio's projects and budget by region and modality, milestones on time."""
    per_call = []
    for call in list_calls(session):
        apps = applications_of_call(session, call_id=call.id)
        regions: dict[str, int] = {}
        for a in apps:
            for r in sorted(atlas.actor_scope(session, actor_id=a.actor_id).regions) or ["?"]:
                regions[r] = regions.get(r, 0) + 1
        laureates = sum(1 for a in apps if a.result == "laureate")
        decided = call.status == "results"
        per_call.append({"call": call, "applications": len(apps), "regions": regions, "laureates": laureates,
                         "success_rate": round(100 * laureates / len(apps), 1) if apps and decided else None})
    drafts = session.scalar(select(func.count()).select_from(Application).where(Application.status == "draft")) or 0
    return {"calls": per_call, "drafts": drafts, **figures_portfolio(session)}


def results_csv(session: Session, *, call: Call) -> str:
    """One row per submitted application, best total first: applicant, actor, medians' weighted
    total and its maximum, thresholds met, decision, result (once published)."""
    panel = review.panel_for(session, context_kind=CONTEXT, context_id=call.id)
    apps = {a.id: a for a in applications_of_call(session, call_id=call.id)}
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["application_id", "applicant", "actor_id", "synthetic", "total", "max_total", "passes_thresholds",
                "decision", "result"])
    seen = set()
    for r in review.results(session, panel_id=panel.id) if panel is not None else []:
        a = apps.get(r.subject_id)
        if a is None:
            continue
        seen.add(a.id)
        w.writerow([a.id, a.applicant_name, a.actor_id or "", "yes" if a.synthetic else "no",
                    "" if r.total is None else r.total, r.max_total,
                    "yes" if r.passes_criteria and r.passes_overall else "no", r.decision or "", a.result or ""])
    for a in apps.values():
        if a.id not in seen:
            w.writerow([a.id, a.applicant_name, a.actor_id or "", "yes" if a.synthetic else "no", "", "", "no",
                        "", a.result or ""])
    return buf.getvalue()
