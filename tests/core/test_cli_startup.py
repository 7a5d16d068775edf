"""The CLI's start-up: registering every room's plugin.py must not import the rooms' web handlers
(`bioatlas_routers` hands over "module:attr" paths that only `app.create_app` imports)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import bioatlas
from bioatlas.core.plugins import collect, routers

PROBE = """
import json, sys
import bioatlas.cli  # registers every room's commands, as `bioatlas --help` does
from bioatlas.core.plugins import collect
print(json.dumps({"paths": collect("bioatlas_routers"), "loaded": sorted(sys.modules)}))
"""


def test_cli_imports_no_router_module():
    env = {**os.environ, "PYTHONPATH": str(Path(bioatlas.__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    modules = {path.partition(":")[0] for path in seen["paths"]}
    assert len(modules) > 20  # every room's API and pages, not an empty hook
    assert sorted(modules & set(seen["loaded"])) == []


def test_rooms_hand_over_router_paths_that_resolve():
    paths = collect("bioatlas_routers")
    assert all(isinstance(path, str) and path.count(":") == 1 for path in paths), paths
    resolved = routers()
    assert len(resolved) == len(paths)
    assert all(router.routes for router in resolved)  # each path names a router with routes
