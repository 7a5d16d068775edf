"""The plug-in contract: everything a feature may provide to the platform, as pluggy hook
specifications (the way datasette declares its hookspecs). This module is the contract's one
import path: a room's `plugin.py` and the consumers import every name from here. Its parts:
`core.hook_types` (what the hooks hand over), `core.hookspecs` (the specifications, `FeatureSpec`,
and `hookimpl`), `core.plugin_registry` (the plugin manager and the helpers that read the hooks).

A feature is a package `bioatlas.<feature>` with a module `plugin.py` whose functions are marked
`@hookimpl` and named like the specifications of `FeatureSpec`; `plugin_manager()` registers every such
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

from bioatlas.core.hook_types import (
    CommitListener,
    ComputedIndicator,
    DemoStep,
    MapFilter,
    MapLayer,
    MapPoint,
    NotificationKind,
    ObservatoryPoint,
    ObservatoryQuery,
    PageSlot,
    PersonalData,
    PolicyRule,
    TaskSpec,
)
from bioatlas.core.hookspecs import PROJECT, FeatureSpec, hookimpl, hookspec
from bioatlas.core.plugin_registry import (
    PACKAGE_ROOT,
    PLUGIN_MODULE,
    by_name,
    call_each,
    collect,
    each_impl,
    feature_names,
    grouped,
    merged,
    plugin_manager,
    routers,
)

__all__ = [
    "PACKAGE_ROOT", "PLUGIN_MODULE", "PROJECT",
    "CommitListener", "ComputedIndicator", "DemoStep", "FeatureSpec", "MapFilter", "MapLayer", "MapPoint",
    "NotificationKind", "ObservatoryPoint", "ObservatoryQuery", "PageSlot", "PersonalData", "PolicyRule",
    "TaskSpec",
    "by_name", "call_each", "collect", "each_impl", "feature_names", "grouped", "hookimpl", "hookspec",
    "merged", "plugin_manager", "routers",
]
