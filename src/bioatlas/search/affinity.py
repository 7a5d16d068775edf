"""The text a search is computed for, as the engine's per-process memo keys it (`tantivy_memo`:
a text's counts, its wide read, its pages): the renderer a search miss goes to
(`web/renderers.py`), so that "cell therapy" alone, in region 84, on the search page or in
English meet in one process and the later views reuse what the first one kept.

The query's words as the search parses them (folded, stop words out, the last one a prefix
while typed) after the place phrase the search takes out of them when no `near` or `bbox` is
given ("vaccins près de Lyon" is the text "vaccins" with a radius). Two URLs of the same text
get the same value; a value never decides an answer, only where it is computed.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from bioatlas.search.places import extract_place
from bioatlas.search.text import parse_query

MAX_Q = 200  # the `q` parameter's own limit (longer: refused by the route, routed by its first part)


def search_text(query_string: str) -> tuple[tuple[str, bool], ...] | None:
    """The search text of a search URL's query string as (word, prefix) pairs; None when it has
    no words (a browse, punctuation only: routed by the URL)."""
    params = parse_qs(query_string, keep_blank_values=True)
    q = (params.get("q") or [""])[0][:MAX_Q]
    if not q.strip():
        return None
    if not any(params.get(name, [""])[0] for name in ("near", "bbox")):
        try:
            q = extract_place(q).text
        except Exception:  # the gazetteer unreadable: the words as typed (only the routing differs)
            pass
    terms = parse_query(q, as_you_type=True)
    return tuple((t.word, t.prefix) for t in terms) or None


def renderer_key(query_string: str) -> tuple | None:
    """What a search URL's renderer is chosen by (`web/renderers.py`, `app.RENDERED_BY_TEXT`): its
    text, or None (by the URL)."""
    text = search_text(query_string)
    return None if text is None else ("search", text)
