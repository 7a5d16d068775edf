"""The import graph follows the layers of `bioatlas.core.plugins` (read with `ast`, like the
authorisation matrix reads the route table):

    core < web < atlas < sources (parsers) < platform (accounts, jobs, notifications) < features
      < composition

- an import never points up a layer;
- between two rooms (other than `core`, `web` and the `sources` parsers, which anyone above may
  import), only the room's public modules: `<room>.service` (a module or a package), its `deps`
  and `accounts.policy`;
- another room's `models` only from a `models.py` (foreign keys);
- migrations import nothing but `core` (they are frozen history);
- composition (`app`, `cli`, `demo`, `__main__`) wires everything and may import any room;
- the rooms above `web` (atlas, platform, features) import each other without a cycle.

Imports inside functions and under `if TYPE_CHECKING:` count like top-level ones.
`EXCEPTIONS` are accepted for good, each with its reason; `PENDING` are known offenders being
fixed (issue 12): the test fails on any offender in neither set, and on a `PENDING` or
`EXCEPTIONS` entry that no longer occurs (so both lists only shrink).
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from itertools import pairwise
from pathlib import Path

import bioatlas

PACKAGE = Path(bioatlas.__file__).resolve().parent
ROOT = "bioatlas"
COMPOSITION = {"app", "cli", "demo", "__main__"}
PLATFORM = {"accounts", "jobs", "notifications", "messaging", "review"}
FREE = {"core", "web"}  # anyone above may import any module of these
# What a room shows the others: `service` (a module or a package), and `deps` (its typed FastAPI
# dependencies, e.g. the atlas's TaxonomiesDep and FilterDep: the service's face for handlers).
PUBLIC = {"service", "deps"}
ALSO_PUBLIC = {"bioatlas.accounts.policy"}  # Principal, require, authorize: guards every handler


LIBRARY = {"sources"}  # the open-data parsers: files -> records, no tables; every module is public


def layer(room: str) -> int:
    if room == "core":
        return 0
    if room == "web":
        return 1
    if room == "atlas":
        return 2
    if room in LIBRARY:
        return 3
    if room in PLATFORM:
        return 4
    if room in COMPOSITION:
        return 6
    return 5  # every other room is a feature


LAYER_NAMES = {0: "core", 1: "web", 2: "atlas", 3: "sources", 4: "platform", 5: "feature", 6: "composition"}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. bioatlas.search.index
    target: str  # the imported module, e.g. bioatlas.atlas.models
    file: str  # path relative to src/
    line: int

    @property
    def key(self) -> tuple[str, str]:
        return (self.module, self.target)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.module} -> {self.target}"


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name: str, package: Path = PACKAGE) -> bool:
    rel = Path(*name.split(".")[1:]) if "." in name else Path()
    return (package / rel).with_suffix(".py").is_file() or (package / rel / "__init__.py").is_file()


def room_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "core"  # the package's __init__ (version): a foundation
    return parts[1]


def imports_of(path: Path, root: Path = PACKAGE) -> list[Import]:
    """Every import of a bioatlas module in the file, at top level, in functions or anywhere else."""
    module = module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    rel = str(path.relative_to(root.parent.parent))
    found: list[Import] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            # `from bioatlas.atlas import models` imports the module bioatlas.atlas.models
            targets = [f"{source}.{a.name}" if is_module(f"{source}.{a.name}", root) else source for a in node.names]
        else:
            continue
        for target in dict.fromkeys(targets):
            if target == ROOT or target.startswith(ROOT + "."):
                found.append(Import(module, target, rel, node.lineno))
    return found


def all_imports() -> list[Import]:
    return [imp for path in sorted(PACKAGE.rglob("*.py")) for imp in imports_of(path)]


def room_graph() -> tuple[dict[str, set[str]], dict[tuple[str, str], Import]]:
    """Room -> the rooms it imports, over the rooms above `web` (composition left out), with one
    import statement for each edge. Left out: the imports of EXCEPTIONS (accepted) and PENDING
    (being rerouted; they may then close a cycle this test will show), and of `accounts.policy`,
    which every room's handlers use as they use `core` (it imports nothing but accounts' own
    audit and models), so it orders no room."""
    graph: dict[str, set[str]] = {}
    where: dict[tuple[str, str], Import] = {}
    for imp in all_imports():
        src, dst = room_of(imp.module), room_of(imp.target)
        if src == dst or min(layer(src), layer(dst)) < 2 or COMPOSITION & {src, dst}:
            continue
        if excepted(imp) or imp.key in PENDING or imp.target in ALSO_PUBLIC:
            continue  # the policy guards every room's handlers: a foundation, not a room's service
        graph.setdefault(src, set()).add(dst)
        where.setdefault((src, dst), imp)
    return graph, where


def offence(imp: Import) -> str | None:
    """Why `imp` breaks the layer rules, or None."""
    src, dst = room_of(imp.module), room_of(imp.target)
    if imp.module.startswith("bioatlas.core.migrations"):
        return None if dst == "core" else "a migration imports a room (migrations are frozen history)"
    if src == dst:
        return None
    if layer(dst) > layer(src):
        return f"points up: {LAYER_NAMES[layer(src)]} {src} -> {LAYER_NAMES[layer(dst)]} {dst}"
    if dst in FREE or dst in LIBRARY or src in COMPOSITION or imp.target in ALSO_PUBLIC:
        return None
    inner = imp.target.split(".")[2:]
    if inner and inner[0] in PUBLIC:
        return None
    if inner[:1] == ["models"] and imp.file.endswith("models.py"):
        return None
    if not inner:
        return f"imports the package {imp.target} (name its service)"
    if inner[:1] == ["models"]:
        return f"{dst}.models outside a models.py (use {dst}.service)"
    return f"reaches into {dst}'s {'.'.join(inner)} (use {dst}.service)"


# Accepted for good: (importing room or module, imported module) -> why. A room's name
# ("bioatlas.search") covers every module of the room.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("bioatlas.atlas.api", "bioatlas.accounts.policy"):
        "the atlas's routes (spreadsheet upload, private map layers) are guarded by the one policy "
        "(`require`, `authorize`); the atlas sits below accounts, whose roles are scoped on atlas "
        "regions, clusters and actors, so the policy cannot move under the atlas",
    ("bioatlas.search", "bioatlas.atlas.models"):
        "search is the atlas's read model: its full-text documents, vectors and in-memory facet index "
        "are built set-based from the atlas's fact tables (Core selects by batches of ids, a million "
        "actors); through ORM objects of a service it would not scale",
    ("bioatlas.resolve", "bioatlas.atlas.models"):
        "resolution reads every name, identifier, site and parent link in a handful of queries "
        "(~0.4 GB for 51k records), and a merge moves every row that points at an actor, found "
        "through the metadata's foreign keys: it needs the tables, not a service",
}

# Known offenders still to reroute: none left (issue 12 emptied it); keyed like EXCEPTIONS.
PENDING: set[tuple[str, str]] = set()


def excepted(imp: Import) -> bool:
    return any(target == imp.target and (imp.module == who or imp.module.startswith(who + "."))
               for who, target in EXCEPTIONS)


def cycle_in(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the graph as [a, b, ..., a] where each imports the next, or None."""
    try:
        list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        # graphlib lists the cycle so that each node is a predecessor (an import) of the one before
        return list(reversed(exc.args[1]))
    return None


