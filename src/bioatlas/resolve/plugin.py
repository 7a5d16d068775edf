"""The plug-in manifest of organisation resolution: routes, `bioatlas match|duplicates|link`, tables,
resolver warm-up, and the demo's linking step (order 200, after the registries; see `core.plugins`)."""

from __future__ import annotations

from bioatlas.resolve import cli, links, links_cli, models, save_apart, warm
from bioatlas.core.plugins import DemoStep, hookimpl


@hookimpl
def bioatlas_routers():
    return ["bioatlas.resolve.api:router", "bioatlas.resolve.views:router"]


@hookimpl
def bioatlas_cli(app, import_app, console):
    cli.register(app, console)
    links_cli.register(app, console)


@hookimpl
def bioatlas_models():
    return [models]


@hookimpl
def bioatlas_warm(sessions, settings):
    warm.warm(sessions, settings)


@hookimpl
def bioatlas_save_indexes(sessions, settings):
    return save_apart.save(sessions, settings)  # the pickle read and written in a child process


def _demo_links(factory, *, taxonomies):
    report = links.link_sources(factory)
    located, of = report.articles_located
    summary: dict[str, object] = {"linked": sum(report.sure.values()), "queued": sum(report.queued.values()),
                                  "conflicts": len(report.conflicts),
                                  "article-named with a site": f"{report.articles_located_before[0]} -> {located} of {of}"}
    summary.update({f"{pair} (sure/queued)": f"{c['sure']}/{c['queued']}" for pair, c in report.pairs().items()})
    return summary


@hookimpl
def bioatlas_demo_steps():
    return [DemoStep("links", _demo_links, order=200)]
