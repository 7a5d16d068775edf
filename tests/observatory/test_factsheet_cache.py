"""Factsheet PDFs cached per region, language and data (issue 19): served from the file while the
data stand, never stale after a committed change of an actor or of an observatory row, rendered
again by the background task. WeasyPrint is replaced by a renderer that returns the HTML it was
given (the real PDF is tested in test_factsheet.py): the tests read what each PDF was made from."""

from __future__ import annotations

from sqlalchemy import select

from bioatlas.atlas.models import Actor
from bioatlas.core.i18n import Translator
from bioatlas.observatory import factsheet, factsheet_cache, factsheet_render, factsheet_sync
from bioatlas.observatory.models import IndicatorValue

URL = "/observatory/regions/11/factsheet.pdf?lang=fr"  # explicit: a ?lang=en request sets the cookie


def fake_renderer(monkeypatch) -> list[str]:
    calls: list[str] = []

    def render(html: str) -> bytes:
        calls.append(html)
        return b"%PDF-test\n" + html.encode()

    monkeypatch.setattr(factsheet, "render_pdf", render)
    return calls


def test_a_cached_pdf_is_served_until_an_actor_changes(obs_client, session, settings, eco, loaded, monkeypatch):
    calls = fake_renderer(monkeypatch)
    first = obs_client.get(URL)
    assert first.status_code == 200 and first.content.startswith(b"%PDF") and len(calls) == 1
    files = list(factsheet_cache.folder(settings).glob("11-fr-*.pdf"))
    assert len(files) == 1 and files[0].read_bytes() == first.content
    again = obs_client.get(URL)
    assert again.content == first.content and len(calls) == 1  # from the file: not rendered again
    english = obs_client.get(URL.replace("=fr", "=en"))
    assert len(calls) == 2 and b"Key figures" in english.content  # one file per language

    genopole = session.scalar(select(Actor).where(Actor.name == "Genopole"))
    genopole.name = "Genopole Evry"
    session.commit()
    after = obs_client.get(URL)
    assert len(calls) == 3 and b"Genopole Evry" in after.content  # the committed change, not the old file
    assert [p.name for p in factsheet_cache.folder(settings).glob("11-fr-*.pdf")] != [files[0].name]
    assert len(list(factsheet_cache.folder(settings).glob("11-fr-*.pdf"))) == 1  # the old one removed


def test_an_observatory_figure_edited_in_place_is_never_served_stale(obs_client, session, eco, loaded, monkeypatch):
    calls = fake_renderer(monkeypatch)
    obs_client.get(URL)
    value = session.scalar(select(IndicatorValue).where(IndicatorValue.scope == "11", IndicatorValue.kind == "recorded"))
    assert value is not None
    value.value_text = "about 41 percent"
    session.commit()
    after = obs_client.get(URL)
    assert len(calls) == 2 and b"about 41 percent" in after.content


def test_the_task_renders_again_the_cached_sheets_that_changed(obs_client, session, settings, eco, loaded, monkeypatch):
    calls = fake_renderer(monkeypatch)
    obs_client.get(URL)
    obs_client.get("/observatory/regions/27/factsheet.pdf?lang=en")  # Bourgogne-Franche-Comté
    assert factsheet_cache.cached(settings) == [("11", "fr"), ("27", "en")]

    def render(s, code, lang):
        return factsheet_render.render_pdf(s, code=code, t=Translator(lang))

    assert factsheet_cache.refresh(session, settings=settings, render=render) == {"rendered": 0, "unchanged": 2}
    genopole = session.scalar(select(Actor).where(Actor.name == "Genopole"))
    genopole.description_fr = "Biocluster"
    session.commit()
    assert factsheet_cache.refresh(session, settings=settings, render=render) == {"rendered": 2, "unchanged": 0}
    before = len(calls)
    obs_client.get(URL)
    assert len(calls) == before  # the task's file is the one served


def test_a_commit_queues_the_task_only_when_sheets_are_cached(obs_client, session, settings, eco, loaded, monkeypatch):
    fake_renderer(monkeypatch)
    queued: list[str] = []
    monkeypatch.setattr(factsheet_sync, "is_configured", lambda: True)
    monkeypatch.setattr(factsheet_sync, "current_settings", lambda: settings)
    monkeypatch.setattr(factsheet_sync, "enqueue_after_commit", lambda s, name: queued.append(name) or True)
    genopole = session.scalar(select(Actor).where(Actor.name == "Genopole"))
    genopole.description_fr = "one"
    session.commit()
    assert queued == []  # nothing cached: nothing to render again
    obs_client.get(URL)
    genopole.description_fr = "two"
    session.commit()
    assert queued == [factsheet_sync.TASK]
    session.commit()  # nothing changed: nothing queued
    assert queued == [factsheet_sync.TASK]


def test_an_unknown_region_is_a_404_and_caches_nothing(obs_client, settings, eco, monkeypatch):
    calls = fake_renderer(monkeypatch)
    assert obs_client.get("/observatory/regions/99/factsheet.pdf").status_code == 404
    assert obs_client.get("/observatory/regions/..%2F..%2Fx/factsheet.pdf").status_code == 404
    assert calls == [] and factsheet_cache.cached(settings) == []
