"""The rooms' plug-ins, found and asked: `feature_names` (every `<room>/plugin.py`, the atlas
first), the one `plugin_manager()` of the process, and the helpers its consumers call to read the
hooks (`collect`, `call_each`, `each_impl`, `routers`, `grouped`, `merged`, `by_name`)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pluggy

from bioatlas.core.hookspecs import PROJECT, FeatureSpec

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
PLUGIN_MODULE = "plugin"


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
