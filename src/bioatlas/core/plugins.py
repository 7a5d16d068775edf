"""The plug-in contract: everything a feature may provide to the platform, as pluggy hook
specifications (the way datasette declares its hookspecs).

A feature is a package `bioatlas.<feature>` with a module `plugin.py` whose functions are marked
`@hookimpl` and named like the specifications below; `plugin_manager()` registers every such
module it finds (and any installed distribution's `bioatlas` entry point), so a new feature joins
by existing: no shared list to edit. A feature implements only the hooks it needs.

What a feature may provide (each spec says who consumes it):
- routers: its JSON API and HTML pages, as "module:attr" paths (`app.create_app` imports and mounts
  them; the atlas first, it owns "/"; the CLI never imports them)
- CLI: commands on the `bioatlas` command or under `bioatlas import` (`cli.main`)
- warm-up: fill its in-memory indexes at start-up (`app.create_app`, in a background thread)
- models: the modules declaring its tables (Alembic's metadata, the test wipe)
- commit listeners: work done in the same transaction as a commit (change log, search documents)
- policy rules: the actions it authorises, with their rule (`accounts.policy` asks them all)
- map layers: located items with their own filters and popups (the map page lists every layer)
- personal data: export and erase what it holds about a user (account export and deletion)
- notification kinds: what it may tell users, with FR/EN templates (`notifications`)
- tasks: background work run by the durable task queue (`jobs`)
- page slots: template fragments included in the base layout (menu, bell, search box)
- actor page: values for the atlas's actor page (its buttons and panels there), merged by `merged`
- demo steps: the room's part of the demo (`bioatlas demo load`), run in `order` after the atlas's
  own sources; synthetic records say so in their source
- observatory queries: a room's computed figures and the indicators they feed (`observatory`
  stores their values at each snapshot, citing the query as source)
- roadmap projects: the projects a room follows on a roadmap's actions (the observatory's roadmap
  page lists them beside the recorded ones)

Layers (lowest first; an import may only point down, and into another room only through its
public modules; `tests/test_layers.py` reads the import graph and enforces it, with a handful of
named, justified exceptions):
    core < web < atlas < sources (open-data parsers) < platform (accounts, jobs, notifications)
    < features < composition (app, cli, demo).
Public modules: `<room>.service` and `<room>.deps` of any room, `accounts.policy`, every module of
`core`, `web` and `sources`; another room's `models` only from a `models.py` (foreign keys).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pluggy

PROJECT = "bioatlas"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
PACKAGE_ROOT = Path(__file__).resolve().parents[1]
PLUGIN_MODULE = "plugin"


# --- what the hooks hand over ------------------------------------------------------------------


@dataclass(frozen=True)
class CommitListener:
    """Session work tied to commits, installed on every Session by `core.listeners.install`.
    `after_flush(session, flush_context)`, `before_commit(session)`, `after_rollback(session)`;
    `order`: lower runs first at before_commit (semantic vectors read the bulk ids before the
    full-text index consumes them)."""

    name: str
    after_flush: Callable | None = None
    before_commit: Callable | None = None
    after_rollback: Callable | None = None
    order: int = 100


@dataclass(frozen=True)
class PolicyRule:
    """An action and its rule `rule(principal, obj) -> bool`. `object_action`: the handler loads
    the object and calls `authorize(..., obj)`; the dependency only refuses anonymous callers."""

    action: str
    rule: Callable[[Any, Any], bool]
    object_action: bool = False


@dataclass(frozen=True)
class MapFilter:
    """One filter of a map layer: a list of options shown as checkboxes (several chosen: any of
    them). A yes/no filter is one option ("biologics only"). `label` and each option's label are
    {"fr": ..., "en": ...}. The API reads it as `?<name>=<value>` (repeated or comma-separated);
    a value outside `options` is refused with a 422 naming the filter."""

    name: str
    label: Mapping[str, str]
    options: Sequence[tuple[str, Mapping[str, str]]]


@dataclass(frozen=True)
class MapLayer:
    """Located items a feature publishes on the map (`atlas.layers` collects them; the map page
    lists them in its "Layers" panel; `GET /api/v1/map/layers[/{name}]` serves them).

    `points(session, *, bbox, filters, lang, limit)` returns an iterable of `MapPoint` inside
    `bbox = (west, south, east, north)` (degrees) matching `filters` (a mapping of the layer's own
    filter names to the non-empty lists of chosen values, already checked against
    `filters_spec`), with popup lines in `lang` ("fr" or "en"), at most `limit` of them (the
    atlas asks for one more than `limit` below to tell when the answer was cut).
    `name`: lower-case letters, digits, "-" or "_" (it is part of the URL). `action` is the policy
    action a reader needs ("public.read" for public layers); the handler checks it.
    """

    name: str
    label: Mapping[str, str]
    points: Callable[..., Iterable[MapPoint]]
    source: Mapping[str, str]  # {"fr": ..., "en": ...}: where the items come from (shown with the layer)
    filters_spec: Sequence[MapFilter] = ()
    action: str = "public.read"
    color: str = "#7b3294"  # "#rrggbb"
    limit: int = 5000  # at most this many points per answer (the answer says when it was cut)


@dataclass(frozen=True)
class MapPoint:
    """One item of a layer: position, title, an optional link, and popup lines (plain text, in the
    requested language). `precision`: "exact" (street address or surveyed coordinates) or
    "commune" (placed at its town: the map draws it as approximate)."""

    id: str
    lat: float
    lon: float
    title: str
    url: str | None = None
    lines: Sequence[str] = ()
    precision: str = "exact"


@dataclass(frozen=True)
class PersonalData:
    """What a feature holds about a user. `export(session, *, user_id) -> dict` (JSON-able) is part
    of the account export under `name`; `erase(session, *, user_id) -> None` deletes or anonymises
    it inside the account-deletion transaction (the caller commits)."""

    name: str
    export: Callable[..., Mapping[str, Any] | Sequence[Any]]
    erase: Callable[..., None]


@dataclass(frozen=True)
class NotificationKind:
    """Something a feature may tell a user. `templates`: {"fr": (subject, body), "en": (...)}, Jinja
    strings rendered with the `context` given to `notifications.service.notify`; `default`: the
    delivery a user gets until they choose ("immediate", "digest" or "off");
    `transactional`: always sent at once, no preference, no unsubscribe (e.g. e-mail confirmation)."""

    name: str
    label: Mapping[str, str]
    templates: Mapping[str, tuple[str, str]]
    default: str = "immediate"
    transactional: bool = False


@dataclass(frozen=True)
class TaskSpec:
    """Background work run by the task queue (`jobs`). `func(**kwargs)` runs in the worker with
    the worker's settings available through `jobs.service.current_settings()`; a failure is
    retried `retries` times, `retry_delay` seconds apart, then kept as failed with its error.
    `schedule`: a cron-like mapping for periodic tasks ({"minute": "*/5"}), or None."""

    name: str
    func: Callable[..., Any]
    retries: int = 3
    retry_delay: int = 30
    schedule: Mapping[str, str] | None = None


@dataclass(frozen=True)
class PageSlot:
    """A template fragment a layout includes at a named place: "head", "header" (the top bar),
    "menu" (the top bar's "Services" drop-down: a room's pages), "actors" (beside the map's
    list and the directory)."""

    place: str
    template: str
    order: int = 100


@dataclass(frozen=True)
class DemoStep:
    """The room's part of the demo. `run(factory, taxonomies)` loads it (idempotent: a second run
    changes nothing) and returns a summary dict printed by `bioatlas demo load`; steps run in
    `order` (lower first) after the core demo's ROR and seed articles (steps below 300, the
    registries and their linking, before its EMA lists and ROME, the others after) and before the
    observatory's snapshot. Synthetic records (demo participants, offers…) are labelled as such in
    their source. Order bands: 100 sources, 200 linking, 300 sector scope and profiles, 500 rooms."""

    name: str
    run: Callable[..., Mapping[str, Any]]
    order: int = 500


@dataclass(frozen=True)
class ObservatoryPoint:
    """One computed value: its scope (FR, a region code…), an optional breakdown (`need=funding`),
    and optionally its text, numerator, denominator and a note stored with it."""

    scope: str
    value: float
    dimension: str | None = None
    value_text: str | None = None
    numerator: float | None = None
    denominator: float | None = None
    note: str | None = None


@dataclass(frozen=True)
class ComputedIndicator:
    """An observatory indicator fed by a room's query (`query` = "name:field"): labels and
    definitions in French and English, `unit` and `scope_kind` among the observatory's own."""

    code: str
    label_fr: str
    label_en: str
    definition_fr: str
    definition_en: str
    unit: str
    scope_kind: str
    query: str


