"""The scheduler: OR-Tools CP-SAT over the model of Bofill et al. (JAIR 74, 2022), extended with
optional meetings (as many as possible, must-meet first), several representatives per
participant, several days and fixed meetings.

Variables: `x[m, t]` (meeting m in slot t, only for the slots it may take); `busy[p, t]`
(participant p meets in slot t); `start[p, t]` (a block of consecutive meetings of p starts at t,
exactly: busy now and not in the previous slot of the same day). A participant's breaks are its
block starts minus the days it meets on. Hard constraints: one slot per placed meeting, at most
`capacity[p]` meetings of p per slot, at most `tables` meetings per slot, precedences, fixed
slots, unavailable slots, and the fairness bound (max breaks - min breaks <= d over every
participant, as in the paper). Implied constraint (the paper's imp2): at most 2 x tables busy
participants per slot.

Solved lexicographically: first the meetings held (skipped when every meeting is required),
then the total breaks with the first phase's count kept. When the model is infeasible a second,
diagnostic model puts every requirement that can be dropped (each fixed meeting, each
precedence, each participant's unavailable slots, each session wish, each required meeting, the
table count, fairness) behind an assumption literal; CP-SAT returns a subset of them that cannot
hold together, shrunk by deletion, and the result names it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from bioatlas.events.scheduling import greedy
from bioatlas.events.scheduling.problem import MUST_MEET, Placement, Problem, Result, assign_tables, count_breaks

Progress = Callable[[str, float, float, float], None]  # (phase, objective, bound, seconds)


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


def _required(problem: Problem, m: int) -> bool:
    return problem.require_all or problem.meetings[m].fixed is not None


@dataclass
class _Model:
    model: cp_model.CpModel
    x: dict[tuple[int, int], cp_model.IntVar]
    held: list  # BoolVar or constant 1
    breaks: list  # linear expressions per participant
    assumptions: dict[int, str] = field(default_factory=dict)  # literal index -> what it stands for
    literals: dict[int, cp_model.IntVar] = field(default_factory=dict)  # literal index -> the literal
    slack: cp_model.IntVar | None = None  # how far fairness is widened (optional meetings only)


def _build(problem: Problem, *, diagnose: bool = False) -> _Model:
    """The CP-SAT model. `diagnose`: requirements behind assumption literals (see module doc)."""
    model = cp_model.CpModel()
    meetings = problem.meetings
    assumptions: dict[int, str] = {}
    literals: dict[int, cp_model.IntVar] = {}

    def assume(label: str):
        lit = model.new_bool_var(label)
        assumptions[lit.index] = label
        literals[lit.index] = lit
        return lit

    # slots each meeting may take: in diagnosis every slot, with the restrictions as assumptions
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    by_participant_slot: dict[tuple[int, int], list] = {}
    by_slot: dict[int, list] = {}
    held: list = []
    for m, meeting in enumerate(meetings):
        slots = range(problem.n_slots) if diagnose else problem.allowed_slots(m)
        for t in slots:
            var = model.new_bool_var(f"x{m}_{t}")
            x[m, t] = var
            by_participant_slot.setdefault((meeting.a, t), []).append(var)
            by_participant_slot.setdefault((meeting.b, t), []).append(var)
            by_slot.setdefault(t, []).append(var)
        placed = [x[m, t] for t in slots]
        if _required(problem, m) and not diagnose:
            model.add_exactly_one(placed)
            held.append(1)
        else:
            flag = model.new_bool_var(f"held{m}")
            model.add(sum(placed) == flag)
            held.append(flag)
            if diagnose and problem.require_all:
                model.add_implication(assume(f"{problem.meeting_label(m)} must be held"), flag)
        if diagnose:
            if meeting.fixed is not None:
                lit = assume(f"{problem.meeting_label(m)} fixed at slot {meeting.fixed + 1}")
                model.add(x[m, meeting.fixed] == 1).only_enforce_if(lit)
            if meeting.slots is not None and set(meeting.slots) != set(range(problem.n_slots)):
                outside = [t for t in range(problem.n_slots) if t not in meeting.slots]
                lit = assume(f"{problem.meeting_label(m)} only in slots {_ranges(meeting.slots)}")
                for t in outside:
                    model.add(x[m, t] == 0).only_enforce_if(lit)

    if diagnose:
        for p in range(problem.n_participants):
            forbidden = sorted(problem.unavailable_of(p))
            if forbidden:
                lit = assume(f"{problem.participant_label(p)} unavailable in slots {_ranges(forbidden)}")
                for t in forbidden:
                    for var in by_participant_slot.get((p, t), []):
                        model.add(var == 0).only_enforce_if(lit)

    # one meeting per representative and slot; busy flags
    busy: dict[tuple[int, int], cp_model.IntVar] = {}
    for (p, t), vars_ in by_participant_slot.items():
        cap = problem.capacity_of(p)
        if cap == 1:
            model.add_at_most_one(vars_)
            if len(vars_) == 1:
                busy[p, t] = vars_[0]
            else:
                flag = model.new_bool_var(f"busy{p}_{t}")
                model.add(sum(vars_) == flag)
                busy[p, t] = flag
        else:
            model.add(sum(vars_) <= cap)
            flag = model.new_bool_var(f"busy{p}_{t}")
            model.add_max_equality(flag, vars_)
            busy[p, t] = flag

    # tables, and the implied bound on busy participants per slot (imp2)
    tables_lit = assume(f"at most {problem.tables} tables per slot") if diagnose else None
    busy_by_slot: dict[int, list] = {}
    for (_p, t), flag in busy.items():
        busy_by_slot.setdefault(t, []).append(flag)
    for t, vars_ in by_slot.items():
        if len(vars_) > problem.tables:
            constraint = model.add(sum(vars_) <= problem.tables)
            if tables_lit is not None:
                constraint.only_enforce_if(tables_lit)
            elif len(busy_by_slot.get(t, [])) > 2 * problem.tables:
                model.add(sum(busy_by_slot[t]) <= 2 * problem.tables)

    # precedences, on the slot index of each meeting
    if problem.precedences:
        when: dict[int, object] = {}

        def slot_expr(m: int):
            if m not in when:
                when[m] = sum(t * var for (mm, t), var in x.items() if mm == m)
            return when[m]

        for before, after in problem.precedences:
            enforce = [v for v in (held[before], held[after]) if not isinstance(v, int)]
            if diagnose:
                enforce.append(assume(f"{problem.meeting_label(before)} before {problem.meeting_label(after)}"))
            constraint = model.add(slot_expr(before) < slot_expr(after))
            if enforce:
                constraint.only_enforce_if(enforce)

    # breaks: block starts minus days met on
    breaks: list = []
    for p in range(problem.n_participants):
        slots_of_p = [t for t in range(problem.n_slots) if (p, t) in busy]
        if len(slots_of_p) < 2 or sum(1 for m in meetings if p in (m.a, m.b)) < 2:
            breaks.append(0)
            continue
        starts: list = []
        days_used: list = []
        for first, last in problem.day_ranges():
            day = [t for t in range(first, last + 1) if (p, t) in busy]
            if not day:
                continue
            if len(day) == 1:
                continue  # one possible slot that day: never a break there
            used = model.new_bool_var(f"day{p}_{first}")
            model.add_max_equality(used, [busy[p, t] for t in day])
            days_used.append(used)
            for t in day:
                now = busy[p, t]
                prev = busy.get((p, t - 1)) if t > first else None
                if prev is None:
                    starts.append(now)  # a block starts here whenever p meets here
                    continue
                start = model.new_bool_var(f"start{p}_{t}")
                model.add_implication(start, now)
                model.add_implication(start, prev.negated())
                model.add_bool_or([start, now.negated(), prev])
                starts.append(start)
        if not days_used:
            breaks.append(0)
            continue
        count = model.new_int_var(0, problem.n_slots // 2, f"breaks{p}")
        model.add(count == sum(starts) - sum(days_used))
        breaks.append(count)

    # fairness: hard when every meeting is required (the paper); otherwise widened by `slack`, so
    # that it never costs a meeting (the first phase ignores it, the next one minimises the slack)
    slack = None
    if problem.fairness is not None:
        lit = assume(f"fairness: breaks differ by at most {problem.fairness}") if diagnose else None
        variable = [b for b in breaks if not isinstance(b, int)]
        if variable:
            bound = problem.fairness
            if not (problem.require_all or diagnose):
                slack = model.new_int_var(0, problem.n_slots, "fairness_slack")
                bound = problem.fairness + slack
            constraints = []
            if len(variable) < len(breaks):  # someone has no break at all: every count <= d
                constraints = [model.add(b <= bound) for b in variable]
            else:
                top = model.new_int_var(0, problem.n_slots, "max_breaks")
                low = model.new_int_var(0, problem.n_slots, "min_breaks")
                model.add_max_equality(top, variable)
                model.add_min_equality(low, variable)
                constraints = [model.add(top - low <= bound)]
            if lit is not None:
                for constraint in constraints:
                    constraint.only_enforce_if(lit)
    return _Model(model=model, x=x, held=held, breaks=breaks, assumptions=assumptions, literals=literals,
                  slack=slack)


def _ranges(slots) -> str:
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


class _Watch(cp_model.CpSolverSolutionCallback):
    def __init__(self, phase: str, on_progress: Progress | None, started: float) -> None:
        super().__init__()
        self.phase, self.on_progress, self.started = phase, on_progress, started

    def on_solution_callback(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.phase, self.objective_value, self.best_objective_bound,
                             time.monotonic() - self.started)


def _solver(seconds: float, workers: int, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, seconds)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    return solver


def _precheck(problem: Problem) -> list[str]:
    """Conflicts visible without search: a required meeting with no slot left, a participant
    with more required meetings than slots it can meet in."""
    conflicts: list[str] = []
    for m, meeting in enumerate(problem.meetings):
        if _required(problem, m) and not problem.allowed_slots(m):
            reasons = []
            if meeting.fixed is not None:
                reasons.append(f"fixed at slot {meeting.fixed + 1}")
            if meeting.slots is not None:
                reasons.append(f"only in slots {_ranges(meeting.slots)}")
            for p in (meeting.a, meeting.b):
                if problem.unavailable_of(p):
                    reasons.append(f"{problem.participant_label(p)} unavailable in slots "
                                   f"{_ranges(problem.unavailable_of(p))}")
            conflicts.append(f"{problem.meeting_label(m)}: no slot left ({'; '.join(reasons) or 'no slot'})")
    for p in range(problem.n_participants):
        required = [m for m, meeting in enumerate(problem.meetings)
                    if p in (meeting.a, meeting.b) and _required(problem, m)]
        room = (problem.n_slots - len(problem.unavailable_of(p))) * problem.capacity_of(p)
        if len(required) > room:
            conflicts.append(f"{problem.participant_label(p)}: {len(required)} meetings to hold "
                             f"but only {room} free slots")
    return conflicts


def diagnose(problem: Problem, *, seconds: float = 20.0, workers: int = 1, seed: int = 0) -> list[str]:
    """A set of requirements that cannot hold together (empty when none was found in time)."""
    built = _build(problem, diagnose=True)
    literals = sorted(built.assumptions)
    deadline = time.monotonic() + seconds

    def infeasible_with(indexes: list[int]) -> list[int] | None:
        built.model.clear_assumptions()
        built.model.add_assumptions([built.literals[i] for i in indexes])
        solver = _solver(max(0.5, deadline - time.monotonic()), workers, seed)
        status = solver.solve(built.model)
        if status != cp_model.INFEASIBLE:
            return None
        return list(solver.sufficient_assumptions_for_infeasibility()) or indexes

    core = infeasible_with(literals)
    if core is None:
        return []
    # shrink by deletion while time is left: drop a requirement if the rest still conflicts
    core = sorted(core)
    i = 0
    while i < len(core) and time.monotonic() < deadline and len(core) > 1:
        trial = core[:i] + core[i + 1:]
        smaller = infeasible_with(trial)
        if smaller is not None:
            core = sorted(set(smaller) & set(trial)) or trial
        else:
            i += 1
    return [built.assumptions[i] for i in core]


def best_slack(values: Mapping[tuple[int, int], int], problem: Problem) -> int:
    """How far a schedule exceeds the fairness bound."""
    breaks = count_breaks(problem, {m: t for (m, t), v in values.items() if v})
    return max(0, max(breaks) - min(breaks) - (problem.fairness or 0))


def _sat_solver(seconds: float, seed: int) -> cp_model.CpSolver:
    """One worker without linear relaxation: CP-SAT as a plain CDCL SAT solver, by far the fastest
    here at deciding "a schedule with at most k breaks" (forum-13, k = 0: 15 s against no answer
    in 40 s with the LP; the paper's MaxSAT results point the same way)."""
    solver = _solver(seconds, 1, seed)
    solver.parameters.linearization_level = 0
    return solver


def solve(problem: Problem, *, time_limit: float = 60.0, workers: int = 8, seed: int = 0,
          hint: Mapping[int, int] | None = None, on_progress: Progress | None = None) -> Result:
    """Place the meetings (see the module doc). `hint`: {meeting: slot} of a previous schedule
    (re-scheduling starts from it); `on_progress(phase, objective, bound, seconds)` is called on
    each better solution.

    The breaks are minimised in two steps: a short portfolio search (`workers` threads: local
    search for schedules, core-based search for the lower bound), then the bound is closed from
    below: "at most k breaks" is decided for k = bound, bound + 1, … by the SAT-style solver,
    starting from the best schedule; the first k that holds is the proven optimum."""
    validate(problem)
    started = time.monotonic()
    deadline = started + time_limit

    def left() -> float:
        return deadline - time.monotonic()

    conflicts = _precheck(problem)
    if conflicts:
        return Result(status="infeasible", conflicts=conflicts, seconds=time.monotonic() - started)

    built = _build(problem)
    model = built.model
    xs = list(built.x.items())
    # a first schedule: the previous one (re-scheduling) or a greedy construction
    start = dict(hint) if hint else greedy.schedule(problem)
    for (m, t), var in xs:
        model.add_hint(var, 1 if start.get(m) == t else 0)
    fallback: dict[tuple[int, int], int] | None = None
    if not problem.require_all and all(m in start for m, mt in enumerate(problem.meetings) if mt.fixed is not None):
        placed = {m: t for m, t in start.items() if (m, t) in built.x}
        fallback = {key: int(placed.get(key[0]) == key[1]) for key, _var in xs}

    def infeasible() -> Result:
        return Result(status="infeasible", conflicts=diagnose(problem, seconds=max(5.0, left())),
                      seconds=time.monotonic() - started)

    ceiling = sum(problem.n_slots // 2 for _ in range(problem.n_participants))
    total = model.new_int_var(0, ceiling, "total_breaks")
    model.add(total == sum(built.breaks))

    def breaks_of(values: Mapping[tuple[int, int], int]) -> int:
        return sum(count_breaks(problem, {m: t for (m, t), v in values.items() if v}))

    proven = True
    best: dict[tuple[int, int], int] | None = None
    optional = [m for m, v in enumerate(built.held) if not isinstance(v, int)]
    if optional:
        weight = len(optional) + 1
        weights = {m: weight + (1 if problem.meetings[m].priority >= MUST_MEET else 0) for m in optional}
        held_objective = sum(weights[m] * built.held[m] for m in optional)

        def held_of(values: Mapping[tuple[int, int], int]) -> int:
            return sum(weights[m] for (m, _t), v in values.items() if v and m in weights)

        # the meetings held first, then (with what is left of the objective) the breaks
        model.maximize(held_objective * (ceiling + 1) - total)
        solver = _solver(left() / 3, workers, seed)
        status = solver.solve(model, _Watch("meetings", on_progress, started))
        if status == cp_model.INFEASIBLE:
            return infeasible()
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            proven = status == cp_model.OPTIMAL
            best = {key: solver.value(var) for key, var in xs}
            if fallback is not None and (held_of(fallback), -breaks_of(fallback)) > (held_of(best), -breaks_of(best)):
                best = fallback  # the greedy schedule is better: keep it
        elif fallback is not None:  # nothing found in time: the greedy schedule
            proven, best = False, fallback
        else:
            return Result(status="unknown", seconds=time.monotonic() - started)
        model.add(held_objective >= held_of(best))
        model.clear_objective()
        if built.slack is not None:  # then as fair as these meetings allow, then the breaks
            model.clear_hints()
            for key, var in xs:
                model.add_hint(var, best[key])
            model.minimize(built.slack * (ceiling + 1) + total)
            solver = _solver(left() / 4, workers, seed)
            status = solver.solve(model, _Watch("fairness", on_progress, started))
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                proven = proven and status == cp_model.OPTIMAL
                model.add(built.slack <= solver.value(built.slack))
                best = {key: solver.value(var) for key, var in xs}
            else:
                proven = False
                model.add(built.slack <= best_slack(best, problem))
            model.clear_objective()

    def set_hint(values: dict[tuple[int, int], int]) -> None:
        model.clear_hints()
        for key, var in xs:
            model.add_hint(var, values[key])

    if best is not None:
        set_hint(best)
    best_total: int | None = None
    lower = 0
    # 1. portfolio search: a good schedule and a lower bound
    model.minimize(total)
    solver = _solver(min(left(), max(5.0, left() / 2)), workers, seed)
    status = solver.solve(model, _Watch("breaks", on_progress, started))
    if status == cp_model.INFEASIBLE:
        return infeasible()
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        best = {key: solver.value(var) for key, var in xs}
        best_total = round(solver.objective_value)
        lower = best_total if status == cp_model.OPTIMAL else max(0, math.ceil(solver.best_objective_bound - 1e-6))
        set_hint(best)
    model.clear_objective()
    if best is None and left() > 0.5:  # no schedule yet: any schedule first
        solver = _sat_solver(left() / 2, seed)
        status = solver.solve(model)
        if status == cp_model.INFEASIBLE:
            return infeasible()
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            best = {key: solver.value(var) for key, var in xs}
            best_total = solver.value(total)
            set_hint(best)
    # 2. close the gap from below: is there a schedule with at most k breaks?
    domain = model.proto.variables[total.index].domain
    while (best_total is None or lower < best_total) and left() > 0.5:
        domain[1] = lower
        solver = _sat_solver(left(), seed)
        status = solver.solve(model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            best = {key: solver.value(var) for key, var in xs}
            best_total = solver.value(total)
            if on_progress is not None:
                on_progress("breaks", best_total, lower, time.monotonic() - started)
            break
        if status == cp_model.INFEASIBLE:
            if best is None and lower >= ceiling:
                return infeasible()
            lower += 1
            if on_progress is not None and best_total is not None:
                on_progress("breaks", best_total, lower, time.monotonic() - started)
            continue
        break  # out of time
    domain[1] = ceiling
    if best is None:
        return Result(status="unknown", seconds=time.monotonic() - started)
    slot_of = {m: t for (m, t), value in best.items() if value}
    tables = assign_tables(problem, slot_of)
    breaks = count_breaks(problem, slot_of)
    objective = sum(breaks)
    optimal = proven and best_total is not None and lower >= objective
    return Result(
        status="optimal" if optimal else "feasible",
        placements=[Placement(meeting=m, slot=t, table=tables[m]) for m, t in sorted(slot_of.items())],
        total_breaks=objective,
        bound=min(lower, objective),
        breaks=breaks,
        unplaced=[m for m in range(len(problem.meetings)) if m not in slot_of],
        seconds=time.monotonic() - started,
    )