def offenders() -> list[tuple[Import, str]]:
    return [(imp, why) for imp in all_imports() if (why := offence(imp))]


def test_every_import_follows_the_layers():
    found = offenders()
    keys = {imp.key for imp, _ in found}
    new = [f"  {imp}  [{why}]" for imp, why in found if not excepted(imp) and imp.key not in PENDING]
    used = {key for key in EXCEPTIONS for imp, _ in found if excepted(imp) and key[1] == imp.target
            and (imp.module == key[0] or imp.module.startswith(key[0] + "."))}
    gone = sorted(str(k) for k in (set(EXCEPTIONS) - used) | (PENDING - keys))
    pending = [imp for imp, _ in found if imp.key in PENDING]
    if pending:
        warnings.warn(f"{len(PENDING)} pending layer offenders ({len(pending)} import statements) in tests/test_layers.py",
                      stacklevel=1)
    message = []
    if new:
        message.append(f"{len(new)} imports break the layer rules of bioatlas.core.plugins:\n" + "\n".join(new))
    if gone:
        message.append("no longer occur (remove them from PENDING/EXCEPTIONS):\n  " + "\n  ".join(gone))
    assert not message, "\n\n".join(message)


def test_rooms_import_each_other_without_a_cycle():
    graph, where = room_graph()
    cycle = cycle_in(graph)
    if cycle:
        steps = [str(where[edge]) for edge in pairwise(cycle) if edge in where]
        raise AssertionError(f"the rooms import each other in a cycle {' -> '.join(cycle)}:\n  " + "\n  ".join(steps))
    assert {"search", "resolve"} <= set(graph) and "atlas" in graph["search"]  # the graph was read


