"""The plug-in manifest of the task queue: `/admin/jobs`, `bioatlas jobs …`, the `job_runs`
table, the policy action `jobs.read`, its own periodic tasks (pruning `job_runs`, saving the index files), and a top-bar link for administrators (see `core.plugins`)."""

from __future__ import annotations

from bioatlas.core.plugins import PageSlot, PolicyRule, TaskSpec, hookimpl
from bioatlas.jobs import cli, models, tasks


def _admin(principal, obj) -> bool:
    return principal.is_admin


@hookimpl
def bioatlas_routers():
    return ["bioatlas.jobs.views:router"]


@hookimpl
def bioatlas_cli(app, import_app, console):
    cli.register(app, console)


@hookimpl
def bioatlas_models():
    return [models]


@hookimpl
def bioatlas_policy_rules():
    return [PolicyRule(action="jobs.read", rule=_admin)]


@hookimpl
def bioatlas_tasks():
    return [TaskSpec(name="jobs.prune", func=tasks.prune_runs, retries=1, retry_delay=600,
                     schedule={"minute": "17", "hour": "3"}),
            TaskSpec(name="jobs.save_indexes", func=tasks.save_indexes, retries=0, schedule={"minute": "*"})]


@hookimpl
def bioatlas_page_slots():
    return [PageSlot(place="menu", template="jobs/_link.html", order=80)]
