"""GET and POST /api/v1/match."""

from __future__ import annotations

import pytest

from .conftest import ror


@pytest.fixture
def api(registry, client):
    return client


def test_get_match_returns_chosen_ror_ids_and_candidates(api):
    r = api.get("/api/v1/match", params={"q": "Genethon (Evry)"})
    assert r.status_code == 200
    body = r.json()
    assert body["affiliation"] == "Genethon (Evry)"
    assert body["chosen"] == [ror("03fj96t64")]
    assert body["candidates"][0]["id"] == ror("03fj96t64") and 0 < body["candidates"][0]["score"] <= 1
    assert "name: exact" in body["candidates"][0]["reasons"]


def test_post_batch_answers_in_order(api):
    r = api.post("/api/v1/match", json={"mentions": ["Inserm U1234, Paris", "", "中国科学院", "!!!"]})
    assert r.status_code == 200
    body = r.json()
    assert [b["chosen"] for b in body] == [[ror("02vjkv261")], [], [ror("034t30j35")], []]


@pytest.mark.parametrize("q", ["", "   ", ";;;,,,!!!", "x" * 10_000, "Institut\x01Pasteur\x7f", "Инститyт Pasteur 東京"])
def test_bad_single_mentions_give_a_clean_answer(api, q):
    r = api.get("/api/v1/match", params={"q": q})
    assert r.status_code == 200, r.text
    assert isinstance(r.json()["chosen"], list)


def test_limits_are_clear_errors(api):
    too_long = api.get("/api/v1/match", params={"q": "x" * 10_001})
    assert too_long.status_code == 422 and "q" in str(too_long.json())
    assert api.get("/api/v1/match").status_code == 422
    big = api.post("/api/v1/match", json={"mentions": ["Inserm"] * 1001})
    assert big.status_code == 413 and "at most 1000" in big.json()["detail"]
    long_item = api.post("/api/v1/match", json={"mentions": ["ok", "y" * 10_001]})
    assert long_item.status_code == 422 and "mentions.1" in str(long_item.json())
    assert api.post("/api/v1/match", json={"mentions": "Inserm"}).status_code == 422
    assert api.post("/api/v1/match", content=b"\xff\xfe not json", headers={"content-type": "application/json"}).status_code in (400, 422)


def test_the_batch_limit_is_said_in_the_reader_language(api):
    """The 413 of a batch over the limit: `detail` the English text as before, `field` and `message`
    in the reader's language (was English only)."""
    for lang, text in (("fr", "1001 mentions envoyées, au plus 1000 par requête"),
                       ("en", "1001 given, at most 1000 per request")):
        r = api.post("/api/v1/match", params={"lang": lang}, json={"mentions": ["Inserm"] * 1001})
        assert r.status_code == 413 and r.json() == {"detail": "mentions: 1001 given, at most 1000 per request",
                                                     "field": "mentions", "message": text}, r.json()