def test_the_rules_catch_what_they_should(tmp_path):
    """The checker itself: each rule flags a made-up import and lets a lawful one through."""
    def check(module, target, file="src/bioatlas/x.py"):
        return offence(Import(module, target, file, 1))

    assert check("bioatlas.atlas.demo", "bioatlas.observatory.compute").startswith("points up")
    assert check("bioatlas.search.cli", "bioatlas.cli").startswith("points up")
    assert check("bioatlas.core.db", "bioatlas.atlas.models").startswith("points up")
    assert check("bioatlas.core.migrations.versions.x", "bioatlas.atlas.cells").startswith("a migration")
    assert check("bioatlas.search.facets", "bioatlas.atlas.models").startswith("atlas.models outside")
    assert check("bioatlas.resolve.views", "bioatlas.contributions.forms").startswith("reaches into")
    assert check("bioatlas.resolve.views", "bioatlas.contributions").startswith("imports the package")
    assert check("bioatlas.products.models", "bioatlas.atlas.models", "src/bioatlas/products/models.py") is None
    assert check("bioatlas.resolve.views", "bioatlas.contributions.service") is None
    assert check("bioatlas.search.views", "bioatlas.accounts.policy") is None
    assert check("bioatlas.search.views", "bioatlas.web.pages") is None
    assert check("bioatlas.demo.load", "bioatlas.observatory.compute") is None
    assert check("bioatlas.atlas.views", "bioatlas.atlas.presenters") is None

    # imports in functions and relative imports are read; `from pkg import module` names the module
    room = tmp_path / "src" / "bioatlas" / "search"
    room.mkdir(parents=True)
    (tmp_path / "src" / "bioatlas" / "__init__.py").write_text("")
    (tmp_path / "src" / "bioatlas" / "atlas").mkdir()
    (tmp_path / "src" / "bioatlas" / "atlas" / "__init__.py").write_text("")
    (tmp_path / "src" / "bioatlas" / "atlas" / "writer.py").write_text("")
    (room / "__init__.py").write_text("")
    (room / "x.py").write_text(
        "import json\nfrom . import y\n\ndef f():\n    from bioatlas.atlas import writer\n    import bioatlas.cli\n")
    found = {(i.target, i.line) for i in imports_of(room / "x.py", tmp_path / "src" / "bioatlas")}
    assert found == {("bioatlas.search", 2), ("bioatlas.atlas.writer", 5), ("bioatlas.cli", 6)}

    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": {"a"}}) in (["a", "b", "c", "a"], ["b", "c", "a", "b"],
                                                             ["c", "a", "b", "c"])
    assert cycle_in({"a": {"b"}, "b": {"c"}}) is None