@dataclass(frozen=True)
class ObservatoryQuery:
    """A room's computed figures for the observatory: `run(session, field)` returns the points of
    `name:field`, or a sentence saying why there is nothing to count yet; `indicators` are loaded
    with the observatory's reference data and computed at each snapshot; `labels`: words for the
    codes of its breakdowns, {key: {code: {"fr": ..., "en": ...}}} ("status=withdrawn")."""

    name: str
    fields: tuple[str, ...]
    run: Callable[[Any, str | None], Sequence[ObservatoryPoint] | str]
    indicators: Sequence[ComputedIndicator] = ()
    labels: Mapping[str, Mapping[str, Mapping[str, str]]] = field(default_factory=dict)


# --- the specifications ------------------------------------------------------------------------


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
    def bioatlas_recipient(self, session: Any, user_id: int) -> Mapping[str, str] | None:
        """The address of a user: {"email", "name", "language"}; None when unknown (accounts)."""


# --- the manager -------------------------------------------------------------------------------


def feature_names() -> list[str]:
    """Every feature package holding a `plugin.py`, the atlas first (it owns "/"), then by name."""
    names = [
        info.name for info in pkgutil.iter_modules([str(PACKAGE_ROOT)])
        if info.ispkg and (PACKAGE_ROOT / info.name / f"{PLUGIN_MODULE}.py").exists()
    ]
    return sorted(names, key=lambda name: (name != "atlas", name))


