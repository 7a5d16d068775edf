"""The CP-SAT model of the problem (see `solver` for how it is solved).

Variables: `x[m, t]` (meeting m in slot t, only for the slots it may take); `busy[p, t]`
(participant p meets in slot t); `start[p, t]` (a block of consecutive meetings of p starts at t,
exactly: busy now and not in the previous slot of the same day). A participant's breaks are its
block starts minus the days it meets on. Hard constraints: one slot per placed meeting, at most
`capacity[p]` meetings of p per slot, at most `tables` meetings per slot, precedences, fixed
slots, unavailable slots, and the fairness bound (max breaks - min breaks <= d over every
participant, as in the paper). Implied constraint (the paper's imp2): at most 2 x tables busy
participants per slot. In diagnosis every requirement that can be dropped sits behind an
assumption literal (see `diagnose`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from bioatlas.events.scheduling.checks import ranges, required
from bioatlas.events.scheduling.problem import Problem


@dataclass
class Built:
    model: cp_model.CpModel
    x: dict[tuple[int, int], cp_model.IntVar]
    held: list  # BoolVar or constant 1
    breaks: list  # linear expressions per participant
    assumptions: dict[int, str] = field(default_factory=dict)  # literal index -> what it stands for
    literals: dict[int, cp_model.IntVar] = field(default_factory=dict)  # literal index -> the literal
    slack: cp_model.IntVar | None = None  # how far fairness is widened (optional meetings only)


def build(problem: Problem, *, diagnose: bool = False) -> Built:
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
        if required(problem, m) and not diagnose:
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
                lit = assume(f"{problem.meeting_label(m)} only in slots {ranges(meeting.slots)}")
                for t in outside:
                    model.add(x[m, t] == 0).only_enforce_if(lit)

    if diagnose:
        for p in range(problem.n_participants):
            forbidden = sorted(problem.unavailable_of(p))
            if forbidden:
                lit = assume(f"{problem.participant_label(p)} unavailable in slots {ranges(forbidden)}")
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
            bound: object = problem.fairness
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
    return Built(model=model, x=x, held=held, breaks=breaks, assumptions=assumptions, literals=literals,
                  slack=slack)
