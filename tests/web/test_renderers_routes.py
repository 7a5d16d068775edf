"""Which renderer computes a miss (web/renderers.py `route`, search/affinity.py): the views of one
search text (alone, with a filter, in another language, the search page) go to one renderer,
whose memo keeps that text's counts and wide read; different texts spread over the renderers;
the answers are those of the worker's own path; a text whose renderer is gone goes to the next."""

from __future__ import annotations

import logging
import os
import signal

from bioatlas.app import create_app
from bioatlas.search.affinity import search_text
from bioatlas.web import renderers
from tests.web.test_renderers import COOKIE, same, served  # noqa: F401 (the fixture)

API, HTML = {"accept": "application/json", **COOKIE}, {"accept": "text/html", **COOKIE}
TEXTS = ["genopole", "vaccins", "thérapie cellulaire", "cell therapy", "anticorps monoclonaux", "bioproduction"]


def views(q: str) -> list[tuple[str, dict]]:
    """One text's views: alone, in a region, another spelling, another language, the page."""
    return [(f"/api/v1/search?q={q}", API), (f"/api/v1/search?q={q}&region=11", API),
            (f"/api/v1/search?q={q.upper()}&region=84", API), (f"/api/v1/search?q={q}&lang=en", API),
            (f"/search?q={q}", HTML), (f"/search?q={q}&kind=company&lang=en", HTML)]


def asked(monkeypatch) -> list[str]:
    """The renderers' sockets the worker sends requests to, in order."""
    sent: list[str] = []
    real = renderers._ask

    async def ask(path, message):
        sent.append(path.name)
        return await real(path, message)

    monkeypatch.setattr(renderers, "_ask", ask)
    return sent


def test_a_search_texts_views_go_to_one_renderer_and_texts_spread(served, monkeypatch):  # noqa: F811
    worker, reference, pool, _, _ = served
    sent = asked(monkeypatch)
    where = {}
    for q in TEXTS:
        before = len(sent)
        for url, headers in views(q):
            same(worker.get(url, headers=headers), reference.get(url, headers=headers))
        where[q] = set(sent[before:])
    assert all(len(paths) == 1 for paths in where.values()), where  # by URL: views of a text split
    assert len(set().union(*where.values())) == 2  # not every text in one renderer
    assert pool.stats == {"rendered": len(TEXTS) * 6, "fallback": 0}


def test_a_text_whose_renderer_is_gone_goes_to_the_next(served, monkeypatch, caplog):  # noqa: F811
    worker, reference, pool, _, _ = served
    first = pool.which(("/api/v1/search", "q=genopole", "fr", False))
    os.kill(pool.pids[first], signal.SIGKILL)
    os.waitpid(pool.pids[first], 0)
    sent = asked(monkeypatch)
    caplog.set_level(logging.WARNING, logger="bioatlas.renderers")
    for url, headers in views("genopole"):
        same(worker.get(url, headers=headers), reference.get(url, headers=headers))
    gone, other = pool.paths[first].name, pool.paths[1 - first].name
    assert sent == [gone, other] * 6  # each view tried on its text's renderer, then answered by the next
    assert pool.stats == {"rendered": 6, "fallback": 0}
    assert len([r for r in caplog.records if r.name == "bioatlas.renderers"]) == 1


def test_other_requests_go_by_their_url(settings):
    pool = renderers.response_cache_of(create_app(settings.model_copy(update={"response_cache": True}))).renderers
    text = pool.route(("/api/v1/search", "q=cell+therapy&region=84", "fr", False))
    assert text == pool.route(("/search", "q=Cell+Therapy", "en", True)) != ("/search", "q=Cell+Therapy", "en", True)
    for path, query in [("/api/v1/actors/12", ""), ("/api/v1/search", ""), ("/api/v1/search", "q=((("),
                        ("/api/v1/search", "region=84"), ("/api/v1/map/clusters", "bbox=1,2,3,4&zoom=6"),
                        ("/api/v1/search/suggest", "q=cell+therapy")]:
        assert pool.route((path, query, "fr", False)) == (path, query, "fr", False)


def test_the_search_text_is_the_texts_as_the_search_parses_it():
    alone = search_text("q=cell+therapy")
    assert alone == (("cell", False), ("therapy", True))
    for same_text in ["q=cell+therapy&region=84", "q=Cell%20Therapy&lang=en", "q=the+cell+therapy",
                      "region=11&q=cell%2C+therapy&kind=company"]:
        assert search_text(same_text) == alone, same_text
    assert search_text("q=th%C3%A9rapie+cellulaire") == search_text("q=THERAPIE+CELLULAIRE&region=11")
    assert search_text("q=cell+therapy+") == (("cell", False), ("therapy", False))  # typed to the end: no prefix
    # a place typed in the text is a radius around it, the text without it: as the search keeps it
    assert search_text("q=vaccins+pr%C3%A8s+de+Lyon") == search_text("q=vaccins") == (("vaccins", True),)
    # with `near` or `bbox` given, the words are searched as typed
    assert search_text("q=vaccins+pr%C3%A8s+de+Lyon&near=Lyon") == (("vaccins", False), ("lyon", True))
    for nothing in ["", "q=", "q=+++", "q=(((", "region=84"]:
        assert search_text(nothing) is None, nothing
