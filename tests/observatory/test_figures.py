"""Every figure of the observatory's pages is written whole (observatory.labels.figure, the filter
`obs_figure`): no ordinary space, where a line may break, between a comparator and its number, a
number's groups, or a number and its unit ("20 %" could show "20" at a line's end and "%" at the next
one's start). French groups are parted by U+202F (Babel), a unit and a comparator by a no-break space."""

from __future__ import annotations

import html
import re

import pytest

from bioatlas.atlas.records import ActorRecord
from bioatlas.atlas.writer import get_or_create_source, upsert_actor
from bioatlas.observatory import labels
from bioatlas.web import number
from tests.atlas.ecosystem import ARTICLE_IDF, site

# a figure broken where a line may break: a group, a unit or a comparator parted by an ordinary space
LOOSE = re.compile(r"\d \d{3}(?!\d)|\d (?:%|€|M€|Md€|bn €|L\b|fois\b|emplois\b|jobs\b|times\b)|(?:^|\s)[<>≈] \d")


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def loose_figures(page: str) -> list[str]:
    text = visible_text(page)
    return [text[max(0, m.start() - 30):m.end() + 10] for m in LOOSE.finditer(text)]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_figure_breaks_across_lines(obs_client, session, eco, loaded, lang):
    upsert_actor(session, ActorRecord(name="Bioréacteurs de l'Essonne", kind="cdmo", sites=[site("91000")], scale_litres=12500,
                                      capabilities={"modalities": ["viral_vector"]}), source=get_or_create_source(session, ARTICLE_IDF))
    session.commit()
    seen, loose = {}, {}
    for path in ("/observatory", "/observatory/indicators/share_eu_biologics_produced",
                 "/observatory/indicators/eu_biologics_made_in_country", "/observatory/regions/11", "/observatory/regions/27",
                 "/observatory/regions/11/factsheet", "/observatory/roadmaps/idf-assises-2021"):
        r = obs_client.get(f"{path}?lang={lang}")
        assert r.status_code == 200, path
        seen[path] = r.text
        if found := loose_figures(r.text):
            loose[path] = found
    assert loose == {}, "\n".join(f"{p}: {f!r}" for p, fs in loose.items() for f in fs)
    region = visible_text(seen["/observatory/regions/11"])
    litres = "12\u202f500\u202fL" if lang == "fr" else "12,500\u202fL"
    assert litres in region and litres in visible_text(seen["/observatory/regions/11/factsheet"])
    assert re.search(r"\d\u202f%", visible_text(seen["/observatory/regions/27"]))  # the share of the country


def test_the_one_formatter():
    assert labels.figure(12345, "fr", number, "litres") == "12\u202f345\u202fL"
    assert labels.figure(20, "fr", number, "percent", ">") == ">\u00a020\u202f%"
    assert labels.figure(10000, "fr", number, "jobs") == "10\u202f000\u00a0emplois"
    assert labels.figure(10000, "en", number, "jobs") == "10,000\u00a0jobs"
    assert labels.figure(2.5e9, "fr", number, "euros") == "2,5\u00a0Md€"
    assert labels.figure(None, "fr", number) == "—"
    assert labels.tied("plus de 1 200 L et 85 %") == "plus de 1\u202f200\u202fL et 85\u202f%"
    assert loose_figures("<p>20 %</p>") and loose_figures("<b>&gt; 2</b>") and not loose_figures("<p>20\u202f%</p>")
