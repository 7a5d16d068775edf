"""Scheduling runs: the solver's problem built from the accepted requests, a queued run, the
background job that solves it and stores the draft, publication, and the organiser's grid."""

from __future__ import annotations

import logging
import time as clock
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bioatlas.core.fields import Word
from bioatlas.events.catalogue import get_event, slots_for
from bioatlas.events.errors import Conflict, FieldError, NotFound
from bioatlas.events.meetings import requests_of
from bioatlas.events.models import Event, MeetingRequest, Participant, ScheduledMeeting, ScheduleRun
from bioatlas.events.registration import participants
from bioatlas.events.scheduling.problem import MUST_MEET, WOULD_LIKE, Meeting, Problem, count_breaks
from bioatlas.events.settings import DEFAULT, day_ranges

log = logging.getLogger(__name__)


def now() -> datetime:
    return datetime.now(timezone.utc)


def build_problem(session: Session, *, event: Event) -> tuple[Problem, list[MeetingRequest], list[Participant]]:
    """The solver's problem for the event's accepted requests (every meeting optional: as many
    as fit, must-meet first; fixed ones required)."""
    settings: dict[str, Any] = event.settings or DEFAULT
    slots = slots_for(event)
    people = participants(session, event_id=event.id)
    index = {p.id: i for i, p in enumerate(people)}
    accepted = [r for r in requests_of(session, event_id=event.id, status="accepted")
                if r.from_id in index and r.to_id in index]  # both still registered
    forbidden = frozenset(settings.get("forbidden") or [])
    meetings = [Meeting(a=index[r.from_id], b=index[r.to_id], fixed=r.fixed_slot,
                        priority=MUST_MEET if r.priority == "must" else WOULD_LIKE,
                        label=f"{_name(people, index, r.from_id)} – {_name(people, index, r.to_id)}")
                for r in accepted]
    problem = Problem(
        n_participants=max(1, len(people)), n_slots=max(1, len(slots)), tables=int(settings.get("tables") or 1),
        meetings=meetings, days=day_ranges(slots) if slots else (),
        capacity=[max(1, p.representatives) for p in people] or [1],
        unavailable=[frozenset(p.unavailable or []) | forbidden for p in people] or [frozenset()],
        require_all=False, fairness=settings.get("fairness"),
        participant_labels=[p.display_name for p in people] or ["-"],
    )
    return problem, accepted, people


def _name(people: list[Participant], index: dict[int, int], participant_id: int) -> str:
    return people[index[participant_id]].display_name


def start_run(session: Session, *, event: Event, user_id: int | None, time_limit: float = 60.0) -> ScheduleRun:
    """A queued run; the caller commits, then the job `events.schedule` runs it."""
    if not slots_for(event):
        raise FieldError("sessions", "set the meeting sessions first")
    running = session.scalar(select(ScheduleRun).where(ScheduleRun.event_id == event.id,
                                                       ScheduleRun.status.in_(("queued", "running"))))
    if running is not None:
        raise Conflict("", "run {run} is still {status}", params={"run": running.id, "status": Word(running.status, "run status")})
    run = ScheduleRun(event_id=event.id, status="queued", created_by=user_id, time_limit=time_limit, conflicts=[],
                      progress={})
    session.add(run)
    session.flush()
    return run


def run_schedule(factory: sessionmaker[Session], *, run_id: int, workers: int = 2) -> str:
    """The job: solve, store the draft; any failure marks the run failed and leaves every other run
    (the published schedule) as it was."""
    with factory() as s:
        run = s.get(ScheduleRun, run_id)
        if run is None or run.status not in ("queued", "running"):
            return "skipped"
        run.status = "running"
        s.commit()
        try:
            event = get_event(s, event_id=run.event_id)
            problem, accepted, _people = build_problem(s, event=event)
            hint = _published_hint(s, event_id=event.id, accepted=accepted)
            last = [0.0]

            def progress(phase: str, objective: float, bound: float, seconds: float) -> None:
                if clock.monotonic() - last[0] < 1.0:
                    return
                last[0] = clock.monotonic()
                with factory() as p:
                    row = p.get(ScheduleRun, run_id)
                    if row is not None:
                        row.progress = {"phase": phase, "objective": objective, "bound": bound,
                                        "seconds": round(seconds, 1)}
                        p.commit()

            from bioatlas.events.scheduling import solver  # OR-Tools (and pandas): loaded when a run solves

            result = solver.solve(problem, time_limit=run.time_limit, workers=workers, hint=hint,
                                  on_progress=progress) if accepted else None
            s.refresh(run)
            run.requested = len(accepted)
            if result is None:
                run.outcome, run.placed, run.total_breaks, run.bound = "optimal", 0, 0, 0
            else:
                run.outcome = result.status
                run.placed = len(result.placements)
                run.total_breaks, run.bound = result.total_breaks, result.bound
                run.conflicts = list(result.conflicts)
                for placement in result.placements:
                    s.add(ScheduledMeeting(run_id=run.id, request_id=accepted[placement.meeting].id,
                                           slot=placement.slot, table_no=placement.table))
            run.status = "done"
            run.finished_at = now()
            s.commit()
            return run.outcome or "done"
        except Exception as exc:  # recorded on the run; the published schedule is untouched
            s.rollback()
            log.exception("schedule run %s failed", run_id)
            row = s.get(ScheduleRun, run_id)
            if row is not None:
                row.status, row.error, row.finished_at = "failed", f"{type(exc).__name__}: {exc}"[:2000], now()
                s.execute(delete(ScheduledMeeting).where(ScheduledMeeting.run_id == run_id))
                s.commit()
            return "failed"