@lru_cache(maxsize=1)
def plugin_manager() -> pluggy.PluginManager:
    """The one plugin manager of the process: every feature's `plugin.py`, then installed
    distributions' `bioatlas` entry points."""
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(FeatureSpec)
    # pluggy calls implementations last-registered-first; register in reverse so that the atlas
    # (first in `feature_names`) answers first
    for name in reversed(feature_names()):
        pm.register(importlib.import_module(f"bioatlas.{name}.{PLUGIN_MODULE}"), name=name)
    pm.load_setuptools_entrypoints(PROJECT)
    return pm


def collect(hook_name: str, **kwargs) -> list:
    """The concatenated lists returned by every implementation of a list-returning hook, in
    feature order (atlas first, then by name)."""
    results = getattr(plugin_manager().hook, hook_name)(**kwargs)
    return [item for result in results if result for item in result]


def call_each(hook_name: str, **kwargs) -> None:
    """Call a hook that returns nothing on every feature (CLI registration, warm-up)."""
    getattr(plugin_manager().hook, hook_name)(**kwargs)


def each_impl(hook_name: str) -> list[tuple[str, Callable]]:
    """(feature, implementation) pairs of a hook, in feature order: for callers that time or
    guard each feature separately (warm-up)."""
    impls = getattr(plugin_manager().hook, hook_name).get_hookimpls()
    return [(impl.plugin_name, impl.function) for impl in reversed(impls)]


def routers() -> list[Any]:
    """Every feature's routers (`bioatlas_routers`), in feature order, their modules imported now:
    only the web app asks (the CLI registers the same plugins without loading the handlers)."""
    return [pkgutil.resolve_name(item) if isinstance(item, str) else item for item in collect("bioatlas_routers")]


def grouped(hook_name: str, **kwargs) -> dict[Any, list]:
    """The mappings of lists returned by every implementation of a hook, each key's lists joined
    in feature order."""
    out: dict[Any, list] = {}
    for result in getattr(plugin_manager().hook, hook_name)(**kwargs):
        for key, items in (result or {}).items():
            out.setdefault(key, []).extend(items)
    return out


def merged(hook_name: str, **kwargs) -> dict[str, Any]:
    """The mappings returned by every implementation of a hook, merged in feature order."""
    out: dict[str, Any] = {}
    for result in getattr(plugin_manager().hook, hook_name)(**kwargs):
        out.update(result or {})
    return out


def by_name(hook_name: str, key: str = "name") -> dict[str, Any]:
    """The items of a list-returning hook keyed by an attribute; two features naming the same
    item is a programming error, raised at once."""
    out: dict[str, Any] = {}
    for item in collect(hook_name):
        name = getattr(item, key)
        if name in out:
            raise ValueError(f"{hook_name}: {name!r} is provided twice")
        out[name] = item
    return out
