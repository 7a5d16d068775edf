"""A search or actor API miss's trips to the thread pool (issue 19): each costs ~0.1 ms of CPU and
a wait for a thread and for the event loop. The request's session is made and closed on the loop
(`core.deps.get_session`; on PostgreSQL its close stays in the pool), the search's parameters are
parsed there, and the two APIs write their dict's JSON in the handler's thread
(`web.json_answer`) instead of a second trip to validate it. Checked here: how many trips, and
that the answers are the bytes FastAPI wrote for the `-> dict` routes."""

from __future__ import annotations


from bioatlas.atlas import api as atlas_api
from bioatlas.search import api as search_api

SEARCHES = [
    {"q": "vaccins"}, {"q": "thérapie cellulaire", "lang": "en"}, {"q": "Genopole"}, {"q": "xyzzy"},
    {"q": "anticorps", "facets": "false", "mode": "fulltext"}, {"q": "bio", "kind": "startup", "limit": "3"},
    {"q": "cell", "near": "Evry"}, {"q": ""}, {"q": "vaccins", "limit": "1000"}, {"q": "x", "radius_km": "3"},
    {"q": "x", "bbox": "1,2"}, {"q": "x", "kind": "nope"}, {"q": "x", "mode": "bad"}, {"q": "x", "cursor": "zzz"},
]


def answers(client, eco) -> list[tuple]:
    out = []
    for params in SEARCHES:
        for lang in ("fr", "en"):
            r = client.get("/api/v1/search", params=params, headers={"accept-language": lang})
            out.append((r.status_code, r.headers["content-type"], r.headers["content-length"], r.content))
    for actor_id in [*eco.values(), 10**9]:
        r = client.get(f"/api/v1/actors/{actor_id}", headers={"accept-language": "en"})
        out.append((r.status_code, r.headers["content-type"], r.headers["content-length"], r.content))
    return out


def test_answers_are_the_bytes_of_fastapis_dict_path(client, eco, monkeypatch):
    answers(client, eco)  # the first search of a fresh app may still meet the index being built
    now = answers(client, eco)
    assert sum(status == 200 for status, *_ in now) > 20 and any(status == 422 for status, *_ in now)
    assert any(b'"items":[{' in body for *_, body in now)

    def plain(content, status_code=200):  # the handler's dict, validated and written by FastAPI
        assert status_code == 200
        return content

    monkeypatch.setattr(search_api, "json_answer", plain)
    monkeypatch.setattr(atlas_api, "json_answer", plain)
    again = answers(client, eco)
    assert [i for i, (a, b) in enumerate(zip(again, now)) if a != b] == [] and len(again) == len(now)


def test_openapi_keeps_the_dict_answers(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/search", "/api/v1/actors/{actor_id}"):
        ok = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok.get("type") == "object" and ok.get("additionalProperties") is True, (path, ok)


def test_a_search_miss_makes_two_trips_an_actor_miss_one(client, eco, trips, backend):
    """Was 6 and 4 (seen on the old code): the session's enter and exit, the view's filter, the
    search's parameters, the handler, the answer's validation. On PostgreSQL the session's close
    is one more (a round trip to the server: not on the event loop)."""
    close = 1 if backend == "postgresql" else 0
    client.get("/api/v1/search", params={"q": "warm"})  # the first request of a client warms what it must
    for params in [{"q": "vaccins"}, {"q": "thérapie", "kind": "startup"}, {"q": "zzz"}]:
        before = trips[0]
        r = client.get("/api/v1/search", params=params)
        assert r.status_code == 200
        assert trips[0] - before == 2 + close, (params, trips[0] - before)
    for actor_id in list(eco.values())[:3]:
        before = trips[0]
        assert client.get(f"/api/v1/actors/{actor_id}").status_code == 200
        assert trips[0] - before == 1 + close


def test_the_session_is_closed_after_the_request(app, client, eco, monkeypatch):
    """Made and closed on the event loop (SQLite) or closed in the pool (PostgreSQL): closed either
    way, after an answer and after a refusal, and its connection back in the pool."""
    made, closed = [], []
    real = app.state.sessionmaker

    def recording():
        session = real()
        close = session.close

        def closing():
            closed.append(session)
            close()

        session.close = closing
        made.append(session)
        return session

    monkeypatch.setattr(app.state, "sessionmaker", recording)
    actor = next(iter(eco.values()))
    for path in ("/api/v1/search?q=vaccins", "/api/v1/search?q=x&kind=nope", f"/api/v1/actors/{actor}",
                 "/api/v1/actors/999999999", "/search?q=vaccins", f"/actors/{actor}"):
        before = len(made)
        assert client.get(path).status_code in (200, 404, 422)
        assert len(made) == before + 1 and closed[-1] is made[-1], path
        assert made[-1].get_bind().pool.checkedout() == 0, path
