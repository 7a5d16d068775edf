"""Checks before search: a problem that is not well formed (`ProblemError`), and the conflicts
visible without search (a required meeting with no slot left, a participant with more required
meetings than free slots)."""

from __future__ import annotations

from bioatlas.events.scheduling.problem import Problem


class ProblemError(ValueError):
    """A problem that is not well formed (not an infeasibility: bad indexes, a self-meeting)."""


def validate(problem: Problem) -> None:
    n, slots = problem.n_participants, problem.n_slots
    if n < 1 or slots < 1 or problem.tables < 1:
        raise ProblemError("participants, slots and tables must each be at least 1")
    for m, meeting in enumerate(problem.meetings):
        for p in (meeting.a, meeting.b):
            if not 0 <= p < n:
                raise ProblemError(f"{problem.meeting_label(m)}: participant {p + 1} is not a participant")
        if meeting.a == meeting.b:
            raise ProblemError(f"{problem.meeting_label(m)}: a participant cannot meet itself")
        if meeting.fixed is not None and not 0 <= meeting.fixed < slots:
            raise ProblemError(f"{problem.meeting_label(m)}: fixed slot {meeting.fixed + 1} is outside 1..{slots}")
    for before, after in problem.precedences:
        if not (0 <= before < len(problem.meetings) and 0 <= after < len(problem.meetings)) or before == after:
            raise ProblemError(f"precedence {before + 1} before {after + 1}: not two distinct meetings")
    covered: list[int] = []
    for first, last in problem.day_ranges():
        if not 0 <= first <= last < slots:
            raise ProblemError(f"day {first + 1}..{last + 1}: outside the slots 1..{slots}")
        covered.extend(range(first, last + 1))
    if len(set(covered)) != len(covered):
        raise ProblemError("days overlap")
    if problem.capacity and (len(problem.capacity) != n or min(problem.capacity) < 1):
        raise ProblemError("capacity: one number >= 1 per participant")
    if problem.unavailable and len(problem.unavailable) != n:
        raise ProblemError("unavailable: one set per participant")


def required(problem: Problem, m: int) -> bool:
    return problem.require_all or problem.meetings[m].fixed is not None


def precheck(problem: Problem) -> list[str]:
    """Conflicts visible without search: a required meeting with no slot left, a participant
    with more required meetings than slots it can meet in."""
    conflicts: list[str] = []
    for m, meeting in enumerate(problem.meetings):
        if required(problem, m) and not problem.allowed_slots(m):
            reasons = []
            if meeting.fixed is not None:
                reasons.append(f"fixed at slot {meeting.fixed + 1}")
            if meeting.slots is not None:
                reasons.append(f"only in slots {ranges(meeting.slots)}")
            for p in (meeting.a, meeting.b):
                if problem.unavailable_of(p):
                    reasons.append(f"{problem.participant_label(p)} unavailable in slots "
                                   f"{ranges(problem.unavailable_of(p))}")
            conflicts.append(f"{problem.meeting_label(m)}: no slot left ({'; '.join(reasons) or 'no slot'})")
    for p in range(problem.n_participants):
        needed = [m for m, meeting in enumerate(problem.meetings)
                  if p in (meeting.a, meeting.b) and required(problem, m)]
        room = (problem.n_slots - len(problem.unavailable_of(p))) * problem.capacity_of(p)
        if len(needed) > room:
            conflicts.append(f"{problem.participant_label(p)}: {len(needed)} meetings to hold "
                             f"but only {room} free slots")
    return conflicts



def ranges(slots) -> str:
    """{1, 2, 3, 7} (0-based) -> "2-4, 8" (1-based)."""
    out: list[str] = []
    run: list[int] = []
    for t in sorted(slots):
        if run and t == run[-1] + 1:
            run.append(t)
            continue
        if run:
            out.append(f"{run[0] + 1}" if len(run) == 1 else f"{run[0] + 1}-{run[-1] + 1}")
        run = [t]
    if run:
        out.append(f"{run[0] + 1}" if len(run) == 1 else f"{run[0] + 1}-{run[-1] + 1}")
    return ", ".join(out)
