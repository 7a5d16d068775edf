"""The reader's language from the browser (core.i18n.pick_language): `?lang=`, the account's, the
`lang` cookie, then `Accept-Language` (fr or en only), then French. The response cache and the
entries its workers share key on the language so chosen (web/response_cache.py,
web/shared_cache.py); answers say `Content-Language` and `Vary: Accept-Language`."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bioatlas.accounts.policy import ANONYMOUS
from bioatlas.app import create_app
from bioatlas.core.i18n import pick_language
from bioatlas.web.response_cache import ResponseCache
from bioatlas.web.shared_cache import SharedEntries
from tests.accounts.fixtures import PASSWORD, login, make_user

HTML = {"accept": "text/html"}


@pytest.mark.parametrize(("header", "lang"), [
    ("en-US,en;q=0.9", "en"), ("fr-FR,fr;q=0.9,en;q=0.8", "fr"), ("de-DE,en;q=0.5", "en"), ("de-DE", "fr"),
    ("en;q=0.1, fr;q=0.9", "fr"), ("fr;q=0, en", "en"), ("", "fr"), ("x;;;q=é", "fr"), ("*", "fr"),
])
def test_the_browser_language_is_read_after_the_chosen_one(header, lang):
    assert pick_language(None, None, "fr", header) == lang
    assert pick_language(None, "fr", "fr", header) == "fr"  # the account's or the cookie's choice first
    assert pick_language("en", "fr", "fr", header) == "en"  # then `?lang=`


def test_a_visitor_reads_the_page_in_the_browser_language(client, db):
    english = client.get("/", headers={**HTML, "accept-language": "en-GB,en;q=0.9"})
    assert english.status_code == 200 and '<html lang="en"' in english.text
    assert english.headers["content-language"] == "en" and "Accept-Language" in english.headers["vary"]
    german = client.get("/", headers={**HTML, "accept-language": "de"})
    assert '<html lang="fr"' in german.text and german.headers["content-language"] == "fr"
    client.cookies.set("lang", "fr")  # the visitor's choice wins over the browser's
    assert '<html lang="fr"' in client.get("/", headers={**HTML, "accept-language": "en"}).text
    client.cookies.clear()
    # a JSON refusal too: `detail` English, `message` in the browser's language
    r = client.get("/api/v1/actors/999999", headers={"accept-language": "en"})
    assert r.status_code == 404 and r.headers["content-language"] == "en"
    french = client.get("/api/v1/actors/999999", headers={"accept-language": "fr-CA"})
    assert french.json()["detail"] == r.json()["detail"] and french.json()["message"] != r.json()["message"]


def test_an_account_language_wins_over_the_browser(client, db):
    make_user(db, "alice@example.org", name="Alice Synthétique")
    assert login(client, "alice@example.org", PASSWORD).status_code == 303
    client.get("/?lang=fr", headers=HTML)  # the language switch, signed in: stored on the account
    client.cookies.delete("lang")
    page = client.get("/", headers={**HTML, "accept-language": "en"})
    assert '<html lang="fr"' in page.text and page.headers["content-language"] == "fr"


def test_the_cache_never_answers_one_language_with_the_other(settings, db):
    """Fails on a cache keyed without Accept-Language: the second visitor got the first's page."""
    app = create_app(settings.model_copy(update={"response_cache": True}))
    with TestClient(app) as french, TestClient(app) as english:
        for url, accept in (("/", HTML), ("/api/v1/actors/999999", {}), ("/api/v1/taxonomies", {})):
            fr = french.get(url, headers={**accept, "accept-language": "fr-FR,fr;q=0.9"})
            en = english.get(url, headers={**accept, "accept-language": "en-US,en;q=0.9"})
            again = french.get(url, headers={**accept, "accept-language": "fr"})
            assert fr.headers["content-language"] == again.headers["content-language"] == "fr", url
            assert en.headers["content-language"] == "en", url
            assert en.content != fr.content and again.content == fr.content, url
            assert "Accept-Language" in fr.headers["vary"] and "Accept-Language" in en.headers["vary"], url
        cache = app.middleware_stack
        while not isinstance(cache, ResponseCache):
            cache = cache.app
        assert cache.stats["hits"] >= 2  # the repeat in the same language is still a hit
        etag = english.get("/", headers={**HTML, "accept-language": "en"}).headers["etag"]
        # a French visitor's If-None-Match with the English tag gets the French page, not a 304
        r = french.get("/", headers={**HTML, "accept-language": "fr", "if-none-match": etag})
        assert r.status_code == 200 and '<html lang="fr"' in r.text


def test_workers_share_an_answer_only_in_its_language(tmp_path):
    computed = []

    def page(request):
        lang = pick_language(request.query_params.get("lang"), request.cookies.get("lang"), "fr",
                             request.headers.get("accept-language"))
        computed.append(lang)
        return PlainTextResponse({"fr": "bonjour", "en": "hello"}[lang])

    shared = SharedEntries()
    shared.activate(tmp_path)
    workers = [ResponseCache(Starlette(routes=[Route("/page", page)]), routes=["/page"], version=lambda: (1, 1, None),
                             version_inline=True, shared=shared, default_language="fr") for _ in range(2)]

    def worker(cache):
        async def app(scope, receive, send):  # what the accounts middleware does
            scope.setdefault("state", {}).update(principal=ANONYMOUS)
            await cache(scope, receive, send)
        return TestClient(app)

    one, two = worker(workers[0]), worker(workers[1])
    assert one.get("/page", headers={"accept-language": "fr-FR"}).text == "bonjour"
    assert two.get("/page", headers={"accept-language": "en-US"}).text == "hello"  # not the French entry
    assert two.get("/page", headers={"accept-language": "fr"}).text == "bonjour"  # the French one, shared
    assert one.get("/page", headers={"accept-language": "en"}).text == "hello"
    assert computed == ["fr", "en"] and shared.stats["found"] == 2