def _published_hint(session: Session, *, event_id: int, accepted: list[MeetingRequest]) -> dict[int, int]:
    """{meeting index: slot} of the published schedule: re-scheduling starts from it."""
    run = published_run(session, event_id=event_id)
    if run is None:
        return {}
    slot_of = {m.request_id: m.slot for m in session.scalars(select(ScheduledMeeting)
                                                              .where(ScheduledMeeting.run_id == run.id))}
    return {i: slot_of[r.id] for i, r in enumerate(accepted) if r.id in slot_of}


def publish(session: Session, *, event: Event, run_id: int) -> ScheduleRun:
    run = session.get(ScheduleRun, run_id)
    if run is None or run.event_id != event.id:
        raise NotFound(f"no run {run_id}")
    if run.status != "done" or run.outcome not in ("optimal", "feasible"):
        raise Conflict("", "only a finished run with a schedule can be published")
    for other in session.scalars(select(ScheduleRun).where(ScheduleRun.event_id == event.id,
                                                           ScheduleRun.published_at.is_not(None))):
        other.published_at = None
    run.published_at = datetime.now(timezone.utc)
    session.flush()
    return run


def published_run(session: Session, *, event_id: int) -> ScheduleRun | None:
    return session.scalar(select(ScheduleRun).where(ScheduleRun.event_id == event_id,
                                                    ScheduleRun.published_at.is_not(None)))


def latest_run(session: Session, *, event_id: int) -> ScheduleRun | None:
    return session.scalar(select(ScheduleRun).where(ScheduleRun.event_id == event_id)
                          .order_by(ScheduleRun.id.desc()).limit(1))


def runs_of(session: Session, *, event_id: int) -> list[ScheduleRun]:
    return list(session.scalars(select(ScheduleRun).where(ScheduleRun.event_id == event_id)
                                .order_by(ScheduleRun.id.desc())))


def schedule_rows(session: Session, *, event: Event, run: ScheduleRun) -> list[dict[str, Any]]:
    """The organiser's grid: one row per slot, its meetings by table."""
    slots = slots_for(event)
    names = {p.id: p.display_name for p in participants(session, event_id=event.id, status=None)}
    requests = {r.id: r for r in requests_of(session, event_id=event.id)}
    by_slot: dict[int, list[dict[str, Any]]] = {}
    for m in session.scalars(select(ScheduledMeeting).where(ScheduledMeeting.run_id == run.id)):
        r = requests.get(m.request_id)
        if r is None:
            continue
        by_slot.setdefault(m.slot, []).append({"table": m.table_no + 1, "a": names.get(r.from_id, "?"),
                                               "b": names.get(r.to_id, "?"), "priority": r.priority,
                                               "fixed": r.fixed_slot is not None, "request_id": r.id})
    return [{"slot": s, "meetings": sorted(by_slot.get(s.index, []), key=lambda x: x["table"])} for s in slots]


def breaks_summary(session: Session, *, event: Event, run: ScheduleRun) -> dict[str, int] | None:
    """Each participant's breaks in a stored schedule (idle periods between two of its meetings in
    a day, counted as the solver does): the smallest, the largest, the spread, the event's fairness
    bound and how far the spread exceeds it (with optional meetings the solver widens the bound
    rather than leave a meeting out, and the organiser must see it). None without a meeting."""
    slots = slots_for(event)
    people = participants(session, event_id=event.id)  # as the solver counts: every registered participant
    index = {p.id: i for i, p in enumerate(people)}
    requests = {r.id: r for r in requests_of(session, event_id=event.id)}
    meetings: list[Meeting] = []
    slot_of: dict[int, int] = {}
    for m in session.scalars(select(ScheduledMeeting).where(ScheduledMeeting.run_id == run.id)):
        r = requests.get(m.request_id)
        if r is not None and r.from_id in index and r.to_id in index:
            slot_of[len(meetings)] = m.slot
            meetings.append(Meeting(a=index[r.from_id], b=index[r.to_id]))
    if not meetings:
        return None
    problem = Problem(n_participants=len(people), n_slots=max(1, len(slots)), tables=1, meetings=meetings,
                      days=day_ranges(slots) if slots else ())
    breaks = count_breaks(problem, slot_of)
    fairness = (event.settings or DEFAULT).get("fairness")
    spread = max(breaks) - min(breaks)
    return {"least": min(breaks), "most": max(breaks), "total": sum(breaks), "spread": spread,
            "fairness": fairness if fairness is not None else -1,
            "excess": max(0, spread - fairness) if fairness is not None else 0}
