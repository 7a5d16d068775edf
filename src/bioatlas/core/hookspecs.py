"""The hook specifications of the plug-in contract (pluggy, the way datasette declares its
hookspecs): `FeatureSpec` names every hook a room may implement in its `plugin.py` with
`@hookimpl`; `core.plugins` describes the contract as a whole."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pluggy

from bioatlas.core.hook_types import (
    CommitListener,
    DemoStep,
    MapLayer,
    NotificationKind,
    ObservatoryQuery,
    PageSlot,
    PersonalData,
    PolicyRule,
    TaskSpec,
)

PROJECT = "bioatlas"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class FeatureSpec:
    """The hooks. Each returns the feature's contribution; list-returning hooks are concatenated."""

    @hookspec
    def bioatlas_routers(self) -> Sequence[str | Any]:
        """FastAPI routers as "module:attr" paths ("bioatlas.atlas.api:router"), the JSON API first,
        then the HTML pages. Paths, not objects: `app.create_app` imports them (`routers()`), so
        that the CLI, which registers every plugin.py, never imports a room's web handlers. A router
        object is accepted too (an installed distribution's), at the price of that import."""

    @hookspec
    def bioatlas_cli(self, app: Any, import_app: Any, console: Any) -> None:
        """Add Typer commands to `app` (`bioatlas …`) or `import_app` (`bioatlas import …`)."""

    @hookspec
    def bioatlas_warm(self, sessions: Any, settings: Any) -> None:
        """Fill in-memory indexes at start-up (a background thread of the web process)."""

    @hookspec
    def bioatlas_save_indexes(self, sessions: Any, settings: Any) -> dict[str, str]:
        """Save the feature's index files again when they are behind the change log and due
        (`LiveIndex.save_behind`; run by the task queue worker's `jobs.save_indexes`): what
        happened, by index name."""

    @hookspec
    def bioatlas_models(self) -> Sequence[Any]:
        """The modules declaring the feature's tables (imported so the metadata holds them)."""

    @hookspec
    def bioatlas_commit_listeners(self) -> Sequence[CommitListener]:
        """Listeners to install on every Session."""

    @hookspec
    def bioatlas_policy_rules(self) -> Sequence[PolicyRule]:
        """The actions the feature authorises and their rules."""

    @hookspec
    def bioatlas_map_layers(self) -> Sequence[MapLayer]:
        """Layers of located items for the map page."""

    @hookspec
    def bioatlas_personal_data(self) -> Sequence[PersonalData]:
        """Export and erase hooks over what the feature holds about a user."""

    @hookspec
    def bioatlas_notification_kinds(self) -> Sequence[NotificationKind]:
        """What the feature may tell users."""

    @hookspec
    def bioatlas_tasks(self) -> Sequence[TaskSpec]:
        """Background tasks of the feature."""

    @hookspec
    def bioatlas_page_slots(self) -> Sequence[PageSlot]:
        """Template fragments for the base layout."""

    @hookspec
    def bioatlas_actor_page(self, request: Any, session: Any, actor: Any, changes: Sequence[Any]) -> Mapping[str, Any]:
        """Values a feature adds to the actor page's template context (its buttons and panels
        there), so the atlas's page shows them without importing the feature (contributions:
        claim, edit, propose, revert, the history's authors). `actor` is the actor as the page
        read it: plain rows with the attribute names of `Actor` (`id`, `sites`, `names`...; not
        an ORM object: nothing lazy-loads, nothing to write through it)."""

    @hookspec
    def bioatlas_demo_steps(self) -> Sequence[DemoStep]:
        """The room's part of the demo (`bioatlas demo load`)."""

    @hookspec
    def bioatlas_observatory_queries(self) -> Sequence[ObservatoryQuery]:
        """Computed figures of the room and their indicators (`observatory.compute`, `.reference`)."""

    @hookspec
    def bioatlas_roadmap_projects(self, session: Any, code: str) -> Mapping[int, Sequence[Mapping[str, Any]]]:
        """The projects the room follows on roadmap `code`, by action number: dicts with "title",
        "budget_eur", "funding_source", "partners" [{"id", "name"}], "source", and optionally
        "milestones" and "progress" (the observatory's roadmap page lists them after its own
        recorded projects, without importing the room; calls: the portfolio)."""

    @hookspec(firstresult=True)
    def bioatlas_view_counts(self, session: Any, view: Any, taxonomies: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The total and facet counts of a directory view ({"total": n, "facets": {facet: {code:
        actors}}}, each facet's own selection left out) from an in-memory index (search), or None:
        the atlas then counts in SQL (`atlas.queries.facet_counts`), the reference."""

    @hookspec(firstresult=True)
    def bioatlas_view_total(self, session: Any, view: Any, taxonomies: Mapping[str, Any]) -> int | None:
        """How many actors a directory view holds, from an in-memory index (search), or None: the
        atlas then counts in SQL (`atlas.queries.count_actors`, the reference)."""

    @hookspec(firstresult=True)
    def bioatlas_recipient(self, session: Any, user_id: int) -> Mapping[str, str] | None:
        """The address of a user: {"email", "name", "language"}; None when unknown (accounts)."""
