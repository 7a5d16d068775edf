"""The demo-steps hook: each room's demo part runs in its order and its summary reaches the report."""

from bioatlas.core.plugins import DemoStep, hookimpl, plugin_manager
from bioatlas.demo import load as demo_load
from bioatlas.demo.load import run_demo_steps


class _Steps:
    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    @hookimpl
    def bioatlas_demo_steps(self):
        def step(name: str):
            def run(factory, *, taxonomies):
                assert "kinds" in taxonomies
                self.calls.append(name)
                return {"ran": len(self.calls)}
            return run

        return [DemoStep("late", step("late"), order=500), DemoStep("early", step("early"), order=100)]


def test_demo_steps_run_in_order(db, taxonomies, monkeypatch):
    calls: list[str] = []
    pm = plugin_manager()
    # the rooms' own steps (the registries, the linking…) load real data: the demo test runs them once
    rooms = [plugin for name, plugin in pm.list_name_plugin() if plugin is not None]

    def test_steps_only(hook_name, **kwargs):
        results = pm.subset_hook_caller(hook_name, remove_plugins=rooms)(**kwargs)
        return [item for result in results if result for item in result]

    monkeypatch.setattr(demo_load, "collect", test_steps_only)
    pm.register(_Steps(calls), name="test-demo-steps")
    try:
        steps = run_demo_steps(db, taxonomies=taxonomies)
    finally:
        plugin_manager().unregister(name="test-demo-steps")
    assert calls == ["early", "late"]
    assert steps == {"early": {"ran": 1}, "late": {"ran": 2}}
    assert list(steps) == ["early", "late"]
    assert "late" not in run_demo_steps(db, taxonomies=taxonomies)  # unregistered: gone
